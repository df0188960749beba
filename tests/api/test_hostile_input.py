"""Found by the November 2026 outside attack, "Server errors on input": hostile strings, instants, cursors, zone names and
HTTP bodies get a coded answer (userError INVALID at the field, a top-level INVALID, or 400 with a
JSON error body), never "Unexpected error." or a 5xx. User text is never a template, and an
idempotency key is bound to its whole input."""

import base64
import json

import pytest
from graphql import GraphQLInputObjectType, GraphQLScalarType, get_named_type
from tortoise import connections

import models
from domain import clock
from models.enums import Role
from schema.build import build
from tests.support.booking import BOOK, setup_coach
from tests.support.clients import sealed_for
from tests.support.credits import GRANT
from tests.support.dates import utc
from tests.support.errors import user_error
from tests.support.messages import SEND, TEMPLATE

CREATE_CLIENT = """mutation($i: CreateClientInput!) { createClient(input: $i) { client { id name } userErrors { code field message } } }"""
LOGIN = """mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { token userErrors { code field message } } }"""
ADD_NOTE = """mutation($i: AddNoteInput!) { addNote(input: $i) { note { body } userErrors { code field message } } }"""
SLOTS = (
    """query($s: ID!, $f: DateTime!, $t: DateTime!) { availableSlots(serviceId: $s, from: $f, to: $t) { startsAt } }"""
)
MY_CLIENTS = """query($a: String, $s: String) { myClients(after: $a, filter: {search: $s}) { totalCount } }"""
SETTINGS = """mutation($t: String) { updateCoachSettings(input: {timezone: $t}) { coach { timezone } userErrors { code field message } } }"""
NOTIFICATIONS = "{ notifications { edges { node { kind body } } } }"

SINGLE_LINE = "Must be a single line without control characters."
YEARS = "Must be between the years 1 and 9999."
NOT_A_CURSOR = "`after` is not a cursor this API gave out."


def invalid(field: list[str], message: str) -> list[dict]:
    return [{"code": "INVALID", "field": field, "message": message}]


def codes(body: dict) -> list[str | None]:
    return [(e.get("extensions") or {}).get("code") for e in body.get("errors") or []]


# ---------------------------------------------------------------------------- strings


async def test_nul_in_login_is_a_login_failure_not_a_server_error(api, world):
    coach = await world.user(Role.COACH)

    by_email = await api.ok(LOGIN, {"e": coach.email + "\x00", "p": "correct horse battery"})
    by_password = await api.ok(LOGIN, {"e": coach.email, "p": "correct horse battery\x00"})

    assert by_email["login"] == {"token": None, "userErrors": invalid(["input", "email"], SINGLE_LINE)}
    assert by_password["login"]["token"] is None
    assert by_password["login"]["userErrors"] == [
        user_error("INVALID", ["input", "password"], "Must not contain NUL characters or unpaired surrogates.")
    ]


async def test_a_login_with_an_overlong_email_is_a_login_failure_not_a_server_error(api, world):
    """Found by make fuzz: the column's length check raised inside the ORM."""
    answer = await api.ok(LOGIN, {"e": "a" * 300 + "@example.test", "p": "correct horse battery"})

    assert answer["login"]["token"] is None
    assert answer["login"]["userErrors"] == [
        user_error("INVALID", ["input", "password"], "E-mail or password is not right.")
    ]


async def test_control_characters_in_single_line_fields_are_refused_at_their_field(api, world):
    coach = await world.user(Role.COACH)

    nul = await api.ok(CREATE_CLIENT, {"i": {"name": "Ann\x00"}}, coach.token)
    newline = await api.ok(CREATE_CLIENT, {"i": {"name": "Ann\nBcc: everyone@example.test"}}, coach.token)
    nested = await api.ok(
        CREATE_CLIENT, {"i": {"name": "Ann", "address": {"city": "Oslo\r"}, "tags": ["ok", "b\x07d"]}}, coach.token
    )

    assert nul["createClient"] == {"client": None, "userErrors": invalid(["input", "name"], SINGLE_LINE)}
    assert newline["createClient"] == {"client": None, "userErrors": invalid(["input", "name"], SINGLE_LINE)}
    assert nested["createClient"]["userErrors"] == [
        *invalid(["input", "address", "city"], SINGLE_LINE),
        *invalid(["input", "tags"], SINGLE_LINE),
    ]
    assert await models.Client.all().count() == 0


