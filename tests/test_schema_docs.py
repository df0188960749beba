"""The schema documents itself (issue 12): read through introspection of the built schema, every
root field and every type, input, enum, interface and scalar has a description, most other fields
do too, and Date, DateTime and JSON say which specification they follow (`@specifiedBy`), so code
generators and client developers know their format."""

from pathlib import Path

import pytest
from graphql import get_introspection_query, graphql_sync

from schema.build import build

ROOTS = ("Query", "Mutation", "Subscription")
# Below this share of described object, interface and input fields (outside the roots) the test
# fails; the issue asks for at least 60%.
FIELD_SHARE = 0.6


@pytest.fixture(scope="module")
def types() -> dict[str, dict]:
    result = graphql_sync(
        build()._schema, get_introspection_query(descriptions=True, specified_by_url=True, input_value_deprecation=True)
    )
    assert result.errors is None, result.errors
    assert result.data is not None
    return {t["name"]: t for t in result.data["__schema"]["types"] if not t["name"].startswith("__")}


def _fields(t: dict) -> list[dict]:
    return (t.get("fields") or []) + (t.get("inputFields") or [])


@pytest.mark.parametrize("root", ROOTS)
def test_every_root_field_has_a_description(types, root):
    fields = types[root]["fields"]
    assert fields, f"{root} has no fields"
    undescribed = [f["name"] for f in fields if not (f["description"] or "").strip()]
    assert undescribed == [], f"{root} fields without a description: {undescribed}"


def test_every_type_input_enum_interface_and_scalar_has_a_description(types):
    undescribed = [
        f"{t['kind']} {name}"
        for name, t in sorted(types.items())
        if name not in ROOTS and not (t["description"] or "").strip()
    ]
    assert undescribed == [], f"types without a description: {undescribed}"


def test_most_other_fields_have_a_description(types):
    fields = [
        f"{name}.{f['name']}"
        for name, t in types.items()
        if name not in ROOTS
        for f in _fields(t)
        if t["kind"] in ("OBJECT", "INTERFACE", "INPUT_OBJECT")
    ]
    described = {
        f"{name}.{f['name']}" for name, t in types.items() for f in _fields(t) if (f["description"] or "").strip()
    }
    share = sum(1 for f in fields if f in described) / len(fields)
    assert share >= FIELD_SHARE, (
        f"{share:.0%} of {len(fields)} fields described; undescribed: {sorted(set(fields) - described)}"
    )


@pytest.mark.parametrize(
    "scalar, url, format_words",
    [
        ("Date", "https://datatracker.ietf.org/doc/html/rfc3339#section-5.6", ("RFC 3339", "full-date", "ISO 8601")),
        ("DateTime", "https://datatracker.ietf.org/doc/html/rfc3339#section-5.6", ("RFC 3339", "date-time", "offset")),
        ("JSON", "https://ecma-international.org/wp-content/uploads/ECMA-404_2nd_edition_december_2017.pdf", ("JSON",)),
    ],
)
def test_scalars_state_their_format(types, scalar, url, format_words):
    t = types[scalar]
    assert t["kind"] == "SCALAR"
    assert t["specifiedByURL"] == url
    for words in format_words:
        assert words in t["description"], f"{scalar}'s description does not say {words!r}"


def test_the_committed_schema_file_carries_the_descriptions_and_specified_by():
    sdl = (Path(__file__).resolve().parent.parent / "schema.graphql").read_text()
    assert 'scalar Date @specifiedBy(url: "https://datatracker.ietf.org/doc/html/rfc3339#section-5.6")' in sdl
    assert 'scalar DateTime @specifiedBy(url: "https://datatracker.ietf.org/doc/html/rfc3339#section-5.6")' in sdl
    assert "scalar JSON @specifiedBy(" in sdl
