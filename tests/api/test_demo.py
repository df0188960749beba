"""The demo practice (`caseload serve --demo`, `make run`): right after seeding a fresh database,
every part of the My Clients page and the dashboard has something to show, for the GLOBAL and the
INTERNAL demo coach, and every demo login signs in with its role."""

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

import models
from app import seed
from domain import clock
from tests.support.api import LOGIN
from tests.support.database import assert_pools_match_ledger

CATEGORIES = {"BOOKED", "PREVIOUSLY_BOOKED_0_14", "PREVIOUSLY_BOOKED_14_30", "PREVIOUSLY_BOOKED_30_PLUS", "PROSPECTIVE"}
REASONS = {
    "CLIENT_INACTIVE",
    "ORGANISATION_INACTIVE",
    "OUTSIDE_BOOKING_PERIOD",
    "NO_CLIENT_CREDITS",
    "NO_ORGANISATION_CREDITS",
}

COACH_VIEW = """{
  dashboard {
    categoryCounts { category count }
    recommendedActions { kind count filter { categories } }
    upcomingSessions { status startsAt clientName }
    pendingActions { kind client { name } }
  }
  myClients(first: 50) {
    totalCount
    edges { node { name category eligibility { eligible reasons } creditsAvailable
      lastSession { status startsAt } nextSession { status startsAt } } }
  }
  conversations(unreadOnly: true) { edges { node { unreadCount client { name } } } }
}"""
COACH_SESSIONS = """{
  sessions(first: 60) { edges { node { status startsAt cancellation { late refund cancelledBy } proposals { status proposedBy } notes { sharedWithClient } feedback { rating } } } }
}"""


async def login(api, name: str) -> str:
    return await sign_in(api, *seed.LOGINS[name])


async def sign_in(api, email: str, password: str) -> str:
    data = await api.ok(LOGIN, {"e": email, "p": password})
    assert data["login"]["token"], data
    return data["login"]["token"]


async def coach_view(api, name: str) -> dict:
    token = await login(api, name)
    return await api.ok(COACH_VIEW, token=token) | await api.ok(COACH_SESSIONS, token=token)


def summary(view: dict) -> dict:
    clients = [e["node"] for e in view["myClients"]["edges"]]
    return {
        "counts": {c["category"]: c["count"] for c in view["dashboard"]["categoryCounts"]},
        "prompts": {a["kind"]: a["count"] for a in view["dashboard"]["recommendedActions"]},
        "pending": {p["kind"] for p in view["dashboard"]["pendingActions"]},
        "upcoming": view["dashboard"]["upcomingSessions"],
        "eligible": [c["name"] for c in clients if c["eligibility"]["eligible"]],
        "reasons": {r for c in clients for r in c["eligibility"]["reasons"]},
        "unread": sum(e["node"]["unreadCount"] for e in view["conversations"]["edges"]),
        "clients": clients,
        "sessions": [e["node"] for e in view["sessions"]["edges"]],
    }


# Today as a Saturday night (the next working day is Monday), a Monday morning, the Sunday
# clocks go back in London, and whatever today is.
DAYS = [
    datetime(2030, 3, 2, 23, 30, tzinfo=UTC),
    datetime(2030, 3, 4, 7, 0, tzinfo=UTC),
    datetime(2030, 10, 27, 1, 30, tzinfo=UTC),
    None,
]


