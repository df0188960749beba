"""Validation rules against hostile queries, run before any resolver or SQL: depth, aliases,
directive count, and a node budget that charges nested connections by their page sizes.

Depth and aliases replace strawberry's QueryDepthLimiter and MaxAliasesLimiter (same counting,
same messages) for two reasons:
- those expand fragments once per spread, so fragments that each spread the next one twice
  (`fragment F1 on Viewer { ...F2 ...F2 }` ...) cost 2**n steps: 40 of them, about 400 tokens,
  held the event loop for hours. Here each fragment is measured once and the result reused.
- they build a new rule class per request, which made every ValidationCache lookup miss; these
  classes are made once, so the cache key (schema, document, rules) repeats.
Each rule does its work in `enter_document` (inside graphql-core's `validate`), so a document
nested too deeply for the interpreter ends in "Validation aborted.", never in a crash."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    StringValueNode,
    ValidationRule,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_leaf_type,
    is_list_type,
)
from graphql.language import Visitor, visit

from domain.availability import MAX_SLOTS
from domain.services import MIN_DURATION_MINUTES
from schema.pagination import MAX_PAGE_SIZE

MAX_DEPTH = 8
MAX_ALIASES = 15
MAX_DIRECTIVES = 50
NODE_BUDGET = 5000

TOO_COMPLEX = {"code": "QUERY_TOO_COMPLEX"}


class _PerFragment:
    """A measure of fragments, each worked out once per document. Unknown fragments and spreads
    closing a cycle count 0: graphql-core's KnownFragmentNames and NoFragmentCycles report them."""

    def __init__(self, document, measure: Callable[[FragmentDefinitionNode], Any], zero: Any = 0):
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.measure = measure
        self.zero = zero
        self.done: dict[str, Any] = {}
        self.busy: set[str] = set()

    def __call__(self, name: str) -> Any:
        if name in self.done:
            return self.done[name]
        fragment = self.fragments.get(name)
        if fragment is None or name in self.busy:
            return self.zero
        self.busy.add(name)
        try:
            value = self.measure(fragment)
        finally:
            self.busy.discard(name)
        self.done[name] = value
        return value


def _operations(document) -> list[OperationDefinitionNode]:
    return [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]


class MaxDepth(ValidationRule):
    """graphql-depth-limit's count: root fields are level 0, `{ viewer { role } }` has depth 1.
    Introspection fields (`__schema`, `__type`) are not counted, as in strawberry's limiter."""

    def enter_document(self, node, *_):
        def selections(selection_set) -> int:
            return max((selection(s) for s in selection_set.selections), default=0)

        def selection(s) -> int:
            if isinstance(s, FieldNode):
                if s.name.value.startswith("__") or not s.selection_set:
                    return 0
                return 1 + selections(s.selection_set)
            if isinstance(s, InlineFragmentNode):
                return selections(s.selection_set)
            return fragment_depth(s.name.value)

        fragment_depth = _PerFragment(node, lambda f: selections(f.selection_set))
        for operation in _operations(node):
            if selections(operation.selection_set) > MAX_DEPTH:
                name = operation.name.value if operation.name else "anonymous"
                self.report_error(
                    GraphQLError(
                        f"'{name}' exceeds maximum operation depth of {MAX_DEPTH}", operation, extensions=TOO_COMPLEX
                    )
                )


class MaxAliases(ValidationRule):
    """Aliased fields in all operations, a fragment counted every time it is spread."""

    def enter_document(self, node, *_):
        def selections(selection_set) -> int:
            total = 0
            for s in selection_set.selections:
                if isinstance(s, FragmentSpreadNode):
                    total += fragment_aliases(s.name.value)
                    continue
                if isinstance(s, FieldNode) and s.alias:
                    total += 1
                if s.selection_set:
                    total += selections(s.selection_set)
            return total

        fragment_aliases = _PerFragment(node, lambda f: selections(f.selection_set))
        total = sum(selections(op.selection_set) for op in _operations(node))
        if total > MAX_ALIASES:
            self.report_error(GraphQLError(f"{total} aliases found. Allowed: {MAX_ALIASES}", extensions=TOO_COMPLEX))


