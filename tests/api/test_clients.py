"""Client profiles through the API: create, update, activate, age, timeline, and the client list
(search, tags, anyOf, ordering, keyset pages)."""

from __future__ import annotations

import base64
import contextlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

import models
from domain import clock
from models.enums import Role
from tests.support.api import Actor, Api, World
from tests.support.clients import sealed_for
from tests.support.database import empty_all

CREATE = """mutation($input: CreateClientInput!) { createClient(input: $input) {
  client { id name email phone whatsapp birthDate age active tags focusAreas privateNotes healthContext
    creditsAvailable category relationshipSince organisation { id }
    address { street city state postalCode country } }
  userErrors { code field message } } }"""

UPDATE = """mutation($input: UpdateClientInput!) { updateClient(input: $input) {
  client { id name email phone whatsapp birthDate age tags focusAreas privateNotes healthContext updatedAt
    address { street city state postalCode country } }
  userErrors { code field message } } }"""

SET_ACTIVE = """mutation($input: SetClientActiveInput!) { setClientActive(input: $input) {
  client { id active } userErrors { code field message } } }"""

TIMELINE = """query($id: ID!, $kinds: [ActivityKind!]) { client(id: $id) {
  timeline(first: 50, kinds: $kinds) { totalCount edges { node { kind summary actorName } } } } }"""

GRANT = """mutation($input: GrantClientCreditsInput!) { grantClientCredits(input: $input) {
  transaction { id } userErrors { code field message } } }"""

LIST = """query($first: Int, $after: String, $filter: ClientFilter, $order: ClientOrder) {
  clients(first: $first, after: $after, filter: $filter, orderBy: $order) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id name } } } }"""

MY_LIST = LIST.replace("clients(", "myClients(")


def error(code: str, field: list[str] | None, message: str) -> list[dict]:
    return [{"code": code, "field": field, "message": message}]


async def client_count() -> int:
    return await models.Client.all().count()


async def create(api, token, **fields) -> dict:
    return (await api.ok(CREATE, {"input": fields}, token))["createClient"]


async def update(api, token, client_id, **fields) -> dict:
    return (await api.ok(UPDATE, {"input": {"clientId": client_id, **fields}}, token))["updateClient"]


async def timeline(api, token, client_id, kinds=None) -> list[dict]:
    data = await api.ok(TIMELINE, {"id": client_id, "kinds": kinds}, token)
    return [e["node"] for e in data["client"]["timeline"]["edges"]]


# ---------------------------------------------------------------------------- create


async def test_a_coach_creates_a_client_with_every_field(api, world):
    clock.freeze(datetime(2026, 6, 15, 12, tzinfo=UTC))
    coach = await world.user(Role.COACH, name="Coach Carter")
    payload = await create(
        api,
        coach.token,
        name="  Alice Example  ",
        email="Alice.Example@Example.TEST",
        phone="+44 20 7946 0958",
        whatsapp="+44 7700 900123",
        birthDate="1990-06-16",
        address={
            "street": "1 High St",
            "city": "Leeds",
            "state": "West Yorkshire",
            "postalCode": "LS1 1AA",
            "country": "GB",
        },
        tags=["vip", " new ", "vip"],
        focusAreas=["sleep", "stress"],
        privateNotes="Prefers mornings.",
    )
    assert payload["userErrors"] == []
    client = payload["client"]
    assert client["name"] == "Alice Example"  # trimmed
    assert client["email"] == "alice.example@example.test"  # stored lower-cased
    assert client["phone"] == "+44 20 7946 0958" and client["whatsapp"] == "+44 7700 900123"
    assert client["address"] == {
        "street": "1 High St",
        "city": "Leeds",
        "state": "West Yorkshire",
        "postalCode": "LS1 1AA",
        "country": "GB",
    }
    assert client["birthDate"] == "1990-06-16" and client["age"] == 35  # the birthday is tomorrow
    assert client["tags"] == ["vip", "new"]  # trimmed, duplicates dropped, order kept
    assert client["focusAreas"] == ["sleep", "stress"]
    assert client["privateNotes"] == "Prefers mornings."
    assert client["healthContext"] is None
    assert client["active"] is True and client["creditsAvailable"] == 0
    assert client["category"] == "PROSPECTIVE" and client["relationshipSince"] is not None
    assert client["organisation"] is None  # a GLOBAL coach's client belongs to no organisation

    events = await timeline(api, coach.token, client["id"])
    assert events == [
        {"kind": "PROFILE_CREATED", "summary": "Profile created by Coach Carter", "actorName": "Coach Carter"}
    ]
    # The coach holds the new client: it is in their list.
    listed = (await api.ok(MY_LIST, {}, coach.token))["myClients"]
    assert [e["node"]["id"] for e in listed["edges"]] == [client["id"]]


