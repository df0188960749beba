"""The cost of a request (found by the November 2026 outside attack: "Cost"): every field returning many things is charged
before anything runs, a statement timeout bounds the database work of a request, and a request
body must arrive within a time limit."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import time

import asyncpg
import pytest

from app import db
from app.http import asgi
from domain import clock
from models.enums import Role
from tests.support.api import Api, starlette_app
from tests.support.booking import setup_coach
from tests.support.clients import PAGE
from tests.support.dates import utc

SLOT_FIELDS = "startsAt endsAt"
SIXTY_TWO_DAYS = 'from: "2030-03-02T00:00:00Z", to: "2030-05-03T00:00:00Z"'


def codes(body: dict) -> list[str | None]:
    return [(e.get("extensions") or {}).get("code") for e in body.get("errors") or []]


def fifteen(field: str) -> str:
    return " ".join(f"a{i}: {field}" for i in range(15))


@pytest.fixture
async def five_minute_service(api, world):
    """A coach open around the clock, every day, with a 5-minute service: 288 slots a day."""
    clock.freeze(utc(2030, 3, 1, 12))
    coach, service = await setup_coach(api, world, duration=5)
    return coach, service


async def test_fifteen_aliased_slot_ranges_are_refused_before_running(api, five_minute_service, monkeypatch):
    coach, service = five_minute_service
    ran = []
    import resolvers.coaches

    original = resolvers.coaches.bookable_service

    async def recorded(*args, **kwargs):
        ran.append(1)
        return await original(*args, **kwargs)

    monkeypatch.setattr(resolvers.coaches, "bookable_service", recorded)
    literal = (
        "query($s: ID!) { " + fifteen(f"availableSlots(serviceId: $s, {SIXTY_TWO_DAYS}) {{ {SLOT_FIELDS} }}") + " }"
    )
    variables = (
        "query($s: ID!, $f: DateTime!, $t: DateTime!) { "
        + fifteen(f"availableSlots(serviceId: $s, from: $f, to: $t) {{ {SLOT_FIELDS} }}")
        + " }"
    )
    for query, values in (
        (literal, {"s": service}),
        (variables, {"s": service, "f": "2030-03-02T00:00:00Z", "t": "2030-05-03T00:00:00Z"}),
    ):
        body = await api(query, values, coach.token)
        assert body["data"] is None
        assert codes(body) == ["QUERY_TOO_COMPLEX"]
        # 15 x 500 slots (the most one call returns) x (the slot + its 2 fields)
        assert body["errors"][0]["extensions"] == {"code": "QUERY_TOO_COMPLEX", "cost": 22500, "limit": 5000}
        assert body["errors"][0]["message"] == (
            "This query costs 22500 nodes; the limit is 5000. Ask for smaller pages or fewer fields."
        )
    assert ran == []


async def test_one_slot_range_holds_at_most_500_slots(api, five_minute_service):
    coach, service = five_minute_service
    body = await api(
        f"query($s: ID!) {{ availableSlots(serviceId: $s, {SIXTY_TWO_DAYS}) {{ {SLOT_FIELDS} }} }}",
        {"s": service},
        coach.token,
    )
    assert body["data"] is None
    assert codes(body) == ["INVALID"]
    assert body["errors"][0]["message"] == "This range holds more than 500 slots; ask for a shorter one."

    # A day (287 slots: the window is 00:00-23:59) is answered; several such calls fit the budget together.
    day = 'from: "2030-03-02T00:00:00Z", to: "2030-03-03T00:00:00Z"'
    data = await api.ok(
        f"query($s: ID!) {{ a: availableSlots(serviceId: $s, {day}) {{ {SLOT_FIELDS} }} "
        f"b: availableSlots(serviceId: $s, {day}) {{ startsAt }} }}",
        {"s": service},
        coach.token,
    )
    assert len(data["a"]) == 287 and data["a"][0] == {
        "startsAt": "2030-03-02T00:00:00+00:00",
        "endsAt": "2030-03-02T00:05:00+00:00",
    }


ROW = """id name email tags category creditsAvailable relationshipSince milestones
  lastSession { startsAt status } nextSession { startsAt status }
  stats { totalSessions completedSessions noShows totalRevenue { amountMinor currency } }"""


async def test_fifteen_aliased_client_pages_with_row_fields_are_refused(api, world):
    coach = await world.user(Role.COACH)
    await world.client_of(coach)
    query = "{ " + fifteen(f"clients(first: 50) {{ edges {{ node {{ {ROW} }} }} }}") + " }"
    body = await api(query, token=coach.token)
    assert body["data"] is None
    assert codes(body) == ["QUERY_TOO_COMPLEX"]
    # 15 x (the page of 50 + 50 x (edge + node + the 21 fields below it))
    assert body["errors"][0]["extensions"]["cost"] == 15 * (50 + 50 * 23)

    # One such page is fine.
    one = f"{{ clients(first: 50) {{ edges {{ node {{ {ROW} }} }} }} }}"
    assert len((await api.ok(one, token=coach.token))["clients"]["edges"]) == 1


async def test_the_my_clients_page_fits_the_budget(api, world):
    """The real page, every column, at the largest page size (a variable is charged at 100)."""
    coach, service = await setup_coach(api, world)
    await world.client_of(coach, name="Only Client")
    data = await api.ok(PAGE, {"first": 100, "s": service}, coach.token)
    assert [e["node"]["name"] for e in data["myClients"]["edges"]] == ["Only Client"]


# ---------------------------------------------------------------------------- statement timeout


@pytest.fixture
async def impatient(test_settings, app, clean):
    """A second app on the same database whose statements may run 300 ms (as in test_security's
    production app, Tortoise's process-wide connections are reopened afterwards)."""
    settings = dataclasses.replace(test_settings, statement_timeout_ms=300)
    await db.close()
    try:
        application = asgi(settings)
        inner = starlette_app(application)
        async with inner.router.lifespan_context(inner):
            client = Api(application)
            yield client
            await client.http.aclose()
    finally:
        await db.init(test_settings)


async def hold(database_url: str, table: str):
    """Another session takes the table: a request's statement on it waits for the lock until
    statement_timeout cancels it (SQLSTATE 57014)."""
    holder = await asyncpg.connect(database_url)
    transaction = holder.transaction()
    await transaction.start()
    await holder.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
    return holder, transaction


async def test_a_statement_past_the_timeout_is_a_coded_error(impatient, world, test_settings, caplog):
    coach = await world.user(Role.COACH)
    caplog.set_level(logging.INFO, logger="caseload")
    holder, transaction = await hold(test_settings.database_url, "coach_clients")
    try:
        started = time.monotonic()
        body = await asyncio.wait_for(impatient("{ clients(first: 5) { totalCount } }", token=coach.token), 10)
        elapsed = time.monotonic() - started
    finally:
        await transaction.rollback()
        await holder.close()
    assert body["data"] is None
    assert body["errors"][0]["extensions"] == {"code": "TIMEOUT"}
    assert (
        body["errors"][0]["message"]
        == "The request took too long and was stopped. Ask for less at once, or try again later."
    )
    assert elapsed < 5
    [record] = [r for r in caplog.records if r.name == "caseload.graphql"]
    assert record.levelno == logging.WARNING and record.exc_info is None
    # Unlocked, the same request runs.
    assert (await impatient.ok("{ clients(first: 5) { totalCount } }", token=coach.token)) == {
        "clients": {"totalCount": 0}
    }


async def test_a_viewer_lookup_past_the_timeout_is_a_coded_503(impatient, world, test_settings):
    coach = await world.user(Role.COACH)
    holder, transaction = await hold(test_settings.database_url, "users")
    try:
        response = await asyncio.wait_for(impatient.post("{ viewer { role } }", token=coach.token), 10)
    finally:
        await transaction.rollback()
        await holder.close()
    assert response.status_code == 503
    assert response.json() == {
        "errors": [
            {
                "message": "The request took too long and was stopped. Ask for less at once, or try again later.",
                "extensions": {"code": "TIMEOUT"},
            }
        ]
    }


# ---------------------------------------------------------------------------- slow bodies


def http_scope(headers: list[tuple[bytes, bytes]]) -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("test", 80),
    }


@pytest.mark.parametrize("first_chunk", [b'{"query": "{ viewer', None], ids=["part-of-a-body", "nothing"])
async def test_a_body_that_never_finishes_gets_408_within_the_limit(test_settings, first_chunk):
    application = asgi(dataclasses.replace(test_settings, request_body_seconds=0.5))
    never = asyncio.Event()
    chunks = [first_chunk] if first_chunk is not None else []

    async def receive():
        if chunks:
            return {"type": "http.request", "body": chunks.pop(), "more_body": True}
        await never.wait()  # the rest never comes, and the client does not go away

    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    started = time.monotonic()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"100")]
    await asyncio.wait_for(application(http_scope(headers), receive, send), 5)
    elapsed = time.monotonic() - started
    assert 0.5 <= elapsed < 2
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 408
    body = json.loads(b"".join(m.get("body", b"") for m in sent[1:]))
    assert body == {
        "errors": [
            {
                "message": "The request body did not arrive within 0.5 seconds.",
                "extensions": {"code": "REQUEST_TIMEOUT"},
            }
        ]
    }
