"""Series of sessions (bookSeries) through the API: all or none, the local time across daylight
saving, credits for all at once, idempotency, and cancelling this and the following ones."""

import asyncio
import dataclasses

from tortoise import connections

import models
from domain import clock
from models.enums import CoachKind, Role
from tests.support.booking import BOOK, CANCEL, COMPLETE, SETTINGS, setup_coach
from tests.support.credits import GRANT, GRANT_ORG, assert_ledger_balances
from tests.support.dates import utc
from tests.support.errors import user_error
from tests.support.workers import run_worker

BOOK_SERIES = """mutation($i: BookSeriesInput!) { bookSeries(input: $i) {
  series { id intervalWeeks service { id } client { id }
           sessions { totalCount edges { node { id startsAt status series { id } } } } }
  userErrors { code field message } } }"""
SERIES = """query($id: ID!) { node(id: $id) { ... on SessionSeries { id
  sessions { edges { node { id startsAt status cancellation { late refund cancelledBy } } } } } } }"""


async def booking_deltas() -> list[int]:
    rows = await connections.get("default").execute_query_dict(
        "SELECT t.delta FROM credit_transactions t WHERE t.reason = 'BOOKING' ORDER BY t.created_at, t.id"
    )
    return [r["delta"] for r in rows]


async def client_balance() -> int:
    return (await models.CreditPool.get(client_id__isnull=False)).balance


def starts(series: dict) -> list[str]:
    return [e["node"]["startsAt"] for e in series["sessions"]["edges"]]


async def london_coach(api, world, **kwargs):
    coach, service = await setup_coach(api, world, **kwargs)
    await api.ok(SETTINGS, {"i": {"timezone": "Europe/London"}}, coach.token)
    return coach, service


async def test_a_weekly_series_keeps_its_local_time_across_the_clock_change(api, world):
    clock.freeze(utc(2030, 3, 1, 8))
    admin = await world.admin()
    coach, service = await london_coach(api, world)
    client_id = await world.client_of(coach)
    await api.ok(GRANT, {"input": {"clientId": client_id, "amount": 4}}, admin.token)

    data = await api.ok(
        BOOK_SERIES,
        {"i": {"serviceId": service, "clientId": client_id, "firstStartsAt": "2030-03-19T10:00:00", "count": 4}},
        coach.token,
    )

    payload = data["bookSeries"]
    assert payload["userErrors"] == []
    series = payload["series"]
    # London leaves GMT on 31 March 2030: 10:00 local is 10:00 UTC before, 09:00 UTC after.
    assert starts(series) == [
        "2030-03-19T10:00:00+00:00",
        "2030-03-26T10:00:00+00:00",
        "2030-04-02T09:00:00+00:00",
        "2030-04-09T09:00:00+00:00",
    ]
    assert series["intervalWeeks"] == 1 and series["client"]["id"] == client_id
    assert {e["node"]["series"]["id"] for e in series["sessions"]["edges"]} == {series["id"]}
    assert {e["node"]["status"] for e in series["sessions"]["edges"]} == {"CONFIRMED"}
    assert await booking_deltas() == [-1, -1, -1, -1]  # one debit per occurrence, each refundable alone
    assert await client_balance() == 0
    await assert_ledger_balances()


async def test_every_other_week(api, world):
    clock.freeze(utc(2030, 1, 1, 8))
    coach, service = await setup_coach(api, world, credits=0)
    client_id = await world.client_of(coach)
    admin = await world.admin()
    await api.ok(GRANT, {"input": {"clientId": client_id, "amount": 1}}, admin.token)

    data = await api.ok(
        BOOK_SERIES,
        {
            "i": {
                "serviceId": service,
                "clientId": client_id,
                "firstStartsAt": "2030-01-07T09:30:00Z",
                "count": 3,
                "intervalWeeks": 2,
            }
        },
        coach.token,
    )

    assert starts(data["bookSeries"]["series"]) == [
        "2030-01-07T09:30:00+00:00",
        "2030-01-21T09:30:00+00:00",
        "2030-02-04T09:30:00+00:00",
    ]
    assert await booking_deltas() == []  # a free service moves no credit