async def test_clients_join_the_creators_organisation(api, world):
    org = await world.organisation("Acme")
    org_admin = await world.user(Role.ORG_ADMIN, organisation=org)
    internal = await world.user(Role.COACH, organisation=org)
    admin = await world.admin()
    by_org_admin = await create(api, org_admin.token, name="Member One")
    by_internal = await create(api, internal.token, name="Member Two")
    by_admin = await create(api, admin.token, name="Member Three", organisationId=org)
    by_admin_alone = await create(api, admin.token, name="Nobody's")
    assert by_org_admin["client"]["organisation"] == {"id": org}
    assert by_internal["client"]["organisation"] == {"id": org}
    assert by_admin["client"]["organisation"] == {"id": org}
    assert by_admin_alone["client"]["organisation"] is None
    # Only a coach's new client starts a relationship (the others have no category).
    assert by_org_admin["client"]["category"] is None and by_internal["client"]["category"] == "PROSPECTIVE"


async def test_every_invalid_field_is_reported_at_once(api, world):
    coach = await world.user(Role.COACH)
    payload = await create(api, coach.token, name=" ", email="nope", tags=[""])
    assert payload["client"] is None
    assert payload["userErrors"] == [
        {"code": "INVALID", "field": ["input", "name"], "message": "This field must not be blank."},
        {"code": "INVALID", "field": ["input", "email"], "message": "Not a valid e-mail address."},
        {"code": "INVALID", "field": ["input", "tags"], "message": "Each value must be 1 to 50 characters."},
    ]
    assert await client_count() == 0


async def test_only_coaches_keep_private_notes_and_clients_cannot_create_profiles(api, world):
    org = await world.organisation()
    org_admin = await world.user(Role.ORG_ADMIN, organisation=org)
    client = await world.user(Role.CLIENT, organisation=org)
    before = await client_count()
    payload = await create(api, org_admin.token, name="Member", privateNotes="secret")
    assert payload == {
        "client": None,
        "userErrors": error("FORBIDDEN", ["input", "privateNotes"], "Only a coach keeps private notes on a client."),
    }
    body = await api(CREATE, {"input": {"name": "Self"}}, client.token)
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await client_count() == before


# ---------------------------------------------------------------------------- update


async def test_update_changes_only_the_fields_given_and_records_what_changed(api, world):
    coach = await world.user(Role.COACH, name="Coach Carter")
    created = (await create(api, coach.token, name="Bob", email="bob@example.test", phone="0123 456", tags=["a"]))[
        "client"
    ]
    payload = await update(api, coach.token, created["id"], name="Robert", email=None, address={"city": "York"})
    assert payload["userErrors"] == []
    client = payload["client"]
    assert client["name"] == "Robert" and client["email"] is None  # null clears
    assert client["phone"] == "0123 456" and client["tags"] == ["a"]  # untouched
    assert client["address"] == {"street": None, "city": "York", "state": None, "postalCode": None, "country": None}

    # The same values again change nothing and add no event.
    again = await update(api, coach.token, created["id"], name="Robert", tags=["a"])
    assert again["userErrors"] == []
    events = await timeline(api, coach.token, created["id"])
    assert [(e["kind"], e["summary"]) for e in events] == [
        ("PROFILE_UPDATED", "Profile updated: name, email, address"),
        ("PROFILE_CREATED", "Profile created by Coach Carter"),
    ]
    only_updates = await timeline(api, coach.token, created["id"], ["PROFILE_UPDATED"])
    assert [e["kind"] for e in only_updates] == ["PROFILE_UPDATED"]


async def test_the_client_shares_health_context_and_coaches_read_it(api, world):
    coach = await world.user(Role.COACH)
    client = await world.user(Role.CLIENT)
    uid = (await models.Client.get(user_id=(await models.User.get(email=client.email)).id)).id
    from domain.clients import ensure_relationship
    from schema.node import uuid_of

    await ensure_relationship(uuid_of(coach.coach_id, "Coach"), uid)
    payload = await update(api, client.token, client.client_id, healthContext="Asthma; no running.")
    assert payload["userErrors"] == [] and payload["client"]["healthContext"] == "Asthma; no running."
    seen = await api.ok(
        "query($id: ID!) { client(id: $id) { healthContext privateNotes } }", {"id": client.client_id}, coach.token
    )
    assert seen["client"] == {"healthContext": "Asthma; no running.", "privateNotes": None}
    # Blank clears it.
    await update(api, client.token, client.client_id, healthContext="  ")
    seen = await api.ok("query($id: ID!) { client(id: $id) { healthContext } }", {"id": client.client_id}, coach.token)
    assert seen["client"]["healthContext"] is None
    kinds = [(e["kind"], e["summary"]) for e in await timeline(api, client.token, client.client_id)]
    assert kinds[:2] == [("PROFILE_UPDATED", "Profile updated: healthContext")] * 2


# ---------------------------------------------------------------------------- activate