@pytest.mark.parametrize("today", DAYS, ids=["saturday-night", "monday-morning", "dst-sunday", "today"])
async def test_the_demo_coach_sees_every_part_of_the_my_clients_page(api, today):
    if today is not None:
        clock.freeze(today)

    assert await seed.seed_if_empty()
    view = summary(await coach_view(api, "coach"))  # no worker has run: the seed set the categories

    assert set(view["counts"]) == CATEGORIES and all(n > 0 for n in view["counts"].values()), view["counts"]
    assert view["prompts"]["FOLLOW_UP_RECENT"] > 0 and view["prompts"]["RE_ENGAGE_OLDER"] > 0
    assert view["pending"] == {
        "CONFIRM_BOOKING",
        "RESPOND_TO_PROPOSAL",
        "UNREAD_MESSAGE",
        "REVIEW_FEEDBACK",
        "ADD_SESSION_NOTES",
    }
    assert {s["status"] for s in view["upcoming"]} == {"CONFIRMED", "PENDING"}
    assert all(datetime.fromisoformat(s["startsAt"]) > clock.now() for s in view["upcoming"])
    assert view["eligible"], "no eligible client"
    assert view["reasons"] == REASONS  # every reason, each on a client of its own
    assert view["unread"] >= 3

    # Each client's category agrees with their last and next session (the rules, read back).
    for client in view["clients"]:
        last, upcoming = client["lastSession"], client["nextSession"]
        if client["category"] == "BOOKED":
            assert upcoming and upcoming["status"] == "CONFIRMED", client
        elif client["category"] == "PROSPECTIVE":
            assert last is None, client
        else:
            days = (clock.now() - datetime.fromisoformat(last["startsAt"])).days
            low, high = {"PREVIOUSLY_BOOKED_0_14": (0, 13), "PREVIOUSLY_BOOKED_14_30": (14, 29)}.get(
                client["category"], (30, 10_000)
            )
            assert low <= days <= high, client

    # Sessions of every kind: held, missed, to come, waiting, cancelled late (credits kept) and in time (refunded).
    sessions = view["sessions"]
    assert {s["status"] for s in sessions} == {"COMPLETED", "NO_SHOW", "CONFIRMED", "PENDING", "CANCELLED"}
    cancellations = {(s["cancellation"]["late"], s["cancellation"]["refund"]) for s in sessions if s["cancellation"]}
    assert cancellations == {(True, "NOT_REFUNDABLE"), (False, "REFUNDED")}
    proposals = {(p["status"], p["proposedBy"]) for s in sessions for p in s["proposals"]}
    assert {("OPEN", "CLIENT"), ("OPEN", "COACH")} <= proposals
    assert {n["sharedWithClient"] for s in sessions for n in s["notes"]} == {True, False}
    assert any(s["feedback"] for s in sessions)
    await assert_pools_match_ledger()


MAYA = """{
  sessions(first: 20) { edges { node { id status startsAt
    series { id intervalWeeks service { name } sessions(first: 10) { edges { node { id status startsAt } } } } } } }
  conversations(first: 5) { edges { node { coach { name }
    messages(first: 20) { edges { node { sender body automatic sentAt } } } } } }
}"""
CHRIS = "{ viewer { coach { autoReply responseTimeHours timeOff { startsAt endsAt } } } }"
COACHES_AS_CLIENT = """{ coaches(first: 10) { edges { node { name responseTimeHours
  publicReviews { totalCount edges { node { rating comment response reviewerName } } } } } } }"""


@pytest.mark.parametrize("today", DAYS, ids=["saturday-night", "monday-morning", "dst-sunday", "today"])
async def test_the_demo_shows_a_series_an_automatic_reply_and_a_review_with_its_response(api, today):
    if today is not None:
        clock.freeze(today)
    assert await seed.seed_if_empty()
    london = ZoneInfo("Europe/London")

    # Maya's weekly series: four sessions to come, at the same London time a week apart.
    maya = await api.ok(MAYA, token=await sign_in(api, "maya.patel@example.com", seed.CLIENT_PASSWORD))
    sessions = [e["node"] for e in maya["sessions"]["edges"]]
    in_series = [s for s in sessions if s["series"]]
    assert len({s["series"]["id"] for s in in_series}) == 1, in_series
    series = in_series[0]["series"]
    assert series["intervalWeeks"] == 1 and series["service"]["name"] == "Coaching session"
    occurrences = [e["node"] for e in series["sessions"]["edges"]]
    assert sorted(s["id"] for s in occurrences) == sorted(s["id"] for s in in_series)  # Session.series, both ways
    assert [s["status"] for s in occurrences] == ["CONFIRMED"] * 4
    starts = [datetime.fromisoformat(s["startsAt"]).astimezone(london) for s in occurrences]
    assert starts[0] > clock.now()
    assert [b.date() - a.date() for a, b in pairwise(starts)] == [timedelta(weeks=1)] * 3
    assert {s.time() for s in starts} == {starts[0].time()}

    # Maya wrote during Chris's time off: his auto-reply answered her, marked automatic.
    chris = (await api.ok(CHRIS, token=await login(api, "coach")))["viewer"]["coach"]
    assert chris["autoReply"] and chris["responseTimeHours"] == 24
    (conversation,) = [e["node"] for e in maya["conversations"]["edges"] if e["node"]["coach"]["name"] == "Chris Coach"]
    thread = list(reversed([e["node"] for e in conversation["messages"]["edges"]]))  # oldest first
    automatic = [i for i, m in enumerate(thread) if m["automatic"]]
    assert len(automatic) == 1, thread
    reply, asked = thread[automatic[0]], thread[automatic[0] - 1]
    assert reply["sender"] == "COACH" and reply["body"] == chris["autoReply"]
    assert asked["sender"] == "CLIENT" and not asked["automatic"]
    sent = datetime.fromisoformat(asked["sentAt"])
    assert any(
        datetime.fromisoformat(t["startsAt"]) <= sent < datetime.fromisoformat(t["endsAt"]) for t in chris["timeOff"]
    )
    assert not any(m["automatic"] for m in thread if m is not reply)

    # A client sees Chris's promised response time and his public review with his response.
    coaches = await api.ok(COACHES_AS_CLIENT, token=await login(api, "client"))
    (listed,) = [e["node"] for e in coaches["coaches"]["edges"] if e["node"]["name"] == "Chris Coach"]
    assert listed["responseTimeHours"] == 24
    reviews = listed["publicReviews"]
    assert reviews["totalCount"] == 1  # Ana's feedback was not for publishing
    review = reviews["edges"][0]["node"]
    assert review["reviewerName"] == "Casey C." and review["rating"] == 5
    assert review["comment"] and review["response"]