async def test_too_few_credits_books_nothing_and_names_the_uncovered_dates(api, world):
    clock.freeze(utc(2030, 1, 1, 8))
    admin = await world.admin()
    coach, service = await setup_coach(api, world)
    client_id = await world.client_of(coach)
    await api.ok(GRANT, {"input": {"clientId": client_id, "amount": 2}}, admin.token)

    data = await api.ok(
        BOOK_SERIES,
        {"i": {"serviceId": service, "clientId": client_id, "firstStartsAt": "2030-01-07T10:00:00Z", "count": 4}},
        coach.token,
    )

    assert data["bookSeries"] == {
        "series": None,
        "userErrors": [
            user_error(
                "INSUFFICIENT_CREDITS",
                ["input", "serviceId"],
                f"2030-01-{day} 10:00 (UTC): Not enough credits (NO_CLIENT_CREDITS).",
            )
            for day in ("21", "28")
        ],
    }
    assert await models.Session.all().count() == 0
    assert await models.SessionSeries.all().count() == 0
    assert await booking_deltas() == []
    assert await client_balance() == 2
    await assert_ledger_balances()


async def test_a_series_through_a_taken_slot_or_time_off_books_nothing_and_names_those_dates(api, world):
    clock.freeze(utc(2030, 1, 1, 8))
    admin = await world.admin()
    coach, service = await setup_coach(api, world)
    client_id = await world.client_of(coach)
    other_id = await world.client_of(coach, name="Other Person")
    for c in (client_id, other_id):
        await api.ok(GRANT, {"input": {"clientId": c, "amount": 10}}, admin.token)
    taken = await api.ok(
        BOOK, {"i": {"serviceId": service, "clientId": other_id, "startsAt": "2030-01-14T10:30:00Z"}}, coach.token
    )
    assert taken["bookSession"]["userErrors"] == []
    await api.ok(
        "mutation($i: AddTimeOffInput!) { addTimeOff(input: $i) { userErrors { code } } }",
        {"i": {"startsAt": "2030-01-28T00:00:00Z", "endsAt": "2030-01-29T00:00:00Z"}},
        coach.token,
    )

    data = await api.ok(
        BOOK_SERIES,
        {"i": {"serviceId": service, "clientId": client_id, "firstStartsAt": "2030-01-07T10:00:00Z", "count": 5}},
        coach.token,
    )

    assert data["bookSeries"] == {
        "series": None,
        "userErrors": [
            user_error(
                "SLOT_UNAVAILABLE", ["input", "firstStartsAt"], "2030-01-14 10:00 (UTC): That time is already taken."
            ),
            user_error(
                "SLOT_UNAVAILABLE",
                ["input", "firstStartsAt"],
                "2030-01-28 10:00 (UTC): That time is already taken.",
            ),
        ],
    }
    assert await models.Session.filter(client__name="Casey Client").count() == 0
    assert await booking_deltas() == [-1]  # the other client's booking only
    await assert_ledger_balances()


async def test_cancelling_this_and_following_cancels_and_refunds_exactly_those(api, world, test_settings):
    clock.freeze(utc(2030, 1, 7, 8))
    admin = await world.admin()
    member = await world.user(Role.CLIENT)
    coach, service = await setup_coach(api, world)  # cancellation window: 24 h
    await api.ok(GRANT, {"input": {"clientId": member.client_id, "amount": 5}}, admin.token)
    booked = await api.ok(
        BOOK_SERIES, {"i": {"serviceId": service, "firstStartsAt": "2030-01-08T10:00:00Z", "count": 4}}, member.token
    )
    assert booked["bookSeries"]["userErrors"] == []
    ids = [e["node"]["id"] for e in booked["bookSeries"]["series"]["sessions"]["edges"]]
    assert await client_balance() == 1
    # The coach cancels the last one on its own: refunded once, and left alone below.
    alone = await api.ok(CANCEL, {"i": {"sessionId": ids[3], "scope": "THIS"}}, coach.token)
    assert alone["cancelSession"]["session"]["status"] == "CANCELLED"
    await run_worker(test_settings)
    assert await client_balance() == 2

    # A week later: the first took place; the second is 14 h away (inside the window), the third is not.
    clock.freeze(utc(2030, 1, 14, 20))
    done = await api.ok(COMPLETE, {"i": {"sessionId": ids[0]}}, coach.token)
    assert done["completeSession"]["session"]["status"] == "COMPLETED"
    data = await api.ok(CANCEL, {"i": {"sessionId": ids[1], "scope": "THIS_AND_FOLLOWING"}}, member.token)
    assert data["cancelSession"]["userErrors"] == []
    await run_worker(test_settings)

    seen = await api.ok(SERIES, {"id": booked["bookSeries"]["series"]["id"]}, member.token)
    nodes = [e["node"] for e in seen["node"]["sessions"]["edges"]]
    assert [(n["status"], n["cancellation"]) for n in nodes] == [
        ("COMPLETED", None),
        ("CANCELLED", {"late": True, "refund": "NOT_REFUNDABLE", "cancelledBy": "CLIENT"}),
        ("CANCELLED", {"late": False, "refund": "REFUNDED", "cancelledBy": "CLIENT"}),
        ("CANCELLED", {"late": False, "refund": "REFUNDED", "cancelledBy": "COACH"}),
    ]
    assert await client_balance() == 3  # the third and the fourth came back, once each
    refunds = await connections.get("default").execute_query_dict(
        "SELECT session_id, count(*) AS n FROM credit_transactions WHERE reason = 'REFUND' GROUP BY session_id"
    )
    assert sorted(r["n"] for r in refunds) == [1, 1]
    # The coach is told once about the two the client cancelled together.
    assert await models.Notification.filter(kind="SESSION_CANCELLED", title="Sessions cancelled").count() == 1
    await assert_ledger_balances()