async def test_set_client_active(api, world):
    org = await world.organisation()
    org_admin = await world.user(Role.ORG_ADMIN, organisation=org)
    internal = await world.user(Role.COACH, organisation=org)
    coach = await world.user(Role.COACH, name="Coach Carter")
    own = await world.client_of(coach, "Loner")
    member = await world.client_of(internal, "Member")

    off = (await api.ok(SET_ACTIVE, {"input": {"clientId": own, "active": False}}, coach.token))["setClientActive"]
    assert off == {"client": {"id": own, "active": False}, "userErrors": []}
    again = (await api.ok(SET_ACTIVE, {"input": {"clientId": own, "active": False}}, coach.token))["setClientActive"]
    assert again == {"client": {"id": own, "active": False}, "userErrors": []}
    on = (await api.ok(SET_ACTIVE, {"input": {"clientId": own, "active": True}}, coach.token))["setClientActive"]
    assert on["client"]["active"] is True
    events = [(e["kind"], e["summary"]) for e in await timeline(api, coach.token, own)]
    assert events == [
        ("PROFILE_UPDATED", "Client activated"),
        ("PROFILE_UPDATED", "Client deactivated"),
        ("PROFILE_CREATED", "Profile created by Coach Carter"),
    ]

    # An organisation decides about its own members: not their coach.
    refused = (await api.ok(SET_ACTIVE, {"input": {"clientId": member, "active": False}}, internal.token))[
        "setClientActive"
    ]
    assert refused == {
        "client": None,
        "userErrors": error("FORBIDDEN", ["input", "active"], "You may not change whether this client is active."),
    }
    assert (await models.Client.get(name="Member")).active is True
    done = (await api.ok(SET_ACTIVE, {"input": {"clientId": member, "active": False}}, org_admin.token))[
        "setClientActive"
    ]
    assert done["client"]["active"] is False


# ---------------------------------------------------------------------------- age


AGES = [
    (date(2026, 3, 15), "2000-03-16", 25),
    (date(2026, 3, 15), "2000-03-15", 26),
    (date(2026, 2, 28), "2004-02-29", 21),
    (date(2026, 3, 1), "2004-02-29", 22),
    (date(2028, 2, 29), "2004-02-29", 24),
    (date(2026, 12, 31), "2026-01-01", 0),
]


async def test_age_is_computed_from_the_birth_date_on_the_clock_s_today(api, world):
    coach = await world.user(Role.COACH)
    got = []
    for today, birth, _ in AGES:
        clock.freeze(datetime(today.year, today.month, today.day, 23, 30, tzinfo=UTC))
        client_id = await world.client_of(coach, f"Born {birth}", birthDate=birth)
        data = await api.ok("query($id: ID!) { client(id: $id) { age birthDate } }", {"id": client_id}, coach.token)
        got.append((today, data["client"]["birthDate"], data["client"]["age"]))
    assert got == AGES
    # The same client a day later: age follows the clock, not the day it was stored.
    clock.freeze(datetime(2026, 3, 16, 0, 30, tzinfo=UTC))
    data = await api.ok(
        'query { clients(first: 10, filter: {search: "2000-03-16"}) { edges { node { age } } } }', token=coach.token
    )
    assert data["clients"]["edges"] == [{"node": {"age": 26}}]


async def test_no_birth_date_no_age(api, world):
    coach = await world.user(Role.COACH)
    client_id = await world.client_of(coach, "Ageless")
    data = await api.ok("query($id: ID!) { client(id: $id) { age } }", {"id": client_id}, coach.token)
    assert data["client"]["age"] is None


# ---------------------------------------------------------------------------- the client list


@dataclass
class Roster:
    api: Api
    coach: Actor
    ids: dict[str, list[str]]


@pytest.fixture(scope="module")
async def roster(app, redis):
    """A coach with nine clients: names, e-mails, tags, credits and active flags to filter on.
    Built once for the tests below, which only read or are refused (they come last in this
    module: a test using the `api` fixture empties the tables)."""
    await empty_all(redis)
    api = Api(app)
    world = World(api)
    coach = await world.user(Role.COACH)
    admin = await world.admin()  # grants the credits: coaches never do
    other = await world.user(Role.COACH)
    await world.client_of(other, "Alice Other", email="alice.other@example.test", tags=["vip"])  # never listed
    specs = [
        ("Alice Smith", "alice@example.test", ["vip", "new"], 5, True),
        ("bob jones", "BOB@Example.test", ["new"], 0, True),
        ("Carol White", "carol@work.test", ["vip"], 2, False),
        ("Dave Brown", None, [], 0, False),
        ("Eve Black", "eve@example.test", ["vip", "new"], 0, True),
        ("Sam Same", "sam1@example.test", [], 1, True),
        ("Sam Same", "sam2@example.test", [], 0, True),
        ("Percent 100% Fit", "pct@example.test", [], 0, True),
        ("Under_Score", "under@example.test", [], 0, True),
    ]
    ids: dict[str, list[str]] = {}
    for name, email, tags, credits, active in specs:
        fields = {"tags": tags}
        if email:
            fields["email"] = email
        client_id = await world.client_of(coach, name, **fields)
        ids.setdefault(name, []).append(client_id)
        if credits:
            payload = (await api.ok(GRANT, {"input": {"clientId": client_id, "amount": credits}}, admin.token))[
                "grantClientCredits"
            ]
            assert payload["userErrors"] == []
        if not active:
            await api.ok(SET_ACTIVE, {"input": {"clientId": client_id, "active": False}}, coach.token)
    try:
        yield Roster(api, coach, ids)
    finally:
        await api.http.aclose()


