"""The client guide (docs/CLIENTS.md) and its operations (docs/operations/*.graphql) hold against
the committed schema.graphql: every operation validates with graphql-core, alone and all together
(as a code generator reads them), and within the server's own limits; the Apollo cache policies
name every paginated list with its key arguments and every id-less object an entity holds; the
codegen configuration types the custom scalars as strings."""

import json
import re
from pathlib import Path

import pytest
from graphql import (
    GraphQLObjectType,
    build_schema,
    get_named_type,
    get_nullable_type,
    is_list_type,
    parse,
    validate,
)

from schema.build import MAX_TOKENS, build
from schema.limits import MaxAliases, MaxDepth, MaxDirectives, NodeBudget

ROOT = Path(__file__).resolve().parent.parent
OPERATIONS = sorted((ROOT / "docs" / "operations").glob("*.graphql"))
GUIDE = (ROOT / "docs" / "CLIENTS.md").read_text()
PAGINATION_ARGS = {"first", "after", "last", "before"}


@pytest.fixture(scope="module")
def committed():
    return build_schema((ROOT / "schema.graphql").read_text())


def test_the_guide_has_operations():
    names = {p.stem for p in OPERATIONS}
    assert {"MyClients", "CoachDashboard", "ClientPage", "Messages", "MessageReceived", "Booking"} <= names


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: p.name)
def test_each_operation_validates_against_the_committed_schema(committed, path):
    errors = validate(committed, parse(path.read_text()))
    assert errors == [], [e.message for e in errors]


def test_all_operations_together_validate_as_a_code_generator_reads_them(committed):
    """One document of every file: operation and fragment names are unique across files."""
    errors = validate(committed, parse("\n".join(p.read_text() for p in OPERATIONS)))
    assert errors == [], [e.message for e in errors]


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: p.name)
def test_each_operation_is_within_the_servers_limits(path):
    """Tokens, depth, aliases, directives and cost (a variable `first` counts as 100 rows)."""
    document = parse(path.read_text(), max_tokens=MAX_TOKENS)
    errors = validate(build()._schema, document, rules=[MaxDepth, MaxAliases, MaxDirectives, NodeBudget])
    assert errors == [], [(e.message, e.extensions) for e in errors]


def _code_block(marker: str) -> str:
    blocks = re.findall(r"```\w*\n(.*?)```", GUIDE, flags=re.DOTALL)
    found = [b for b in blocks if marker in b]
    assert len(found) == 1, f"the guide should have one code block with {marker!r}"
    return found[0]


def _type_policies() -> tuple[dict[str, list[str]], set[str]]:
    """(paginated fields "Type.field" -> keyArgs, types with merge: true) from the guide's block."""
    block = _code_block("export const typePolicies")
    paginated: dict[str, list[str]] = {}
    merged: set[str] = set()
    owner = None
    for line in block.splitlines():
        if m := re.match(r"^  (\w+): \{ merge: true \},", line):
            merged.add(m.group(1))
        elif m := re.match(r"^  (\w+): \{\s*$", line):
            owner = m.group(1)
        elif m := re.match(r"^      (\w+): relayStylePagination\((.*)\),", line):
            paginated[f"{owner}.{m.group(1)}"] = json.loads(m.group(2)) if m.group(2) else []
    return paginated, merged


def _objects(schema) -> dict[str, GraphQLObjectType]:
    return {
        name: t
        for name, t in schema.type_map.items()
        if isinstance(t, GraphQLObjectType) and not name.startswith("__") and name not in ("Mutation", "Subscription")
    }


def test_every_paginated_list_has_relay_style_pagination_with_its_key_arguments(committed):
    paginated, _ = _type_policies()
    expected = {
        f"{name}.{field_name}": [a for a in field.args if a not in PAGINATION_ARGS]
        for name, t in _objects(committed).items()
        for field_name, field in t.fields.items()
        if get_named_type(field.type).name.endswith("Connection")
    }
    missing = {k: v for k, v in expected.items() if k not in paginated}
    assert missing == {}, f"add to the guide's typePolicies: {missing}"
    assert paginated == expected


def test_every_id_less_object_an_entity_or_the_root_holds_merges(committed):
    """Apollo replaces an id-less object held by a cached entity (and warns) unless its type
    merges: every such type, reached through single-valued fields, is `merge: true`."""
    objects = _objects(committed)
    held: set[str] = set()
    holders = [name for name, t in objects.items() if "id" in t.fields or name == "Query"]
    while holders:
        for field in objects[holders.pop()].fields.values():
            inner = get_nullable_type(field.type)
            named = get_named_type(inner)
            if is_list_type(inner) or named.name not in objects or "id" in objects[named.name].fields:
                continue
            if named.name.endswith(("Connection", "Edge")) or named.name in held:
                continue  # connections are merged by relayStylePagination
            held.add(named.name)
            holders.append(named.name)
    _, merged = _type_policies()
    assert {"ClientStats", "BookingEligibility", "Address", "Cancellation"} <= held
    assert merged == held, f"missing: {held - merged}; not id-less objects held by an entity: {merged - held}"


def test_the_codegen_configuration_types_the_scalars_as_strings():
    block = _code_block("CodegenConfig")
    assert re.search(r'Date: "string"', block)
    assert re.search(r'DateTime: "string"', block)
    assert re.search(r"JSON: \"unknown\"", block)
    assert "docs/operations/" in block or "*.graphql" in block


def test_the_socket_options_stop_on_4403_refresh_the_token_and_back_off():
    block = _code_block("createClient")
    assert "lazy: true" in block
    assert re.search(r"connectionParams: async \(\) =>", block)
    assert "4403" in block and "shouldRetry" in block and "retryWait" in block