async def test_cancelling_this_and_following_on_a_single_session_cancels_it_alone(api, world):
    clock.freeze(utc(2030, 1, 7, 8))
    coach, service = await setup_coach(api, world, credits=0)
    client_id = await world.client_of(coach)
    admin = await world.admin()
    await api.ok(GRANT, {"input": {"clientId": client_id, "amount": 1}}, admin.token)  # a pool must not be empty
    booked = await api.ok(
        BOOK, {"i": {"serviceId": service, "clientId": client_id, "startsAt": "2030-01-09T10:00:00Z"}}, coach.token
    )
    session_id = booked["bookSession"]["session"]["id"]

    data = await api.ok(CANCEL, {"i": {"sessionId": session_id, "scope": "THIS_AND_FOLLOWING"}}, coach.token)

    assert data["cancelSession"]["session"]["status"] == "CANCELLED"


async def test_two_identical_calls_with_one_key_book_once(api, world):
    clock.freeze(utc(2030, 1, 1, 8))
    admin = await world.admin()
    coach, service = await setup_coach(api, world)
    client_id = await world.client_of(coach)
    await api.ok(GRANT, {"input": {"clientId": client_id, "amount": 10}}, admin.token)
    request = {
        "serviceId": service,
        "clientId": client_id,
        "firstStartsAt": "2030-01-07T10:00:00Z",
        "count": 3,
        "idempotencyKey": "weekly-1",
    }

    answers = await asyncio.gather(*[api.ok(BOOK_SERIES, {"i": request}, coach.token) for _ in range(2)])

    assert [a["bookSeries"]["userErrors"] for a in answers] == [[], []]
    assert len({a["bookSeries"]["series"]["id"] for a in answers}) == 1
    assert await models.SessionSeries.all().count() == 1
    assert await models.Session.all().count() == 3
    assert await booking_deltas() == [-1, -1, -1]
    other = await api.ok(BOOK_SERIES, {"i": {**request, "count": 4}}, coach.token)
    assert other["bookSeries"] == {
        "series": None,
        "userErrors": [
            user_error("CONFLICT", ["input", "idempotencyKey"], "This idempotency key was used for a different series.")
        ],
    }
    assert await models.Session.all().count() == 3
    await assert_ledger_balances()