async def table_state() -> tuple:
    return (
        await models.Client.all().order_by("id").values(),
        await models.ActivityEvent.all().count(),
        await models.CoachClient.all().order_by("id").values(),
    )


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({"name": ""}, error("INVALID", ["input", "name"], "This field must not be blank.")),
        ({"name": "   "}, error("INVALID", ["input", "name"], "This field must not be blank.")),
        ({"name": "x" * 201}, error("INVALID", ["input", "name"], "Must be at most 200 characters.")),
        ({"email": "not-an-email"}, error("INVALID", ["input", "email"], "Not a valid e-mail address.")),
        ({"email": "a@b"}, error("INVALID", ["input", "email"], "Not a valid e-mail address.")),
        ({"email": "two@@example.test"}, error("INVALID", ["input", "email"], "Not a valid e-mail address.")),
        ({"phone": "call me"}, error("INVALID", ["input", "phone"], "Not a valid phone number.")),
        ({"whatsapp": "12"}, error("INVALID", ["input", "whatsapp"], "Not a valid phone number.")),
        ({"birthDate": "2026-06-16"}, error("INVALID", ["input", "birthDate"], "Birth date must be in the past.")),
        ({"birthDate": "1899-12-31"}, error("INVALID", ["input", "birthDate"], "Birth date must be in the past.")),
        ({"tags": [f"t{i}" for i in range(31)]}, error("INVALID", ["input", "tags"], "At most 30 values.")),
        ({"tags": ["ok", " "]}, error("INVALID", ["input", "tags"], "Each value must be 1 to 50 characters.")),
        ({"tags": ["x" * 51]}, error("INVALID", ["input", "tags"], "Each value must be 1 to 50 characters.")),
        ({"focusAreas": [f"f{i}" for i in range(31)]}, error("INVALID", ["input", "focusAreas"], "At most 30 values.")),
        (
            {"address": {"street": "s" * 201}},
            error("INVALID", ["input", "address", "street"], "Must be at most 200 characters."),
        ),
        (
            {"address": {"city": "c" * 201}},
            error("INVALID", ["input", "address", "city"], "Must be at most 200 characters."),
        ),
        (
            {"address": {"postalCode": "p" * 201}},
            error("INVALID", ["input", "address", "postalCode"], "Must be at most 200 characters."),
        ),
        (
            {"privateNotes": "n" * 20001},
            error("INVALID", ["input", "privateNotes"], "Must be at most 20000 characters."),
        ),
        ({"organisationId": "garbage"}, error("NOT_FOUND", ["input", "organisationId"], "Organisation not found.")),
    ],
)
async def test_create_client_validation(roster, fields, expected):
    clock.freeze(datetime(2026, 6, 15, 12, tzinfo=UTC))
    before = await table_state()
    payload = await create(roster.api, roster.coach.token, **{"name": "Valid Name", **fields})
    assert payload == {"client": None, "userErrors": expected}
    assert await table_state() == before


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({"name": None}, error("INVALID", ["input", "name"], "This field is required.")),
        ({"name": ""}, error("INVALID", ["input", "name"], "This field must not be blank.")),
        ({"email": "bad"}, error("INVALID", ["input", "email"], "Not a valid e-mail address.")),
        ({"phone": "x"}, error("INVALID", ["input", "phone"], "Not a valid phone number.")),
        ({"birthDate": "2030-01-01"}, error("INVALID", ["input", "birthDate"], "Birth date must be in the past.")),
        ({"tags": [f"t{i}" for i in range(31)]}, error("INVALID", ["input", "tags"], "At most 30 values.")),
        (
            {"focusAreas": ["y" * 51]},
            error("INVALID", ["input", "focusAreas"], "Each value must be 1 to 50 characters."),
        ),
        (
            {"address": {"country": "c" * 201}},
            error("INVALID", ["input", "address", "country"], "Must be at most 200 characters."),
        ),
        (
            {"address": {"state": "s" * 201}},
            error("INVALID", ["input", "address", "state"], "Must be at most 200 characters."),
        ),
        (
            {"privateNotes": "n" * 20001},
            error("INVALID", ["input", "privateNotes"], "Must be at most 20000 characters."),
        ),
        (
            {"healthContext": "mine"},
            error("FORBIDDEN", ["input", "healthContext"], "Only the client shares their health context."),
        ),
        (
            {"name": "", "email": "bad", "address": {"street": "s" * 201, "postalCode": "p" * 201}},
            [
                {"code": "INVALID", "field": ["input", "name"], "message": "This field must not be blank."},
                {"code": "INVALID", "field": ["input", "email"], "message": "Not a valid e-mail address."},
                {
                    "code": "INVALID",
                    "field": ["input", "address", "street"],
                    "message": "Must be at most 200 characters.",
                },
                {
                    "code": "INVALID",
                    "field": ["input", "address", "postalCode"],
                    "message": "Must be at most 200 characters.",
                },
            ],
        ),
        ({"clientId": "garbage"}, error("NOT_FOUND", ["input", "clientId"], "Client not found.")),
    ],
)
async def test_update_client_validation_changes_nothing(roster, fields, expected):
    clock.freeze(datetime(2026, 6, 15, 12, tzinfo=UTC))
    before = await table_state()
    input_ = {"clientId": roster.ids["Dave Brown"][0], **fields}
    payload = (await roster.api.ok(UPDATE, {"input": input_}, roster.coach.token))["updateClient"]
    assert payload == {"client": None, "userErrors": expected}
    assert await table_state() == before


