"""Calendar feeds through the API and the feed's own address, read back with the icalendar package."""

import asyncio
import dataclasses

from icalendar import Calendar

import models
from app import calendar as calendar_http
from app import settings as settings_module
from domain import clock
from models.enums import Role
from schema.node import uuid_of
from tests.support.booking import BOOK, CANCEL, PROPOSE, SETTINGS, setup_coach
from tests.support.calendar import RESET_FEED, VIEWER_FEED, events, get_feed, reset_feed
from tests.support.credits import GRANT
from tests.support.database import raw_database_text
from tests.support.dates import utc
from tests.support.logs import LOG_SECRETS

RESPOND = """mutation($i: RespondToProposalInput!) { respondToProposal(input: $i) {
  session { startsAt } userErrors { code field message } } }"""
NOTE_CANARY = "canary-private-note-7f3a"
BOOKING_CANARY = "canary-booking-note-91c2"


def uid(session_id: str) -> str:
    return f"{uuid_of(session_id, 'Session')}@caseload"


async def practice(api, world, sessions: int = 3):
    """A London coach, a client with credits, and `sessions` days in a row booked at 10:00 UTC."""
    clock.freeze(utc(2030, 1, 7, 8))
    admin = await world.admin()
    coach, service = await setup_coach(api, world)
    await api.ok(SETTINGS, {"i": {"timezone": "Europe/London"}}, coach.token)
    member = await world.user(Role.CLIENT, name="Casey Clientson")
    await api.ok(GRANT, {"input": {"clientId": member.client_id, "amount": 10}}, admin.token)
    ids = []
    for day in range(sessions):
        starts = utc(2030, 1, 8 + day, 10).isoformat()
        booked = await api.ok(
            BOOK, {"i": {"serviceId": service, "startsAt": starts, "bookingNotes": BOOKING_CANARY}}, member.token
        )
        assert booked["bookSession"]["userErrors"] == [], booked
        ids.append(booked["bookSession"]["session"]["id"])
    return coach, member, ids


async def test_a_coach_feed_holds_the_sessions_at_their_times_and_nothing_private(api, world):
    coach, member, ids = await practice(api, world)
    await api.ok(
        "mutation($i: AddNoteInput!) { addNote(input: $i) { note { id } } }",
        {"i": {"clientId": member.client_id, "body": NOTE_CANARY, "sessionId": ids[0]}},
        coach.token,
    )
    cancelled = await api.ok(CANCEL, {"i": {"sessionId": ids[2], "reason": "Away"}}, coach.token)
    assert cancelled["cancelSession"]["userErrors"] == []
    url = await reset_feed(api, coach)
    assert url is not None and url.startswith("/calendar/") and url.endswith(".ics")

    response = await get_feed(api, url)

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert NOTE_CANARY not in response.text and BOOKING_CANARY not in response.text
    assert "Clientson" not in response.text  # first name and initial only
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/London"
    found = events(response)
    assert set(found) == {uid(i) for i in ids}
    assert [(found[uid(i)]["start"], found[uid(i)]["end"]) for i in ids] == [
        (utc(2030, 1, 8 + d, 10), utc(2030, 1, 8 + d, 11)) for d in range(3)
    ]
    assert [found[uid(i)]["status"] for i in ids] == ["CONFIRMED", "CONFIRMED", "CANCELLED"]
    assert found[uid(ids[0])]["summary"] == "Session with Casey C."


async def test_a_client_feed_names_the_coach_and_service_and_the_window_is_30_days_back_to_a_year_ahead(api, world):
    coach, member, ids = await practice(api, world, sessions=1)
    far = await api.ok(
        BOOK, {"i": {"serviceId": await _service_of(coach), "startsAt": "2031-01-10T10:00:00Z"}}, member.token
    )
    far_id = far["bookSession"]["session"]["id"]
    url = await reset_feed(api, member)

    now = events(await get_feed(api, url))
    assert set(now) == {uid(ids[0])}  # more than a year ahead: not yet
    assert now[uid(ids[0])]["summary"] == f"Session with {(await models.Coach.get()).name}"

    clock.freeze(utc(2030, 2, 8, 10))  # 31 days after the first session
    later = events(await get_feed(api, url))
    assert set(later) == {uid(far_id)}


async def _service_of(coach) -> str:
    from schema.node import encode

    coach_row = await models.Coach.get(id=uuid_of(coach.coach_id, "Coach"))
    return encode("Service", (await models.Service.get(coach_id=coach_row.id)).id)