async def test_who_may_book_a_series(api, world):
    clock.freeze(utc(2030, 1, 1, 8))
    admin = await world.admin()
    member = await world.user(Role.CLIENT)
    coach, service = await setup_coach(api, world, credits=0)
    stranger_coach, _ = await setup_coach(api, world)
    await api.ok(GRANT, {"input": {"clientId": member.client_id, "amount": 1}}, admin.token)

    own = await api.ok(
        BOOK_SERIES, {"i": {"serviceId": service, "firstStartsAt": "2030-01-07T10:00:00Z", "count": 2}}, member.token
    )
    for_client = await api.ok(
        BOOK_SERIES,
        {
            "i": {
                "serviceId": service,
                "clientId": member.client_id,
                "firstStartsAt": "2030-01-07T12:00:00Z",
                "count": 2,
            }
        },
        admin.token,
    )
    by_coach = await api.ok(
        BOOK_SERIES,
        {
            "i": {
                "serviceId": service,
                "clientId": member.client_id,
                "firstStartsAt": "2030-01-07T14:00:00Z",
                "count": 2,
            }
        },
        coach.token,  # the client booked this coach, so is theirs
    )
    strangers = await api.ok(
        BOOK_SERIES,
        {
            "i": {
                "serviceId": service,
                "clientId": member.client_id,
                "firstStartsAt": "2030-01-07T16:00:00Z",
                "count": 2,
            }
        },
        stranger_coach.token,
    )

    assert own["bookSeries"]["userErrors"] == [] and own["bookSeries"]["series"]["client"]["id"] == member.client_id
    assert for_client["bookSeries"]["userErrors"] == []
    assert by_coach["bookSeries"]["userErrors"] == []
    assert strangers["bookSeries"] == {
        "series": None,
        "userErrors": [user_error("NOT_FOUND", ["input", "serviceId"], "Service not found.")],
    }
    # Each side sees the series; another coach does not.
    series_id = own["bookSeries"]["series"]["id"]
    assert (await api.ok(SERIES, {"id": series_id}, coach.token))["node"]["id"] == series_id
    assert (await api.ok(SERIES, {"id": series_id}, stranger_coach.token))["node"] is None
    assert await models.Session.all().count() == 6


async def test_bad_counts_and_intervals_are_coded_user_errors(api, world):
    clock.freeze(utc(2030, 1, 1, 8))
    coach, service = await setup_coach(api, world, credits=0)
    client_id = await world.client_of(coach)
    base = {"serviceId": service, "clientId": client_id, "firstStartsAt": "2030-01-07T10:00:00Z"}
    count_error = user_error("INVALID", ["input", "count"], "A series has 2 to 52 sessions.")
    interval_error = user_error("INVALID", ["input", "intervalWeeks"], "Sessions repeat every 1 to 4 weeks.")

    for extra, expected in [
        ({"count": 1}, [count_error]),
        ({"count": 53}, [count_error]),
        ({"count": 2, "intervalWeeks": 0}, [interval_error]),
        ({"count": 2, "intervalWeeks": 5}, [interval_error]),
        ({"count": 0, "intervalWeeks": 9}, [count_error, interval_error]),
    ]:
        data = await api.ok(BOOK_SERIES, {"i": {**base, **extra}}, coach.token)
        assert data["bookSeries"] == {"series": None, "userErrors": expected}, extra

    assert await models.Session.all().count() == 0


async def test_occurrences_are_ordinary_sessions_afterwards(api, world):
    clock.freeze(utc(2030, 1, 1, 8))
    member = await world.user(Role.CLIENT)
    admin = await world.admin()
    coach, service = await setup_coach(api, world, auto_confirm=False)
    await api.ok(GRANT, {"input": {"clientId": member.client_id, "amount": 3}}, admin.token)
    booked = await api.ok(
        BOOK_SERIES, {"i": {"serviceId": service, "firstStartsAt": "2030-01-07T10:00:00Z", "count": 3}}, member.token
    )
    nodes = [e["node"] for e in booked["bookSeries"]["series"]["sessions"]["edges"]]
    assert [n["status"] for n in nodes] == ["PENDING"] * 3  # each waits for the coach

    confirmed = await api.ok(
        "mutation($i: SessionInput!) { confirmSession(input: $i) { session { status } userErrors { code } } }",
        {"i": {"sessionId": nodes[1]["id"]}},
        coach.token,
    )
    assert confirmed["confirmSession"]["session"]["status"] == "CONFIRMED"
    seen = await api.ok(SERIES, {"id": booked["bookSeries"]["series"]["id"]}, coach.token)
    assert [e["node"]["status"] for e in seen["node"]["sessions"]["edges"]] == ["PENDING", "CONFIRMED", "PENDING"]
    # The coach heard of the series once, not once per session.
    told = await models.Notification.filter(title="New series to confirm").count()
    assert told == 1