async def names(api, token, query=LIST, **variables) -> list[str]:
    data = await api.ok(query, variables, token)
    connection = data.get("clients") or data.get("myClients")
    assert connection["totalCount"] == len(connection["edges"]) or variables.get("first") is not None
    return [e["node"]["name"] for e in connection["edges"]]


ALL_BY_NAME = [
    "Alice Smith",
    "bob jones",
    "Carol White",
    "Dave Brown",
    "Eve Black",
    "Percent 100% Fit",
    "Sam Same",
    "Sam Same",
    "Under_Score",
]


@pytest.mark.parametrize("query", [LIST, MY_LIST], ids=["clients", "myClients"])
@pytest.mark.parametrize(
    "filter_, expected",
    [
        ({"search": "alice"}, ["Alice Smith"]),
        ({"search": "ALICE"}, ["Alice Smith"]),
        ({"search": "  jOnEs "}, ["bob jones"]),
        ({"search": "bob@example"}, ["bob jones"]),  # e-mails are stored lower-cased
        (
            {"search": "EXAMPLE.TEST"},
            ["Alice Smith", "bob jones", "Eve Black", "Percent 100% Fit", "Sam Same", "Sam Same", "Under_Score"],
        ),
        ({"search": "@work."}, ["Carol White"]),
        ({"search": "nobody"}, []),
        ({"search": "%"}, ["Percent 100% Fit"]),  # LIKE wildcards are literal
        ({"search": "_"}, ["Under_Score"]),
        ({"tags": ["vip"]}, ["Alice Smith", "Carol White", "Eve Black"]),
        ({"tags": ["vip", "new"]}, ["Alice Smith", "Eve Black"]),  # every tag given
        ({"tags": ["VIP"]}, []),
        (
            {"anyOf": ["ACTIVE"]},
            ["Alice Smith", "bob jones", "Eve Black", "Percent 100% Fit", "Sam Same", "Sam Same", "Under_Score"],
        ),
        ({"anyOf": ["INACTIVE"]}, ["Carol White", "Dave Brown"]),
        ({"anyOf": ["CREDITS_AVAILABLE"]}, ["Alice Smith", "Carol White", "Sam Same"]),
        (
            {"anyOf": ["NO_CREDITS"]},
            ["bob jones", "Dave Brown", "Eve Black", "Percent 100% Fit", "Sam Same", "Under_Score"],
        ),
        ({"anyOf": ["INACTIVE", "CREDITS_AVAILABLE"]}, ["Alice Smith", "Carol White", "Dave Brown", "Sam Same"]),  # OR
        (
            {"anyOf": ["ACTIVE", "INACTIVE"]},
            [
                "Alice Smith",
                "bob jones",
                "Carol White",
                "Dave Brown",
                "Eve Black",
                "Percent 100% Fit",
                "Sam Same",
                "Sam Same",
                "Under_Score",
            ],
        ),
        (
            {"anyOf": ["INACTIVE", "CREDITS_AVAILABLE"], "search": "a"},
            ["Alice Smith", "Carol White", "Dave Brown", "Sam Same"],
        ),
        ({"anyOf": ["INACTIVE", "CREDITS_AVAILABLE"], "search": "white"}, ["Carol White"]),  # AND with search
        ({"anyOf": ["NO_CREDITS"], "tags": ["vip"]}, ["Eve Black"]),  # AND with tags
        ({"anyOf": ["ACTIVE"], "search": "sam", "tags": []}, ["Sam Same", "Sam Same"]),
        ({"anyOf": []}, ALL_BY_NAME),  # nothing selected in the panel: no constraint, like null
    ],
)
async def test_filters(roster, query, filter_, expected):
    assert await names(roster.api, roster.coach.token, query, filter=filter_) == expected