async def test_the_internal_coach_has_a_practice_of_her_own(api):
    assert await seed.seed_if_empty()
    view = summary(await coach_view(api, "internal"))

    assert set(view["counts"]) == CATEGORIES and all(n > 0 for n in view["counts"].values()), view["counts"]
    assert view["prompts"]["FOLLOW_UP_RECENT"] > 0 and view["prompts"]["RE_ENGAGE_OLDER"] > 0
    assert {"CONFIRM_BOOKING", "UNREAD_MESSAGE"} <= view["pending"]
    assert view["upcoming"]
    assert view["eligible"]
    # Her clients are all Northwind's: what makes one ineligible is the client, not the organisation.
    assert view["reasons"] == {"CLIENT_INACTIVE", "NO_CLIENT_CREDITS"}
    assert view["unread"] >= 1


async def test_every_demo_login_signs_in_with_its_role_and_finds_its_part(api):
    assert await seed.seed_if_empty()
    roles = {}
    for name in seed.LOGINS:
        data = await api.ok("{ viewer { role } }", token=await login(api, name))
        roles[name] = data["viewer"]["role"]
    assert roles == {
        "admin": "ADMIN",
        "orgadmin": "ORG_ADMIN",
        "coach": "COACH",
        "internal": "COACH",
        "client": "CLIENT",
    }

    organisation = (
        await api.ok(
            "{ organisation { name active bookingPeriod { startsOn endsOn } creditPool { balance } memberCount } }",
            token=await login(api, "orgadmin"),
        )
    )["organisation"]
    assert organisation["name"] == "Northwind Health" and organisation["active"]
    assert (
        organisation["bookingPeriod"]["startsOn"]
        < clock.now().date().isoformat()
        < organisation["bookingPeriod"]["endsOn"]
    )
    assert organisation["creditPool"]["balance"] > 0 and organisation["memberCount"] >= 5

    client = await api.ok(
        """{ viewer { client { creditsAvailable eligibility { eligible } goals { title actionItems { done } } milestones } }
             notifications(unreadOnly: true) { edges { node { kind } } }
             conversations(unreadOnly: true) { edges { node { unreadCount } } }
             sessions(first: 50) { edges { node { status proposals { status proposedBy } notes { sharedWithClient } } } } }""",
        token=await login(api, "client"),
    )
    me = client["viewer"]["client"]
    assert me["creditsAvailable"] > 0 and me["eligibility"]["eligible"]
    assert {item["done"] for goal in me["goals"] for item in goal["actionItems"]} == {True, False}
    assert "FIRST_SESSION" in me["milestones"]
    assert client["notifications"]["edges"] and client["conversations"]["edges"]
    sessions = [e["node"] for e in client["sessions"]["edges"]]
    assert {("OPEN", "COACH")} <= {(p["status"], p["proposedBy"]) for s in sessions for p in s["proposals"]}
    assert {n["sharedWithClient"] for s in sessions for n in s["notes"]} == {True}  # private notes stay private


async def test_seeding_twice_does_nothing_the_second_time(api):
    assert await seed.seed_if_empty()
    tables = (models.User, models.Client, models.Session, models.CreditTransaction, models.Message, models.Note)
    before = [await table.all().count() for table in tables]

    assert not await seed.seed_if_empty()

    assert [await table.all().count() for table in tables] == before
    await assert_pools_match_ledger()