async def test_anonymous_callers_still_read_unauthenticated(api):
    body = await api(CREATE_CLIENT, {"i": {"name": "Ann\x00"}})
    assert codes(body) == ["UNAUTHENTICATED"]


async def test_multi_line_text_keeps_line_breaks_but_refuses_nul(api, world):
    coach = await world.user(Role.COACH)
    client_id = await world.client_of(coach)

    kept = await api.ok(ADD_NOTE, {"i": {"clientId": client_id, "body": "line one\n\tline two"}}, coach.token)
    nul = await api.ok(ADD_NOTE, {"i": {"clientId": client_id, "body": "before\x00after"}}, coach.token)

    assert kept["addNote"] == {"note": {"body": "line one\n\tline two"}, "userErrors": []}
    assert nul["addNote"] == {
        "note": None,
        "userErrors": invalid(["input", "body"], "Must not contain NUL characters or unpaired surrogates."),
    }
    assert await models.Note.all().count() == 1


async def test_query_string_arguments_are_checked_too(api, world):
    coach = await world.user(Role.COACH)

    body = await api(MY_CLIENTS, {"s": "a\x00"}, coach.token)

    assert body["data"] is None
    assert body["errors"][0]["message"] == f"`filter.search`: {SINGLE_LINE}"
    assert body["errors"][0]["extensions"] == {"code": "INVALID", "field": ["filter", "search"]}


# ---------------------------------------------------------------------------- instants


@pytest.mark.parametrize("starts_at", ["0000-01-01T00:00:00Z", "10000-01-01T00:00:00Z"])
async def test_a_year_python_cannot_hold_is_an_invalid_variable(api, world, starts_at):
    coach, service = await setup_coach(api, world)

    body = await api(BOOK, {"i": {"serviceId": service, "startsAt": starts_at}}, coach.token)

    assert codes(body) == ["INVALID"] and ".startsAt" in body["errors"][0]["message"]