async def test_ordering(roster):
    api, coach, ids = roster.api, roster.coach, roster.ids
    assert await names(api, coach.token) == ALL_BY_NAME  # NAME ASC by default, case-insensitive
    assert await names(api, coach.token, order={"field": "NAME", "direction": "ASC"}) == ALL_BY_NAME
    assert await names(api, coach.token, order={"field": "NAME", "direction": "DESC"}) == ALL_BY_NAME[::-1]
    created = [
        "Alice Smith",
        "bob jones",
        "Carol White",
        "Dave Brown",
        "Eve Black",
        "Sam Same",
        "Sam Same",
        "Percent 100% Fit",
        "Under_Score",
    ]
    assert await names(api, coach.token, order={"field": "CREATED_AT", "direction": "ASC"}) == created
    assert await names(api, coach.token, order={"field": "CREATED_AT", "direction": "DESC"}) == created[::-1]
    # Same names: the id breaks the tie, the same way in both directions.
    data = await api.ok(LIST, {"filter": {"search": "sam same"}}, coach.token)
    asc = [e["node"]["id"] for e in data["clients"]["edges"]]
    data = await api.ok(
        LIST, {"filter": {"search": "sam same"}, "order": {"field": "NAME", "direction": "DESC"}}, coach.token
    )
    assert [e["node"]["id"] for e in data["clients"]["edges"]] == asc[::-1]
    assert sorted(asc) == sorted(ids["Sam Same"])


