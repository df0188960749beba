"""An import-linter contract: no import cycle among the project's modules.

import-linter's own `acyclic_siblings` contract compares packages, not modules. This one finds
cycles between modules, counting every import grimp sees, including those inside functions (a
function-local import only delays a cycle, it does not remove it). Imports under
`if TYPE_CHECKING:` never run, so they are left out by default: a type that names another through
`strawberry.lazy` is not a cycle.
"""

from collections import deque
from itertools import pairwise

import grimp
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck

MAX_CYCLES_TO_RENDER = 20


class AcyclicModulesContract(Contract):
    type_name = "acyclic_modules"

    # Top-level packages whose modules must not import each other in a circle (default: the
    # root packages).
    packages = fields.ListField(subfield=fields.StringField(), required=False)
    exclude_type_checking_imports = fields.BooleanField(default=True)

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        packages: list[str] = list(self.packages or self.session_options["root_packages"])  # type: ignore[arg-type]
        if self.exclude_type_checking_imports:
            # The shared graph keeps TYPE_CHECKING imports (the layer contracts count them), so
            # build a second one without them.
            graph = grimp.build_graph(*packages, exclude_type_checking_imports=True, cache_dir=None)
        ours = {m for m in graph.modules if m.split(".")[0] in packages}
        edges = {m: sorted(graph.find_modules_directly_imported_by(m) & ours) for m in sorted(ours)}
        components = [c for c in _strongly_connected(edges) if len(c) > 1 or c[0] in edges[c[0]]]
        cycles = []
        for component in sorted(components, key=lambda c: (-len(c), c)):
            cycle = _shortest_cycle(edges, set(component), min(component))
            cycles.append(
                {
                    "modules": sorted(component),
                    "cycle": [
                        (importer, imported, _lines(graph, importer, imported))
                        for importer, imported in pairwise(cycle)
                    ],
                }
            )
        return ContractCheck(kept=not cycles, metadata={"cycles": cycles})

    def render_broken_contract(self, check: ContractCheck) -> None:
        cycles = check.metadata["cycles"]
        output.print_error(f"{len(cycles)} group(s) of modules import each other in a circle.")
        output.new_line()
        for found in cycles[:MAX_CYCLES_TO_RENDER]:
            output.print_error(f"{len(found['modules'])} modules: {', '.join(found['modules'])}")
            output.print_error("for example:")
            for importer, imported, lines in found["cycle"]:
                output.print_error(f"  {importer} -> {imported} (l.{', '.join(map(str, lines))})", bold=False)
            output.new_line()
        if len(cycles) > MAX_CYCLES_TO_RENDER:
            output.print_error(f"(and {len(cycles) - MAX_CYCLES_TO_RENDER} more)")


def _lines(graph: grimp.ImportGraph, importer: str, imported: str) -> list[int]:
    return sorted({d["line_number"] for d in graph.get_import_details(importer=importer, imported=imported)})


def _strongly_connected(edges: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (a long import chain must not hit the recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for root in edges:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            targets = edges[node]
            if child < len(targets):
                work.append((node, child + 1))
                target = targets[child]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return components


def _shortest_cycle(edges: dict[str, list[str]], component: set[str], start: str) -> list[str]:
    """The shortest path start -> ... -> start inside one strongly connected component."""
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for target in edges[node]:
            if target not in component:
                continue
            if target == start:
                path = [node]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return [start, *reversed(path[:-1]), start]
            if target not in came_from:
                came_from[target] = node
                queue.append(target)
    return [start]