@pytest.mark.parametrize("starts_at", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:00:00-14:00"])
async def test_instants_at_the_edge_of_the_calendar_are_invalid_at_their_field(api, world, starts_at):
    client = await world.user(Role.CLIENT)
    coach, service = await setup_coach(api, world)

    booked = await api.ok(BOOK, {"i": {"serviceId": service, "startsAt": starts_at}}, client.token)
    slots = await api(SLOTS, {"s": service, "f": starts_at, "t": "2030-01-01T00:00:00Z"}, coach.token)

    assert booked["bookSession"] == {"session": None, "userErrors": invalid(["input", "startsAt"], YEARS)}
    assert codes(slots) == ["INVALID"] and slots["errors"][0]["extensions"]["field"] == ["from"]
    assert await models.Session.all().count() == 0


# ---------------------------------------------------------------------------- cursors and zones


def b64(_actor, raw: bytes) -> str:
    """The contents in clear base64, as cursors were before they were sealed."""
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


UUID0 = "00000000-0000-0000-0000-000000000000"
HOSTILE_CONTENTS = {
    "deep": b"[" * 30_000,  # json.loads raises RecursionError
    "nul": json.dumps(["a\x00", UUID0]).encode(),
    "edge-instant": json.dumps([{"dt": "0001-01-01T00:00:00+14:00"}, UUID0]).encode(),
    "garbage": b"\xff\xfe garbage",
}


@pytest.mark.parametrize("contents", HOSTILE_CONTENTS.values(), ids=HOSTILE_CONTENTS.keys())
@pytest.mark.parametrize("seal", [sealed_for, b64], ids=["sealed", "unsealed"])
async def test_any_forged_cursor_is_invalid(api, world, contents, seal):
    coach = await world.user(Role.COACH)
    await world.client_of(coach)

    body = await api(MY_CLIENTS, {"a": seal(coach, contents)}, coach.token)

    assert body["data"] is None
    assert [(e["message"], e["extensions"]["code"]) for e in body["errors"]] in (
        [(NOT_A_CURSOR, "INVALID")],
        [(f"`after`: {SINGLE_LINE}", "INVALID")],
    )


@pytest.mark.parametrize("cursor", ["not base64 at all!", "A" * 5000, ""], ids=["not-base64", "huge", "empty"])
async def test_a_cursor_that_is_not_one_at_all_is_invalid(api, world, cursor):
    coach = await world.user(Role.COACH)
    await world.client_of(coach)

    body = await api(MY_CLIENTS, {"a": cursor}, coach.token)

    if cursor == "":  # no cursor: the first page
        assert body["data"]["myClients"]["totalCount"] == 1
        return
    assert body["data"] is None
    assert [(e["message"], e["extensions"]["code"]) for e in body["errors"]] == [(NOT_A_CURSOR, "INVALID")]


SURROGATE_CONTENTS = json.dumps(["\ud800", UUID0]).encode()  # JSON's "\ud800": an unpaired surrogate
EDGE_INSTANT_CONTENTS = [
    json.dumps([value, UUID0]).encode()
    for value in (
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-14:00",
        {"dt": "0001-01-01T00:00:00+14:00"},
        {"dt": "9999-12-31T23:59:59-14:00"},
    )
]
COACHES = "query($c: String) { coaches(after: $c) { totalCount } }"
ORGANISATIONS = "query($c: String) { organisations(after: $c) { totalCount } }"
CLIENTS = "query($c: String, $o: ClientOrder) { clients(after: $c, orderBy: $o) { totalCount } }"


def _not_a_cursor(body: dict) -> list[tuple]:
    return [(e["message"], e["extensions"]) for e in body["errors"]]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.COACH])
async def test_a_cursor_holding_an_unpaired_surrogate_is_invalid(api, world, role):
    viewer = await world.admin() if role is Role.ADMIN else await world.user(role)
    queries = [
        (CLIENTS, {"o": {"field": field, "direction": direction}}, f"clients:{field}:{direction.lower()}")
        for field in ("NAME", "CATEGORY", "LAST_SESSION", "NEXT_SESSION")
        for direction in ("ASC", "DESC")
    ]
    if role is Role.ADMIN:
        queries += [(COACHES, {}, "name,id"), (ORGANISATIONS, {}, "name,id")]

    for query, variables, ordering in queries:
        body = await api(query, {"c": sealed_for(viewer, SURROGATE_CONTENTS, ordering), **variables}, viewer.token)
        assert body["data"] is None, (query, variables)
        assert _not_a_cursor(body) == [(NOT_A_CURSOR, {"code": "INVALID", "field": ["after"]})], (query, variables)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.COACH])
@pytest.mark.parametrize("field", ["CREATED_AT", "LAST_SESSION", "NEXT_SESSION"])
async def test_a_cursor_instant_at_the_edge_of_time_is_invalid(api, world, role, field):
    viewer = await world.admin() if role is Role.ADMIN else await world.user(role)

    for index, contents in enumerate(EDGE_INSTANT_CONTENTS):
        for direction in ("ASC", "DESC"):
            cursor = sealed_for(viewer, contents, f"clients:{field}:{direction.lower()}")
            body = await api(CLIENTS, {"c": cursor, "o": {"field": field, "direction": direction}}, viewer.token)
            if role is Role.ADMIN and field != "CREATED_AT" and index < 2:
                assert "errors" not in body  # ordered by NAME for them: any single-line text is a name
                continue
            assert body["data"] is None, (cursor, direction)
            assert _not_a_cursor(body) == [(NOT_A_CURSOR, {"code": "INVALID", "field": ["after"]})], (cursor, direction)


