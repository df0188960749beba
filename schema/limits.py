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

from typing import Any, Callable

from graphql import (
    FieldNode, FragmentDefinitionNode, FragmentSpreadNode, GraphQLError, InlineFragmentNode, IntValueNode,
    ListValueNode, OperationDefinitionNode, ValidationRule, VariableNode, get_named_type, get_nullable_type, is_list_type,
)
from graphql.language import Visitor, visit

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
                    GraphQLError(f"'{name}' exceeds maximum operation depth of {MAX_DEPTH}", operation, extensions=TOO_COMPLEX)
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


def _fan_out(field_node: FieldNode, field_def) -> int | None:
    """How many nodes one call of a field returns at most: a connection's `first` (a literal, the
    argument's default, or the cap for a variable), or the length of the id list a list field
    like `nodes(ids:)` is given. None for a field that does not fan out."""
    given = {arg.name.value: arg.value for arg in field_node.arguments or ()}
    if "first" in field_def.args:
        value = given.get("first")
        if isinstance(value, IntValueNode):
            return max(int(value.value), 0)
        if value is None:
            default = field_def.args["first"].default_value
            return default if isinstance(default, int) else MAX_PAGE_SIZE
        return MAX_PAGE_SIZE  # a variable: assume the largest page it may ask for
    if not is_list_type(get_nullable_type(field_def.type)):
        return None
    for name, arg_def in field_def.args.items():
        if is_list_type(get_nullable_type(arg_def.type)) and name in given:
            value = given[name]
            if isinstance(value, ListValueNode):
                return len(value.values)
            # A variable: input lists are capped at 100 (node.MAX_IDS, the page cap).
            return MAX_PAGE_SIZE if isinstance(value, VariableNode) else 1
    return None


class NodeBudget(ValidationRule):
    """Sum, over every connection (and `nodes` list) in the operation, of the product of the
    page sizes above and including it. The cost of what lies below a point is proportional to
    the multiplier there, so a fragment is costed once (multiplier 1) and scaled at each spread."""

    def enter_document(self, node, *_):
        schema = self.context.schema

        def cost(selection_set, parent) -> int:
            if selection_set is None or parent is None:
                return 0
            total = 0
            for s in selection_set.selections:
                if isinstance(s, FieldNode):
                    field_def = (getattr(parent, "fields", None) or {}).get(s.name.value)
                    if field_def is None:
                        continue
                    size = _fan_out(s, field_def)
                    below = cost(s.selection_set, get_named_type(field_def.type))
                    total += below if size is None else size + size * below
                elif isinstance(s, InlineFragmentNode):
                    target = schema.get_type(s.type_condition.name.value) if s.type_condition else parent
                    total += cost(s.selection_set, target)
                else:
                    total += fragment_cost(s.name.value)
            return total

        fragment_cost = _PerFragment(node, lambda f: cost(f.selection_set, schema.get_type(f.type_condition.name.value)))
        roots = {"query": schema.query_type, "mutation": schema.mutation_type, "subscription": schema.subscription_type}
        for operation in _operations(node):
            total = cost(operation.selection_set, roots[operation.operation.value])
            if total > NODE_BUDGET:
                shown = f"about {total}" if total < 10**9 else "more than a billion"
                self.report_error(
                    GraphQLError(
                        f"This query could return {shown} nodes; the limit is {NODE_BUDGET}. Ask for smaller pages.",
                        operation, extensions=TOO_COMPLEX,
                    )
                )