async def test_eligibility_is_judged_on_each_occurrences_date(api, world):
    clock.freeze(utc(2030, 1, 1, 8))
    admin = await world.admin()
    org = await world.organisation()
    member = await world.user(Role.CLIENT, organisation=org)
    _coach, service = await setup_coach(api, world)
    await api.ok(GRANT, {"input": {"clientId": member.client_id, "amount": 10}}, admin.token)
    await api.ok(GRANT_ORG, {"input": {"organisationId": org, "amount": 10}}, admin.token)
    await api.ok(
        "mutation($i: UpdateOrganisationInput!) { updateOrganisation(input: $i) { userErrors { code } } }",
        {"i": {"organisationId": org, "bookingPeriod": {"startsOn": "2030-01-01", "endsOn": "2030-01-20"}}},
        admin.token,
    )

    data = await api.ok(
        BOOK_SERIES, {"i": {"serviceId": service, "firstStartsAt": "2030-01-07T10:00:00Z", "count": 4}}, member.token
    )

    errors = data["bookSeries"]["userErrors"]
    assert [(e["code"], e["field"]) for e in errors] == [("NOT_ELIGIBLE", ["input", "clientId"])] * 2
    assert [e["message"].split(":")[0] for e in errors] == ["2030-01-21 10", "2030-01-28 10"]
    assert all("OUTSIDE_BOOKING_PERIOD" in e["message"] for e in errors)
    assert await models.Session.all().count() == 0
    assert await booking_deltas() == []


async def test_an_occurrence_whose_local_time_the_clocks_skip_is_named(api, world):
    clock.freeze(utc(2030, 3, 1, 8))
    admin = await world.admin()
    coach, service = await london_coach(api, world, credits=0)
    client_id = await world.client_of(coach)
    await api.ok(GRANT, {"input": {"clientId": client_id, "amount": 1}}, admin.token)

    # Sundays at 01:30 London time: on 31 March 2030 the clocks jump from 01:00 to 02:00.
    data = await api.ok(
        BOOK_SERIES,
        {"i": {"serviceId": service, "clientId": client_id, "firstStartsAt": "2030-03-24T01:30:00", "count": 3}},
        coach.token,
    )

    assert data["bookSeries"] == {
        "series": None,
        "userErrors": [
            user_error(
                "INVALID",
                ["input", "firstStartsAt"],
                "2030-03-31 01:30 (Europe/London): the clocks skip that time on that day.",
            )
        ],
    }
    assert await models.Session.all().count() == 0


async def test_an_organisation_admin_sees_its_members_series(api, world):
    clock.freeze(utc(2030, 1, 1, 8))
    admin = await world.admin()
    org = await world.organisation()
    member = await world.user(Role.CLIENT, organisation=org)
    org_admin = await world.user(Role.ORG_ADMIN, organisation=org)
    other_org_admin = await world.user(Role.ORG_ADMIN, organisation=await world.organisation("Other"))
    _coach, service = await setup_coach(api, world)
    await api.ok(GRANT, {"input": {"clientId": member.client_id, "amount": 2}}, admin.token)
    await api.ok(GRANT_ORG, {"input": {"organisationId": org, "amount": 2}}, admin.token)
    booked = await api.ok(
        BOOK_SERIES, {"i": {"serviceId": service, "firstStartsAt": "2030-01-07T10:00:00Z", "count": 2}}, member.token
    )
    series_id = booked["bookSeries"]["series"]["id"]

    seen = await api.ok(SERIES, {"id": series_id}, org_admin.token)
    unseen = await api.ok(SERIES, {"id": series_id}, other_org_admin.token)

    assert len(seen["node"]["sessions"]["edges"]) == 2
    assert unseen["node"] is None


async def test_a_client_removed_from_the_practice_is_gone_from_its_series_too(api, world):
    # Found by the outside attack: deleteClient detached the practice's sessions ("Deleted Client")
    # but left the series naming the client, so the series still told who had those sessions.
    clock.freeze(utc(2030, 1, 1, 8))
    admin = await world.admin()
    org = await world.organisation()
    member = await world.user(Role.CLIENT, organisation=org)  # held elsewhere: the profile stays
    org_admin = await world.user(Role.ORG_ADMIN, organisation=org)
    coach, service = await setup_coach(api, world)
    await api.ok(GRANT, {"input": {"clientId": member.client_id, "amount": 2}}, admin.token)
    await api.ok(GRANT_ORG, {"input": {"organisationId": org, "amount": 2}}, admin.token)
    booked = await api.ok(
        BOOK_SERIES, {"i": {"serviceId": service, "firstStartsAt": "2030-01-07T10:00:00Z", "count": 2}}, member.token
    )
    series = booked["bookSeries"]["series"]
    first = series["sessions"]["edges"][0]["node"]["id"]
    cancelled = await api.ok(CANCEL, {"i": {"sessionId": first, "scope": "THIS_AND_FOLLOWING"}}, coach.token)
    assert cancelled["cancelSession"]["userErrors"] == []
    removed = await api.ok(
        "mutation($i: DeleteClientInput!) { deleteClient(input: $i) { userErrors { code field message } } }",
        {"i": {"clientId": member.client_id}},
        coach.token,
    )
    assert removed["deleteClient"]["userErrors"] == []

    query = """query($id: ID!) { node(id: $id) { ... on SessionSeries { client { id name }
      sessions { edges { node { clientName } } } } } }"""
    for viewer in (admin, org_admin):
        seen = (await api.ok(query, {"id": series["id"]}, viewer.token))["node"]
        assert [e["node"]["clientName"] for e in seen["sessions"]["edges"]] == ["Deleted Client"] * 2
        assert seen["client"] is None, viewer.role