async def test_a_sessions_filter_instant_at_the_edge_of_time_is_invalid(api, world):
    coach = await world.user(Role.COACH)

    literal = await api('{ sessions(filter: {to: "9999-12-31T23:59:59-14:00"}) { totalCount } }', token=coach.token)
    variable = await api(
        "query($t: DateTime) { sessions(filter: {from: $t}) { totalCount } }",
        {"t": "0001-01-01T00:00:00+14:00"},
        coach.token,
    )

    assert literal["data"] is None and variable["data"] is None
    assert [(e["message"], e["extensions"]) for e in literal["errors"]] == [
        (f"`filter.to`: {YEARS}", {"code": "INVALID", "field": ["filter", "to"]})
    ]
    assert [(e["message"], e["extensions"]) for e in variable["errors"]] == [
        (f"`filter.from`: {YEARS}", {"code": "INVALID", "field": ["filter", "from"]})
    ]


@pytest.mark.parametrize("zone", ["America", "../etc/passwd", "", "Europe/London\x00"])
async def test_a_time_zone_name_must_name_a_zone(api, world, zone):
    coach = await world.user(Role.COACH)

    data = await api.ok(SETTINGS, {"t": zone}, coach.token)

    message = SINGLE_LINE if "\x00" in zone else "Not a known IANA time zone (e.g. Europe/London)."
    assert data["updateCoachSettings"]["userErrors"] == [user_error("INVALID", ["input", "timezone"], message)]


# ---------------------------------------------------------------------------- HTTP bodies


@pytest.mark.parametrize(
    "body, message",
    [
        (b"[]", "The request body must be a JSON object."),
        (b'"x"', "The request body must be a JSON object."),
        (b"null", "The request body must be a JSON object."),
        (b'{"query": "{ __typename }"}'.replace(b"{ ", b"\xff "), "The request body is not valid UTF-8."),
        (b"[" * 100_000, "The request body is nested too deeply."),
    ],
    ids=["array", "string", "null", "invalid-utf8", "nested"],
)
async def test_a_body_that_is_not_a_json_object_is_400_with_a_json_error(api, body, message):
    response = await api.http.post("/graphql", content=body, headers={"content-type": "application/json"})

    assert response.status_code == 400
    assert response.json() == {"errors": [{"message": message, "extensions": {"code": "BAD_REQUEST"}}]}


@pytest.mark.parametrize(
    "content_type",
    [
        "application/jsonx",
        "text/application/json",
        "application/json-patch+json",
        "application/json, text/plain",
    ],
)
@pytest.mark.parametrize(
    "body, message",
    [
        (b'"x"', "The request body must be a JSON object."),
        (b"null", "The request body must be a JSON object."),
        (b"[" * 100_000, "The request body is nested too deeply."),
    ],
    ids=["string", "null", "nested"],
)
async def test_every_body_strawberry_reads_as_json_is_checked_first(api, content_type, body, message):
    """strawberry parses a body as JSON when its media type merely contains application/json."""
    response = await api.http.post("/graphql", content=body, headers={"content-type": content_type})

    assert response.status_code == 400
    assert response.json() == {"errors": [{"message": message, "extensions": {"code": "BAD_REQUEST"}}]}


async def test_a_second_content_type_header_does_not_hide_a_json_body(api):
    # Starlette (and so strawberry) reads the first of repeated headers.
    headers = [("content-type", "application/json"), ("content-type", "text/plain")]
    response = await api.http.post("/graphql", content=b'"x"', headers=headers)

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"] == {"code": "BAD_REQUEST"}


# ---------------------------------------------------------------------------- user text is not a template


