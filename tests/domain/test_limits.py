"""The node budget (schema.limits.NodeBudget): what a query document costs, counted before
anything runs, on the real schema and no database. The cost is read from the rule's own error,
with the budget set to 0 so every document reports it."""

import pytest
from graphql import parse, validate

from schema import limits
from schema.build import build
from schema.limits import NodeBudget


@pytest.fixture(scope="module")
def graphql_schema():
    return build()._schema


@pytest.fixture
def cost(graphql_schema, monkeypatch):
    monkeypatch.setattr(limits, "NODE_BUDGET", 0)

    def measure(document: str) -> int:
        errors = validate(graphql_schema, parse(document), [NodeBudget])
        assert len(errors) == 1, errors
        return errors[0].extensions["cost"]

    return measure


def test_a_page_costs_its_size_plus_each_row_and_what_is_selected_in_it(cost):
    # 50 (the page) + 1 (totalCount) + 50 x (edge + node + id + name)
    assert cost("{ myClients(first: 50) { totalCount edges { node { id name } } } }") == 50 + 1 + 50 * 4


def test_a_page_without_first_costs_the_argument_default_and_a_variable_the_largest_page(cost):
    assert cost("{ myClients { edges { node { id } } } }") == 50 + 50 * 3  # first: Int = 50
    assert cost("query($n: Int) { myClients(first: $n) { edges { node { id } } } }") == 100 + 100 * 3


def test_a_nested_connection_multiplies_by_the_outer_page(cost):
    notes = 20 + 20 * (1 + 1 + 1)  # notes(first: 20) { edges { node { id } } }
    assert cost(
        "{ myClients(first: 10) { edges { node { notes(first: 20) { edges { node { id } } } } } } }"
    ) == 10 + 10 * (1 + 1 + notes)


def test_an_unpaged_list_of_objects_counts_as_ten_rows(cost):
    goals = limits.UNPAGED_LIST_ROWS * (1 + 1)
    assert cost("{ myClients(first: 10) { edges { node { goals { id } } } } }") == 10 + 10 * (1 + 1 + goals)


def test_fields_repeated_or_spread_twice_are_merged_and_counted_once(cost):
    once = cost("{ myClients(first: 10) { edges { node { id name } } } }")
    assert cost("{ myClients(first: 10) { edges { node { id ...F ...F id } } } } fragment F on Client { name }") == once


def test_available_slots_cost_one_row_per_shortest_service_in_a_literal_range(cost):
    hour = '{ availableSlots(serviceId: "s", from: "2030-01-01T00:00:00Z", to: "2030-01-01T01:00:00Z") { startsAt endsAt } }'
    assert cost(hour) == (60 // 5) * (1 + 2)
    given = 'query($f: DateTime!, $t: DateTime!) { availableSlots(serviceId: "s", from: $f, to: $t) { startsAt } }'
    assert cost(given) == limits.MAX_SLOTS * (1 + 1)


def test_introspection_fields_cost_nothing(cost):
    assert cost("{ __typename myClients(first: 1) { totalCount } }") == 1 + 1


def test_over_the_budget_the_request_is_refused_with_its_cost(graphql_schema):
    document = "{ myClients(first: 100) { edges { node { notes(first: 100) { edges { node { id } } } } } } }"
    errors = validate(graphql_schema, parse(document), [NodeBudget])
    total = 100 + 100 * (1 + 1 + (100 + 100 * 3))
    assert [(e.message, e.extensions) for e in errors] == [
        (
            f"This query costs {total} nodes; the limit is 5000. Ask for smaller pages or fewer fields.",
            {"code": "QUERY_TOO_COMPLEX", "cost": total, "limit": 5000},
        )
    ]
    assert validate(graphql_schema, parse("{ myClients(first: 100) { edges { node { id } } } }"), [NodeBudget]) == []
