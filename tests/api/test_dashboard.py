"""The coach dashboard: counts, prompts, upcoming sessions, recent activity and pending actions."""

from datetime import timedelta

import models
from domain import categories, clock
from models.enums import Role
from tests.support.booking import BOOK, record, setup_coach
from tests.support.credits import GRANT
from tests.support.dates import utc

NOW = utc(2030, 3, 1, 12)
DASHBOARD = """{ dashboard {
  categoryCounts { category count }
  recommendedActions { kind title count filter { categories } }
  upcomingSessions { status startsAt clientName }
  recentActivity(first: 5) { kind }
  pendingActions { kind client { name } session { status } proposal { status } message { body } }
} }"""


async def test_dashboard_shows_counts_prompts_and_what_waits(api, world):
    clock.freeze(NOW)
    admin = await world.admin()
    coach, service = await setup_coach(api, world, auto_confirm=False)
    recent = await world.client_of(coach, name="Recent")
    older = await world.client_of(coach, name="Older")
    await world.client_of(coach, name="New")
    await record(api, coach, service, recent, NOW - timedelta(days=3))
    await record(api, coach, service, older, NOW - timedelta(days=40))
    member = await world.user(Role.CLIENT, name="Booker")
    await api.ok(GRANT, {"input": {"clientId": member.client_id, "amount": 1}}, admin.token)
    await api.ok(BOOK, {"i": {"serviceId": service, "startsAt": (NOW + timedelta(days=1)).isoformat()}}, member.token)
    send = "mutation($i: SendMessageInput!) { sendMessage(input: $i) { userErrors { code } } }"
    await api.ok(send, {"i": {"coachId": coach.coach_id, "body": "First"}}, member.token)
    clock.advance(timedelta(minutes=1))
    await api.ok(send, {"i": {"coachId": coach.coach_id, "body": "Are you there?"}}, member.token)
    pairs = [(r.coach_id, r.client_id) for r in await models.CoachClient.all()]
    await categories.recalculate_pairs(pairs)  # what the worker does after each change

    data = (await api.ok(DASHBOARD, token=coach.token))["dashboard"]

    counts = {c["category"]: c["count"] for c in data["categoryCounts"]}
    assert counts == {
        "BOOKED": 0,
        "PREVIOUSLY_BOOKED_0_14": 1,
        "PREVIOUSLY_BOOKED_14_30": 0,
        "PREVIOUSLY_BOOKED_30_PLUS": 1,
        "PROSPECTIVE": 2,
    }  # the pending booker is not BOOKED
    prompts = {a["kind"]: (a["count"], a["filter"]["categories"]) for a in data["recommendedActions"]}
    assert prompts == {
        "FOLLOW_UP_RECENT": (1, ["PREVIOUSLY_BOOKED_0_14"]),
        "RE_ENGAGE_OLDER": (1, ["PREVIOUSLY_BOOKED_14_30", "PREVIOUSLY_BOOKED_30_PLUS"]),
    }
    assert data["upcomingSessions"] == [
        {"status": "PENDING", "startsAt": "2030-03-02T12:00:00+00:00", "clientName": "Booker"}
    ]
    kinds = sorted(p["kind"] for p in data["pendingActions"])
    assert kinds == [
        "ADD_SESSION_NOTES",
        "ADD_SESSION_NOTES",
        "CONFIRM_BOOKING",
        "UNREAD_MESSAGE",
    ]  # two past sessions without notes
    assert [p["message"]["body"] for p in data["pendingActions"] if p["message"]] == [
        "Are you there?"
    ]  # the latest unread
    assert {p["client"]["name"] for p in data["pendingActions"]} == {"Recent", "Older", "Booker"}
    assert data["recentActivity"][0]["kind"] == "MESSAGE_SENT"

    # The prompt's filter, applied to myClients, lists exactly the clients it counted.
    listed = await api.ok(
        "query($c: [ClientCategory!]) { myClients(filter: {categories: $c}) { totalCount edges { node { name } } } }",
        {"c": prompts["RE_ENGAGE_OLDER"][1]},
        coach.token,
    )
    assert [e["node"]["name"] for e in listed["myClients"]["edges"]] == ["Older"]

    refused = await api(DASHBOARD, token=member.token)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