async def test_a_client_named_like_a_template_books_and_is_messaged(api, world):
    clock.freeze(utc(2030, 1, 7, 8))
    admin = await world.admin()
    client = await world.user(Role.CLIENT, name="Brace {nickname} {when}")
    coach, service = await setup_coach(api, world)
    await api.ok(GRANT, {"input": {"clientId": client.client_id, "amount": 1}}, admin.token)

    booked = await api.ok(BOOK, {"i": {"serviceId": service, "startsAt": "2030-01-08T10:00:00Z"}}, client.token)
    template = await api.ok(
        TEMPLATE, {"i": {"name": "Hello", "kind": "GENERAL", "body": "Hi {{client_first_name}} {0}"}}, coach.token
    )
    sent = await api.ok(
        SEND,
        {"i": {"clientId": client.client_id, "templateId": template["createMessageTemplate"]["template"]["id"]}},
        coach.token,
    )

    assert booked["bookSession"]["userErrors"] == [] and booked["bookSession"]["session"]["status"] == "CONFIRMED"
    assert sent["sendMessage"]["message"]["body"] == "Hi Brace {0}"
    told = await api.ok(NOTIFICATIONS, token=coach.token)
    assert [n["node"]["body"] for n in told["notifications"]["edges"] if n["node"]["kind"] == "BOOKING_CONFIRMED"] == [
        "Brace {nickname} {when} booked a session on Tuesday 08 January 2030, 10:00 UTC."
    ]


# ---------------------------------------------------------------------------- idempotency keys


async def test_a_booking_key_is_bound_to_its_whole_input(api, world):
    clock.freeze(utc(2030, 1, 7, 8))
    admin = await world.admin()
    coach, service = await setup_coach(api, world)
    first_client = await world.client_of(coach, name="First")
    second_client = await world.client_of(coach, name="Second")
    for client_id in (first_client, second_client):
        await api.ok(GRANT, {"input": {"clientId": client_id, "amount": 2}}, admin.token)
    request = {
        "serviceId": service,
        "clientId": first_client,
        "startsAt": "2030-01-08T10:00:00Z",
        "idempotencyKey": "k-1",
    }

    first = await api.ok(BOOK, {"i": request}, coach.token)
    again = await api.ok(BOOK, {"i": request}, coach.token)
    other_client = await api.ok(
        BOOK, {"i": {**request, "clientId": second_client, "startsAt": "2030-01-08T12:00:00Z"}}, coach.token
    )
    other_notes = await api.ok(BOOK, {"i": {**request, "bookingNotes": "something else"}}, coach.token)

    assert again["bookSession"]["session"]["id"] == first["bookSession"]["session"]["id"]
    conflict = [
        {
            "code": "CONFLICT",
            "field": ["input", "idempotencyKey"],
            "message": "This idempotency key was used for a different booking.",
        }
    ]
    assert other_client["bookSession"] == {"session": None, "userErrors": conflict}
    assert other_notes["bookSession"] == {"session": None, "userErrors": conflict}
    assert await models.Session.all().count() == 1
    balances = await connections.get("default").execute_query_dict("SELECT balance FROM credit_pools ORDER BY balance")
    assert [r["balance"] for r in balances] == [1, 2]


async def test_a_grant_key_reused_for_another_client_is_a_conflict(api, world):
    admin = await world.admin()
    coach = await world.user(Role.COACH)
    first_client = await world.client_of(coach, name="First")
    second_client = await world.client_of(coach, name="Second")

    first = await api.ok(
        GRANT, {"input": {"clientId": first_client, "amount": 5, "idempotencyKey": "g-1"}}, admin.token
    )
    again = await api.ok(
        GRANT, {"input": {"clientId": first_client, "amount": 5, "idempotencyKey": "g-1"}}, admin.token
    )
    other = await api.ok(
        GRANT, {"input": {"clientId": second_client, "amount": 5, "idempotencyKey": "g-1"}}, admin.token
    )

    assert again["grantClientCredits"]["transaction"]["id"] == first["grantClientCredits"]["transaction"]["id"]
    assert other["grantClientCredits"]["userErrors"] == [
        {
            "code": "CONFLICT",
            "field": ["input", "idempotencyKey"],
            "message": "This idempotency key was used for a different request.",
        }
    ]
    assert await models.CreditTransaction.all().count() == 1


# ---------------------------------------------------------------------------- the sweep