async def test_a_series_is_seen_and_cancelled_only_by_who_may_see_its_sessions(api, world):
    # The outside attack's read paths (node, nodes, Session.series) and this-and-following for every
    # role: each outsider reads null and cancels nothing, and the tables and the outbox stay as they were.
    clock.freeze(utc(2030, 1, 1, 8))
    admin = await world.admin()
    org_a, org_b = await world.organisation("A"), await world.organisation("B")
    member = await world.user(Role.CLIENT, organisation=org_a)
    other_client = await world.user(Role.CLIENT, organisation=org_b)
    org_admin_a = await world.user(Role.ORG_ADMIN, organisation=org_a)
    org_admin_b = await world.user(Role.ORG_ADMIN, organisation=org_b)
    coach, service = await setup_coach(api, world)
    stranger, _ = await setup_coach(api, world)
    internal, _ = await setup_coach(api, world, kind=CoachKind.INTERNAL, organisation=org_a)
    key = await api.ok(
        "mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret userErrors { code } } }",
        {"i": {"name": "Partner sync"}},
        org_admin_a.token,
    )
    api_key_a = dataclasses.replace(org_admin_a, token=key["createApiKey"]["secret"])
    await api.ok(GRANT, {"input": {"clientId": member.client_id, "amount": 3}}, admin.token)
    await api.ok(GRANT_ORG, {"input": {"organisationId": org_a, "amount": 3}}, admin.token)
    booked = await api.ok(
        BOOK_SERIES, {"i": {"serviceId": service, "firstStartsAt": "2030-01-07T10:00:00Z", "count": 3}}, member.token
    )
    series_id = booked["bookSeries"]["series"]["id"]
    first = booked["bookSeries"]["series"]["sessions"]["edges"][0]["node"]["id"]
    reads = """query($s: ID!, $o: ID!) { node(id: $s) { id } nodes(ids: [$s]) { id }
      occurrence: node(id: $o) { ... on Session { series { id } } } }"""

    insiders = {"admin": admin, "coach": coach, "client": member, "org admin A": org_admin_a, "key A": api_key_a}
    outsiders = {
        "another coach": stranger,
        "an INTERNAL coach of A": internal,
        "another client": other_client,
        "org admin B": org_admin_b,
    }
    for who, actor in insiders.items():
        seen = await api.ok(reads, {"s": series_id, "o": first}, actor.token)
        assert seen == {
            "node": {"id": series_id},
            "nodes": [{"id": series_id}],
            "occurrence": {"series": {"id": series_id}},
        }, who
    for who, actor in outsiders.items():
        unseen = await api.ok(reads, {"s": series_id, "o": first}, actor.token)
        assert unseen == {"node": None, "nodes": [None], "occurrence": None}, who

    outbox_before = await models.OutboxJob.all().count()
    answers = {}
    for who, actor in {**outsiders, "org admin A": org_admin_a, "key A": api_key_a}.items():
        body = await api(CANCEL, {"i": {"sessionId": first, "scope": "THIS_AND_FOLLOWING"}}, actor.token)
        payload = (body.get("data") or {}).get("cancelSession")
        answers[who] = payload["userErrors"][0]["code"] if payload else body["errors"][0]["extensions"]["code"]
    assert answers == {
        "another coach": "NOT_FOUND",
        "an INTERNAL coach of A": "NOT_FOUND",
        "another client": "NOT_FOUND",
        "org admin B": "FORBIDDEN",
        "org admin A": "FORBIDDEN",
        "key A": "FORBIDDEN",
    }
    assert await models.Session.filter(status="CONFIRMED").count() == 3
    assert await models.OutboxJob.all().count() == outbox_before
    assert (await models.CreditPool.get(client__user__email=member.email)).balance == 0
    await assert_ledger_balances()
