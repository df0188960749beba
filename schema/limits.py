"""Validation rules against hostile queries, run before any resolver or SQL:
directive count, and a node budget that charges nested connections by their page sizes."""

from __future__ import annotations

from graphql import (
    FieldNode, FragmentDefinitionNode, FragmentSpreadNode, GraphQLError, InlineFragmentNode, IntValueNode,
    OperationDefinitionNode, ValidationRule, get_named_type,
)
from graphql.language import Visitor, visit

from schema.pagination import MAX_PAGE_SIZE

MAX_DIRECTIVES = 50
NODE_BUDGET = 5000


class MaxDirectives(ValidationRule):
    def enter_document(self, node, *_):
        count = 0

        class Counter(Visitor):
            def enter_directive(self, *_):
                nonlocal count
                count += 1

        visit(node, Counter())
        if count > MAX_DIRECTIVES:
            self.report_error(GraphQLError(f"At most {MAX_DIRECTIVES} directives per request.", extensions={"code": "QUERY_TOO_COMPLEX"}))


def _page_size(field_node: FieldNode, field_def) -> int | None:
    """The `first` a connection field asks for: a literal, the arg default, or the cap for variables."""
    if "first" not in field_def.args:
        return None
    for arg in field_node.arguments or ():
        if arg.name.value == "first":
            if isinstance(arg.value, IntValueNode):
                return max(int(arg.value.value), 0)
            return MAX_PAGE_SIZE  # a variable: assume the largest page it may ask for
    default = field_def.args["first"].default_value
    return default if isinstance(default, int) else MAX_PAGE_SIZE


class NodeBudget(ValidationRule):
    """Sum, over every connection in the operation, of the product of the page sizes above and
    including it. Fragments are expanded; a cycle is left to graphql-core's NoFragmentCycles."""

    def enter_operation_definition(self, node: OperationDefinitionNode, *_):
        schema = self.context.schema
        root = {"query": schema.query_type, "mutation": schema.mutation_type, "subscription": schema.subscription_type}[
            node.operation.value
        ]
        fragments = {
            d.name.value: d for d in self.context.document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        cost = self._cost(node.selection_set, root, 1, fragments, frozenset(), 0)
        if cost > NODE_BUDGET:
            self.report_error(
                GraphQLError(
                    f"This query could return about {cost} nodes; the limit is {NODE_BUDGET}. Ask for smaller pages.",
                    extensions={"code": "QUERY_TOO_COMPLEX"},
                )
            )

    def _cost(self, selection_set, parent, multiplier, fragments, seen, depth) -> int:
        if selection_set is None or parent is None or depth > 30:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                fields = getattr(parent, "fields", None) or {}
                field_def = fields.get(selection.name.value)
                if field_def is None:
                    continue
                size = _page_size(selection, field_def)
                inner = multiplier
                if size is not None:
                    inner = multiplier * size
                    total += inner
                total += self._cost(selection.selection_set, get_named_type(field_def.type), inner, fragments, seen, depth + 1)
            elif isinstance(selection, InlineFragmentNode):
                target = parent
                if selection.type_condition is not None:
                    target = self.context.schema.get_type(selection.type_condition.name.value) or parent
                total += self._cost(selection.selection_set, target, multiplier, fragments, seen, depth + 1)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = fragments.get(name)
                if fragment is None or name in seen:
                    continue
                target = self.context.schema.get_type(fragment.type_condition.name.value) or parent
                total += self._cost(fragment.selection_set, target, multiplier, fragments, seen | {name}, depth + 1)
        return total