class MaxDirectives(ValidationRule):
    def enter_document(self, node, *_):
        count = 0

        class Counter(Visitor):
            def enter_directive(self, *_):
                nonlocal count
                count += 1

        visit(node, Counter())
        if count > MAX_DIRECTIVES:
            self.report_error(GraphQLError(f"At most {MAX_DIRECTIVES} directives per request.", extensions=TOO_COMPLEX))


# A list field without a page size (a client's goals, a coach's services, a session's notes) is
# charged as this many rows: they are short lists, but each row's fields still cost.
UNPAGED_LIST_ROWS = 10


def _slot_count(given: dict) -> int:
    """`availableSlots` returns at most MAX_SLOTS slots (availability refuses more); literal
    `from`/`to` bound it lower: one slot per shortest service duration in the range."""
    start, end = given.get("from"), given.get("to")
    if isinstance(start, StringValueNode) and isinstance(end, StringValueNode):
        try:
            span = datetime.fromisoformat(end.value) - datetime.fromisoformat(start.value)
        except (TypeError, ValueError):  # bad or mixed naive/aware values: the resolver refuses them
            return MAX_SLOTS
        steps = -(-span.total_seconds() // (MIN_DURATION_MINUTES * 60))
        return int(min(max(steps, 0), MAX_SLOTS))
    return MAX_SLOTS


# Fields whose size comes from their arguments in their own way: (parent type, field) -> rows.
SIZED_FIELDS: dict[tuple[str, str], Callable[[dict], int]] = {("Query", "availableSlots"): _slot_count}


def _fan_out(field_node: FieldNode, field_def, parent, page: int | None) -> tuple[int | None, int | None]:
    """(rows, page) of one call of a field. `rows`: how many things it returns at most, each
    costing what is selected below it: the length of the id list of `nodes(ids:)`, a field's own
    rule (SIZED_FIELDS), the enclosing connection's page for its `edges`, UNPAGED_LIST_ROWS for
    another list of objects; None for a single thing. `page`: for a connection, its `first` (a
    literal, the argument's default, or the cap for a variable), handed to its `edges`."""
    given = {arg.name.value: arg.value for arg in field_node.arguments or ()}
    sized = SIZED_FIELDS.get((parent.name, field_node.name.value))
    if sized is not None:
        return sized(given), None
    if "first" in field_def.args:
        value = given.get("first")
        if isinstance(value, IntValueNode):
            return None, max(int(value.value), 0)
        if value is None:
            default = field_def.args["first"].default_value
            return None, default if isinstance(default, int) else MAX_PAGE_SIZE
        return None, MAX_PAGE_SIZE  # a variable: assume the largest page it may ask for
    if not is_list_type(get_nullable_type(field_def.type)):
        return None, None
    for name, arg_def in field_def.args.items():
        if is_list_type(get_nullable_type(arg_def.type)) and name in given:
            value = given[name]
            if isinstance(value, ListValueNode):
                return len(value.values), None
            # A variable: input lists are capped at 100 (node.MAX_IDS, the page cap).
            return (MAX_PAGE_SIZE if isinstance(value, VariableNode) else 1), None
    if is_leaf_type(get_named_type(field_def.type)):
        return None, None  # a list of scalars is one value
    if parent.name.endswith("Connection"):
        return (MAX_PAGE_SIZE if page is None else page), None
    return UNPAGED_LIST_ROWS, None


# A selection merged from fragments that each add different fields can grow large; past this
# many merged fields the request is over budget whatever the page sizes.
MAX_MERGED_FIELDS = 20_000


class _TooLarge(Exception):
    pass


class NodeBudget(ValidationRule):
    """What a request may return, counted before anything runs: every field selected costs 1
    for each time it is returned, and a field returning many rows multiplies what is selected
    below it. `clients(first: 50) { totalCount edges { node { id name } } }` costs 50 (the page)
    + 1 + 50 x (edge + node + 2); a nested connection multiplies again. Fields are merged by response key first, as execution merges
    them (a fragment spread twice, or a field repeated, is returned once); each fragment is
    worked out once and shared, so fragments spreading each other twice stay cheap to measure.
    Introspection fields cost nothing (off in production, and bounded by depth)."""

    def enter_document(self, node, *_):
        schema = self.context.schema
        merged_fields = 0

        # A selection is {response key: (rows, page, selection below)}, never changed once made.
        def selection(selection_set, parent, page: int | None = None) -> dict:
            result: dict = {}
            if selection_set is None or parent is None:
                return result
            for s in selection_set.selections:
                if isinstance(s, FieldNode):
                    field_def = (getattr(parent, "fields", None) or {}).get(s.name.value)
                    if field_def is None or s.name.value.startswith("__"):
                        continue
                    rows, page_below = _fan_out(s, field_def, parent, page)
                    below = selection(s.selection_set, get_named_type(field_def.type), page_below)
                    part = {(s.alias or s.name).value: (rows, page_below, below)}
                elif isinstance(s, InlineFragmentNode):
                    target = schema.get_type(s.type_condition.name.value) if s.type_condition else parent
                    part = selection(s.selection_set, target, page)
                else:
                    part = fragment_selection(s.name.value, page)
                result = merge(result, part)
            return result

        def larger(a: int | None, b: int | None) -> int | None:
            return a if b is None else b if a is None else max(a, b)

        def merge(a: dict, b: dict) -> dict:
            nonlocal merged_fields
            if a is b or not b:
                return a
            if not a:
                return b
            out = dict(a)
            for key, (rows, page, below) in b.items():
                if key in out:
                    other_rows, other_page, other_below = out[key]
                    rows, page, below = larger(rows, other_rows), larger(page, other_page), merge(other_below, below)
                out[key] = (rows, page, below)
                merged_fields += 1
                if merged_fields > MAX_MERGED_FIELDS:
                    raise _TooLarge
            return out

        costs: dict[int, int] = {}  # by id(): every selection costed is alive in the tree being costed

        def cost(chosen: dict) -> int:
            """A connection costs its page plus its selection (where `edges` count once a row);
            a field returning rows costs each row and what is selected below it, once a row."""
            if id(chosen) not in costs:
                total = 0
                for rows, page, below in chosen.values():
                    if page is not None:
                        total += page + cost(below)
                    elif rows is not None:
                        total += rows * (1 + cost(below))
                    else:
                        total += 1 + cost(below)
                costs[id(chosen)] = total
            return costs[id(chosen)]

        # Per page size: a fragment on a connection type hands the page to its `edges`.
        per_page: dict[int | None, _PerFragment] = {}

        def fragment_selection(name: str, page: int | None) -> dict:
            if page not in per_page:
                per_page[page] = _PerFragment(
                    node,
                    lambda f: selection(f.selection_set, schema.get_type(f.type_condition.name.value), page),
                    zero={},
                )
            return per_page[page](name)

        roots = {"query": schema.query_type, "mutation": schema.mutation_type, "subscription": schema.subscription_type}
        for operation in _operations(node):
            costs.clear()
            try:
                tree = selection(operation.selection_set, roots[operation.operation.value])
                total = cost(tree)
            except _TooLarge:
                total = 10**9
            if total > NODE_BUDGET:
                shown = f"{total}" if total < 10**9 else "more than a billion"
                self.report_error(
                    GraphQLError(
                        f"This query costs {shown} nodes; the limit is {NODE_BUDGET}. Ask for smaller pages or fewer fields.",
                        operation,
                        extensions={**TOO_COMPLEX, "cost": min(total, 10**9), "limit": NODE_BUDGET},
                    )
                )