@pytest.mark.parametrize(
    "order",
    [
        None,
        {"field": "NAME", "direction": "ASC"},
        {"field": "NAME", "direction": "DESC"},
        {"field": "CREATED_AT", "direction": "ASC"},
        {"field": "CREATED_AT", "direction": "DESC"},
        {"field": "CREDITS", "direction": "DESC"},
        {"field": "CATEGORY", "direction": "ASC"},
        {"field": "LAST_SESSION", "direction": "ASC"},
        {"field": "LAST_SESSION", "direction": "DESC"},
        {"field": "NEXT_SESSION", "direction": "ASC"},
        {"field": "NEXT_SESSION", "direction": "DESC"},
    ],
)
@pytest.mark.parametrize("page_size", [1, 2, 4])
async def test_walking_every_page_gives_each_client_once_in_order(roster, order, page_size):
    api, coach = roster.api, roster.coach
    whole = (await api.ok(LIST, {"first": 100, "order": order}, coach.token))["clients"]
    expected = [e["node"]["id"] for e in whole["edges"]]
    assert len(expected) == whole["totalCount"] == 9
    seen, after, pages = [], None, 0
    while True:
        page = (await api.ok(LIST, {"first": page_size, "after": after, "order": order}, coach.token))["clients"]
        pages += 1
        assert page["totalCount"] == 9
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        edges = page["edges"]
        seen += [e["node"]["id"] for e in edges]
        if edges:
            assert (
                page["pageInfo"]["startCursor"] == edges[0]["cursor"]
                and page["pageInfo"]["endCursor"] == edges[-1]["cursor"]
            )
        if not page["pageInfo"]["hasNextPage"]:
            break
        assert len(edges) == page_size
        after = page["pageInfo"]["endCursor"]
        assert pages < 20
    assert seen == expected
    assert pages == -(-9 // page_size)


async def test_page_edges(roster):
    api, coach = roster.api, roster.coach
    empty = (await api.ok(LIST, {"first": 0}, coach.token))["clients"]
    assert empty["edges"] == [] and empty["totalCount"] == 9 and empty["pageInfo"]["hasNextPage"] is True
    assert empty["pageInfo"]["startCursor"] is None and empty["pageInfo"]["endCursor"] is None
    first = (await api.ok(LIST, {"first": 7}, coach.token))["clients"]
    rest = (await api.ok(LIST, {"first": 50, "after": first["pageInfo"]["endCursor"]}, coach.token))["clients"]
    assert [e["node"]["name"] for e in rest["edges"]] == ALL_BY_NAME[7:]
    assert rest["pageInfo"]["hasNextPage"] is False and rest["totalCount"] == 9
    exact = (await api.ok(LIST, {"first": 9}, coach.token))["clients"]
    assert len(exact["edges"]) == 9 and exact["pageInfo"]["hasNextPage"] is False
    past_the_end = (await api.ok(LIST, {"first": 5, "after": exact["pageInfo"]["endCursor"]}, coach.token))["clients"]
    assert past_the_end["edges"] == [] and past_the_end["pageInfo"]["hasNextPage"] is False
    most = (await api.ok(LIST, {"first": 100}, coach.token))["clients"]
    assert len(most["edges"]) == 9


@dataclass(frozen=True)
class Forged:
    """A cursor sealed with the API's own key around values it never gave out (sealed in the
    test: the key exists once the app has started)."""

    values: object

    def sealed(self, actor, ordering: str) -> str:
        return sealed_for(actor, json.dumps(self.values).encode(), ordering)


def forged(values) -> Forged:
    return Forged(values)


@pytest.mark.parametrize(
    "variables",
    [
        {"first": 101},
        {"first": -1},
        {"after": "garbage!"},
        {"after": "%%%"},
        {"after": forged({"a": 1})},
        {"after": forged(["x"])},
        {"after": forged(["x", "not-a-uuid"])},
        {"after": forged([1, "00000000-0000-0000-0000-000000000000"])},
        {"after": forged([None, "00000000-0000-0000-0000-000000000000"])},
        {
            "after": forged(["alice", "00000000-0000-0000-0000-000000000000"]),
            "order": {"field": "CREATED_AT", "direction": "ASC"},
        },
        {
            "after": forged([{"dt": "yesterday"}, "00000000-0000-0000-0000-000000000000"]),
            "order": {"field": "CREATED_AT", "direction": "ASC"},
        },
        {
            "after": forged(["x", "00000000-0000-0000-0000-000000000000"]),
            "order": {"field": "CREDITS", "direction": "ASC"},
        },
        {"after": forged([[1], {"x": 1}])},
    ],
)
@pytest.mark.parametrize("query", [LIST, MY_LIST], ids=["clients", "myClients"])
async def test_bad_page_arguments_are_refused_with_a_coded_error(roster, variables, query):
    order = variables.get("order") or {"field": "NAME", "direction": "ASC"}
    ordering = f"clients:{order['field']}:{order['direction'].lower()}"
    variables = {
        name: value.sealed(roster.coach, ordering) if isinstance(value, Forged) else value
        for name, value in variables.items()
    }
    body = await roster.api(query, variables, roster.coach.token)
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["INVALID"]
    assert body["errors"][0]["message"] != "Unexpected error."


async def test_a_cursor_from_another_ordering_is_refused(roster):
    api, coach = roster.api, roster.coach
    by_name = (await api.ok(LIST, {"first": 2}, coach.token))["clients"]["pageInfo"]["endCursor"]
    for order in ({"field": "CREATED_AT", "direction": "ASC"}, {"field": "CREDITS", "direction": "DESC"}):
        body = await api(LIST, {"first": 2, "after": by_name, "order": order}, coach.token)
        assert body["data"] is None and [e["extensions"]["code"] for e in body["errors"]] == ["INVALID"]


async def test_a_cursor_opens_only_for_whom_it_was_given_and_its_list(api, world):
    # Found by the outside attack: another coach's cursor, used as `after` in one's own list,
    # showed where its sealed name falls among names one can see (create clients to narrow it down).
    one, other = await world.user(Role.COACH), await world.user(Role.COACH)
    await world.client_of(one, "Mallory Secret")
    for name in ("Alice", "Bob", "Nina", "Zed"):
        await world.client_of(other, name)
    theirs = (await api.ok(MY_LIST, {"first": 1}, one.token))["myClients"]["pageInfo"]["endCursor"]
    own = (await api.ok(MY_LIST, {"first": 1}, other.token))["myClients"]["pageInfo"]["endCursor"]

    refused = [
        await api(MY_LIST, {"first": 10, "after": theirs}, other.token),
        await api(LIST, {"first": 10, "after": theirs}, other.token),
        # The same values under another ordering of one's own list: bound to the ordering too.
        await api(MY_LIST, {"first": 10, "after": own, "order": {"field": "NAME", "direction": "DESC"}}, other.token),
    ]

    for body in refused:
        assert body["data"] is None, body
        assert [e["extensions"] for e in body["errors"]] == [{"code": "INVALID", "field": ["after"]}]
    page = (await api.ok(MY_LIST, {"first": 10, "after": own}, other.token))["myClients"]
    assert [e["node"]["name"] for e in page["edges"]] == ["Bob", "Nina", "Zed"]


async def test_organisation_admins_list_their_members_and_admins_everyone(api, world):
    org = await world.organisation()
    other_org = await world.organisation("Other")
    org_admin = await world.user(Role.ORG_ADMIN, organisation=org)
    admin = await world.admin()
    coach = await world.user(Role.COACH)
    internal = await world.user(Role.COACH, organisation=org)
    other_internal = await world.user(Role.COACH, organisation=other_org)
    await world.client_of(internal, "Member A")
    await world.client_of(other_internal, "Outsider B")
    await world.client_of(coach, "Private C")
    assert await names(api, org_admin.token) == ["Member A"]
    assert await names(api, admin.token) == ["Member A", "Outsider B", "Private C"]
    assert await names(api, coach.token) == ["Private C"]
    # categories describe a coach's relationship: they filter nothing in for anyone else.
    assert await names(api, org_admin.token, filter={"categories": ["PROSPECTIVE"]}) == []
    assert await names(api, internal.token, filter={"categories": ["PROSPECTIVE"]}) == ["Member A"]
    body = await api(MY_LIST, {}, org_admin.token)
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


# ---------------------------------------------------------------------------- opaque cursors
# (issue 12: cursors held the sort key in clear base64 JSON, so a client's name ended up in URLs and logs.)

NOT_A_CURSOR = "`after` is not a cursor this API gave out."
EVERY_ORDER = [
    {"field": field, "direction": direction}
    for field in ("NAME", "CREATED_AT", "CREDITS", "CATEGORY", "LAST_SESSION", "NEXT_SESSION")
    for direction in ("ASC", "DESC")
]


def decodings(cursor: str) -> list[bytes]:
    """What base64 decoding can make of a cursor, from each of the four alignments."""
    found = []
    for start in range(4):
        part = cursor[start:]
        part = part[: len(part) - len(part) % 4]
        for decode in (base64.urlsafe_b64decode, base64.b64decode):
            with contextlib.suppress(ValueError):
                found.append(decode(part))
    return found


async def test_a_cursor_holds_no_client_name_or_email_under_any_ordering(api, world):
    coach = await world.user(Role.COACH)
    people = {"Zelda Quixote": "zelda.quixote@example.test", "Yannick Wolfenden": "yannick.w@example.test"}
    for name, email in people.items():
        await world.client_of(coach, name, email=email)
    secrets_ = [part.lower() for name, email in people.items() for part in (*name.split(), email)]

    cursors_seen = []
    for query in (LIST, MY_LIST):
        for order in EVERY_ORDER:
            after = None
            for _ in range(len(people)):
                page = next(
                    iter((await api.ok(query, {"first": 1, "after": after, "order": order}, coach.token)).values())
                )
                cursors_seen += [edge["cursor"] for edge in page["edges"]]
                after = page["pageInfo"]["endCursor"]
    assert len(cursors_seen) == 2 * len(EVERY_ORDER) * len(people)

    for cursor in cursors_seen:
        readings = [cursor.lower().encode(), *(raw.lower() for raw in decodings(cursor))]
        assert not [s for s in secrets_ if any(s.encode() in reading for reading in readings)], cursor


async def test_a_changed_or_made_up_cursor_is_refused_with_a_coded_error(api, world):
    coach = await world.user(Role.COACH)
    for name in ("Ann", "Bea", "Cy"):
        await world.client_of(coach, name)
    first = (await api.ok(LIST, {"first": 1}, coach.token))["clients"]
    cursor = first["pageInfo"]["endCursor"]
    rest = (await api.ok(LIST, {"first": 5, "after": cursor}, coach.token))["clients"]
    assert [e["node"]["name"] for e in rest["edges"]] == ["Bea", "Cy"]  # the genuine one works

    def changed(at: int) -> str:
        return cursor[:at] + ("B" if cursor[at] == "A" else "A") + cursor[at + 1 :]

    ann_id = base64.b64decode(first["edges"][0]["node"]["id"]).decode().partition(":")[2]
    in_clear = base64.urlsafe_b64encode(json.dumps(["ann", ann_id]).encode()).decode().rstrip("=")
    tampered = [changed(0), changed(len(cursor) // 2), changed(len(cursor) - 1), cursor[:-4], cursor + "A", in_clear]
    for bad in tampered:
        body = await api(LIST, {"first": 5, "after": bad}, coach.token)
        assert body["data"] is None, bad
        assert [(e["message"], e["extensions"]) for e in body["errors"]] == [
            (NOT_A_CURSOR, {"code": "INVALID", "field": ["after"]})
        ], bad


@pytest.mark.parametrize(
    ("order", "added_before"),
    [({"field": "NAME", "direction": "ASC"}, "Aaron"), ({"field": "CREATED_AT", "direction": "DESC"}, "Newcomer")],
)
async def test_the_page_after_a_cursor_stays_right_when_a_client_is_added_before_it(api, world, order, added_before):
    from datetime import timedelta

    clock.freeze(datetime(2030, 5, 1, 9, tzinfo=UTC))
    coach = await world.user(Role.COACH)
    for name in ("Ann", "Bea", "Cy", "Dee", "Eli", "Flo"):
        await world.client_of(coach, name)
        clock.advance(timedelta(minutes=1))
    first = (await api.ok(LIST, {"first": 3, "order": order}, coach.token))["clients"]
    expected_rest = (
        await api.ok(LIST, {"first": 10, "after": first["pageInfo"]["endCursor"], "order": order}, coach.token)
    )["clients"]

    clock.advance(timedelta(minutes=1))
    await world.client_of(coach, added_before)  # sorts before the cursor: page one has moved on
    rest = (await api.ok(LIST, {"first": 10, "after": first["pageInfo"]["endCursor"], "order": order}, coach.token))[
        "clients"
    ]

    assert [e["node"]["name"] for e in rest["edges"]] == [e["node"]["name"] for e in expected_rest["edges"]]
    assert len(rest["edges"]) == 3 and rest["totalCount"] == 7