async def test_sequence_grows_after_a_reschedule_and_the_etag_answers_304_until_then(api, world):
    coach, member, ids = await practice(api, world, sessions=1)
    url = await reset_feed(api, coach)
    first = await get_feed(api, url)
    assert events(first)[uid(ids[0])]["sequence"] == 0
    etag = first.headers["etag"]

    unchanged = await get_feed(api, url, {"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b""

    proposed = await api.ok(PROPOSE, {"i": {"sessionId": ids[0], "startsAt": "2030-01-09T15:00:00Z"}}, member.token)
    proposal_id = proposed["proposeReschedule"]["proposal"]["id"]
    moved = await api.ok(RESPOND, {"i": {"proposalId": proposal_id, "accept": True}}, coach.token)
    assert moved["respondToProposal"]["userErrors"] == []

    after = await get_feed(api, url, {"If-None-Match": etag})
    assert after.status_code == 200 and after.headers["etag"] != etag
    event = events(after)[uid(ids[0])]
    assert event["start"] == utc(2030, 1, 9, 15)
    assert event["sequence"] == 1
    await api.ok(CANCEL, {"i": {"sessionId": ids[0]}}, coach.token)
    cancelled = events(await get_feed(api, url))[uid(ids[0])]
    assert (cancelled["status"], cancelled["sequence"]) == ("CANCELLED", 2)


async def test_a_reset_or_revoke_ends_the_old_address_at_once_and_only_a_hash_is_stored(api, world):
    coach, _member, _ids = await practice(api, world, sessions=1)
    old = await reset_feed(api, coach)
    shown = await api.ok(VIEWER_FEED, token=coach.token)
    assert shown["viewer"]["calendarFeed"]["url"] == old  # the owner can read it again

    new = await reset_feed(api, coach)

    assert new != old
    assert (await get_feed(api, old)).status_code == 404
    assert (await get_feed(api, new)).status_code == 200
    token = new.rsplit("/", 1)[1].removesuffix(".ics")
    assert token not in await raw_database_text()
    assert await models.CalendarFeed.all().count() == 1
    assert (await get_feed(api, "/calendar/" + "x" * 43 + ".ics")).status_code == 404

    assert await reset_feed(api, coach, revoke=True) is None
    assert (await get_feed(api, new)).status_code == 404
    assert (await api.ok(VIEWER_FEED, token=coach.token))["viewer"]["calendarFeed"] is None


async def test_only_coaches_and_clients_have_feeds(api, world):
    admin = await world.admin()
    body = await api(
        "mutation { resetCalendarFeed(input: {}) { feed { url } userErrors { code } } }", token=admin.token
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await api.ok(VIEWER_FEED, token=admin.token))["viewer"]["calendarFeed"] is None
    assert await models.CalendarFeed.all().count() == 0


async def test_each_address_is_throttled(api, world):
    coach, _member, _ids = await practice(api, world, sessions=1)
    url = await reset_feed(api, coach)
    other = await reset_feed(api, _member)

    answers = [(await get_feed(api, url)).status_code for _ in range(calendar_http.MAX_REQUESTS)]
    refused = await get_feed(api, url)

    assert set(answers) == {200}
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= calendar_http.WINDOW_SECONDS
    assert (await get_feed(api, other)).status_code == 200  # another address has its own count


def test_the_public_url_setting(monkeypatch):
    monkeypatch.setenv("CASELOAD_PUBLIC_URL", "https://api.example.test/ ")
    assert settings_module.from_env().public_url == "https://api.example.test"
    monkeypatch.delenv("CASELOAD_PUBLIC_URL")
    assert settings_module.from_env().public_url is None


async def test_feed_addresses_are_absolute_under_the_public_url(api, world, app):
    """The running app's settings with CASELOAD_PUBLIC_URL set (swapped for this test only)."""
    coach, _member, _ids = await practice(api, world, sessions=1)
    graphql = _graphql_endpoint(app)
    before = graphql.settings
    graphql.settings = dataclasses.replace(before, public_url="https://api.example.test")
    try:
        url = await reset_feed(api, coach)
    finally:
        graphql.settings = before
    assert url is not None and url.startswith("https://api.example.test/calendar/")
    path = url.removeprefix("https://api.example.test")
    assert (await get_feed(api, path)).status_code == 200


def _graphql_endpoint(app):
    from tests.support.api import starlette_app

    for route in starlette_app(app).routes:
        if getattr(route, "path", None) == "/graphql" and hasattr(route.endpoint, "settings"):
            return route.endpoint
    raise AssertionError("no /graphql route")


async def test_concurrent_resets_each_answer_and_leave_one_working_address(api, world):
    # Found by the outside attack: resets racing on the one-feed-per-user row gave "Unexpected error.".
    coach, _service = await setup_coach(api, world)

    answers = await asyncio.gather(*[api(RESET_FEED, {"i": {"revoke": False}}, coach.token) for _ in range(6)])
    feeds = [(a.get("data") or {}).get("resetCalendarFeed") or {} for a in answers]
    LOG_SECRETS.update(f["feed"]["url"].rsplit("/", 1)[1].removesuffix(".ics") for f in feeds if f.get("feed"))

    assert [a.get("errors") for a in answers] == [None] * 6
    assert [a["data"]["resetCalendarFeed"]["userErrors"] for a in answers] == [[]] * 6
    assert await models.CalendarFeed.filter(user__email=coach.email).count() == 1
    current = await api.ok(VIEWER_FEED, {}, coach.token)
    url = current["viewer"]["calendarFeed"]["url"]
    assert (await get_feed(api, url)).status_code == 200
    # Every address but the one that won is over.
    others = {a["data"]["resetCalendarFeed"]["feed"]["url"] for a in answers} - {url}
    assert [(await get_feed(api, u)).status_code for u in others] == [404] * len(others)