def _mutation_string_arguments() -> list[tuple[str, str]]:
    """(mutation, dotted path of a String/ID input field) for every mutation of the schema."""
    schema = build()._schema
    found = []

    def walk(type_, path):
        named = get_named_type(type_)
        if isinstance(named, GraphQLScalarType) and named.name in ("String", "ID"):
            found.append((mutation, path))
        elif isinstance(named, GraphQLInputObjectType) and path.count(".") < 3:
            for name, field in named.fields.items():
                walk(field.type, f"{path}.{name}")

    for mutation, field in schema.mutation_type.fields.items():  # noqa: B007 (read by walk)
        for name, arg in field.args.items():
            walk(arg.type, name)
    return found


def _minimal(type_, depth=0):
    """A value of the input type that passes GraphQL's own coercion."""
    from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLList, GraphQLNonNull

    if isinstance(type_, GraphQLNonNull):
        return _minimal(type_.of_type, depth)
    if isinstance(type_, GraphQLList):
        return [_minimal(type_.of_type, depth)]
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        return {n: _minimal(f.type, depth + 1) for n, f in type_.fields.items() if isinstance(f.type, GraphQLNonNull)}
    return {"Int": 1, "Boolean": True, "Float": 1.0, "DateTime": "2030-01-01T00:00:00Z", "Date": "2030-01-01"}.get(
        type_.name, "x"
    )


def _with_nul(field, path: str) -> tuple[str, dict]:
    """The argument's name and a minimal value of it with NUL at `path`."""
    name, *rest = path.split(".")
    value = _minimal(field.args[name].type)
    target, type_ = value, get_named_type(field.args[name].type)
    for part in rest[:-1]:
        type_ = get_named_type(type_.fields[part].type)
        target = target.setdefault(part, _minimal(type_))
        target = target[0] if isinstance(target, list) else target
    if rest:
        target[rest[-1]] = "a\x00b"
    else:
        value = "a\x00b"
    return name, value


async def test_nul_in_any_string_of_any_mutation_is_never_a_server_error(api, world):
    """Generated from the schema, for every role and anonymous: a mutation added later is swept too."""
    org = await world.organisation()
    tokens = [None] + [
        (await world.user(role, organisation=org if role is Role.ORG_ADMIN else None)).token
        for role in (Role.ADMIN, Role.COACH, Role.CLIENT, Role.ORG_ADMIN)
    ]
    mutations = build()._schema.mutation_type.fields
    cases = _mutation_string_arguments()
    assert len(cases) > 80
    failures = []
    for mutation, path in cases:
        field = mutations[mutation]
        name, value = _with_nul(field, path)
        query = f"mutation($v: {field.args[name].type}) {{ {mutation}({name}: $v) {{ __typename }} }}"
        for token in tokens:
            response = await api.post(query, {"v": value}, token)
            if response.status_code != 200 or "Unexpected error." in response.text:
                failures.append((mutation, path, response.status_code, response.text[:200]))
    assert failures == []


# ---------------------------------------------------------------------------- every error has a code


@pytest.mark.parametrize(
    "query, variables, code",
    [
        ("{ clients(first: 2 { totalCount } }", None, "GRAPHQL_PARSE_FAILED"),
        ("{ clients { nope } }", None, "GRAPHQL_VALIDATION_FAILED"),
        ("{ clients(nope: 1) { totalCount } }", None, "GRAPHQL_VALIDATION_FAILED"),
        ("{ clients(first: 2147483648) { totalCount } }", None, "GRAPHQL_VALIDATION_FAILED"),
        ("query($t: [String!]) { clients(filter: {tags: $t}) { totalCount } }", {"t": list(range(60))}, "INVALID"),
        ("query($f: Int) { clients(first: $f) { totalCount } }", {"f": "many"}, "INVALID"),
    ],
    ids=["syntax", "unknown-field", "unknown-argument", "int-overflow", "too-many-bad-variables", "bad-variable"],
)
async def test_every_error_has_a_code(api, world, query, variables, code):
    coach = await world.user(Role.COACH)

    body = await api(query, variables, coach.token)

    assert body["data"] is None
    assert body["errors"] and None not in codes(body) and code in codes(body), body["errors"]
