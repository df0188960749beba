"""Goals and action items, milestones, and an organisation's usage."""

from datetime import timedelta

from domain import clock
from models.enums import Role
from tests.support.booking import BOOK, CANCEL, COMPLETE, record, setup_coach
from tests.support.credits import GRANT, GRANT_ORG
from tests.support.dates import utc
from tests.support.workers import run_worker

NOW = utc(2030, 3, 1, 12)
CREATE = """mutation($i: CreateGoalInput!) { createGoal(input: $i) { goal { id title status } userErrors { code field } } }"""
ADD = """mutation($i: AddActionItemInput!) { addActionItem(input: $i) { actionItem { id title done session { id } } userErrors { code field } } }"""


async def test_goals_are_seen_by_the_coach_who_set_them_and_the_client(api, world):
    clock.freeze(NOW)
    coach, _service = await setup_coach(api, world)
    other_coach, _ = await setup_coach(api, world)
    member = await world.user(Role.CLIENT)
    from domain.clients import ensure_relationship
    from schema.node import uuid_of

    for c in (coach, other_coach):
        await ensure_relationship(uuid_of(c.coach_id, "Coach"), uuid_of(member.client_id, "Client"))

    goal = await api.ok(
        CREATE, {"i": {"clientId": member.client_id, "title": "Run 5 km", "targetDate": "2030-06-01"}}, coach.token
    )
    goal_id = goal["createGoal"]["goal"]["id"]
    blank = await api.ok(CREATE, {"i": {"clientId": member.client_id, "title": " "}}, coach.token)
    assert blank["createGoal"]["userErrors"] == [{"code": "INVALID", "field": ["input", "title"]}]
    item = await api.ok(ADD, {"i": {"goalId": goal_id, "title": "Buy shoes"}}, coach.token)
    item_id = item["addActionItem"]["actionItem"]["id"]
    done = await api.ok(
        "mutation($i: SetActionItemDoneInput!) { setActionItemDone(input: $i) { actionItem { done } } }",
        {"i": {"actionItemId": item_id, "done": True}},
        member.token,
    )  # the client ticks it off
    assert done["setActionItemDone"]["actionItem"]["done"] is True

    query = "query($id: ID!) { client(id: $id) { goals { title actionItems { title done } } } }"
    assert (await api.ok(query, {"id": member.client_id}, member.token))["client"]["goals"] == [
        {"title": "Run 5 km", "actionItems": [{"title": "Buy shoes", "done": True}]}
    ]
    assert (await api.ok(query, {"id": member.client_id}, other_coach.token))["client"]["goals"] == []
    refused = await api.ok(
        "mutation($i: UpdateGoalInput!) { updateGoal(input: $i) { userErrors { code } } }",
        {"i": {"goalId": goal_id, "status": "DROPPED"}},
        other_coach.token,
    )
    assert refused["updateGoal"]["userErrors"] == [{"code": "NOT_FOUND"}]


async def test_milestones_follow_sessions_held_and_the_relationship_age(api, world):
    clock.freeze(NOW)
    coach, service = await setup_coach(api, world)
    client_id = await world.client_of(coach)
    query = "query($id: ID!) { client(id: $id) { milestones } }"
    assert (await api.ok(query, {"id": client_id}, coach.token))["client"]["milestones"] == []
    for week in range(10):
        await record(api, coach, service, client_id, NOW - timedelta(weeks=week + 1))
    assert (await api.ok(query, {"id": client_id}, coach.token))["client"]["milestones"] == [
        "FIRST_SESSION",
        "TEN_SESSIONS",
    ]
    clock.freeze(NOW + timedelta(days=366))
    assert (await api.ok(query, {"id": client_id}, coach.token))["client"]["milestones"] == [
        "FIRST_SESSION",
        "TEN_SESSIONS",
        "SIX_MONTHS",
        "ONE_YEAR",
    ]


async def test_an_organisations_usage_equals_what_its_sessions_say(api, world, test_settings):

    clock.freeze(NOW)
    admin = await world.admin()
    org = await world.organisation()
    org_admin = await world.user(Role.ORG_ADMIN, organisation=org)
    members = [await world.user(Role.CLIENT, organisation=org) for _ in range(3)]
    outsider = await world.user(Role.CLIENT)
    coach, service = await setup_coach(api, world, credits=2)
    await api.ok(GRANT_ORG, {"input": {"organisationId": org, "amount": 50}}, admin.token)
    for client in [*members, outsider]:
        await api.ok(GRANT, {"input": {"clientId": client.client_id, "amount": 10}}, admin.token)
    book = lambda who, start: api.ok(BOOK, {"i": {"serviceId": service, "startsAt": start}}, who.token)  # noqa: E731
    a = (await book(members[0], "2030-03-02T09:00:00Z"))["bookSession"]["session"]["id"]
    b = (await book(members[1], "2030-03-02T11:00:00Z"))["bookSession"]["session"]["id"]
    await book(members[1], "2030-03-03T09:00:00Z")
    await book(outsider, "2030-03-02T13:00:00Z")  # not a member: not counted
    await api.ok(CANCEL, {"i": {"sessionId": b}}, coach.token)  # by the coach: refunded
    await run_worker(test_settings)  # the refund
    clock.freeze(utc(2030, 3, 2, 10, 30))
    await api.ok(COMPLETE, {"i": {"sessionId": a}}, coach.token)

    usage = "query($id: ID, $f: DateTime, $t: DateTime) { organisation(id: $id) { usage(from: $f, to: $t) { sessionsBooked sessionsCompleted sessionsCancelled creditsSpent activeMembers } } }"
    whole = await api.ok(usage, {"id": org}, org_admin.token)
    # 3 member sessions; 1 completed; 1 cancelled and refunded; 2 live sessions x 2 credits x 2 pools = 8 credits;
    # 2 members with a session not cancelled.
    assert whole["organisation"]["usage"] == {
        "sessionsBooked": 3,
        "sessionsCompleted": 1,
        "sessionsCancelled": 1,
        "creditsSpent": 8,
        "activeMembers": 2,
    }
    first_day = await api.ok(
        usage, {"id": org, "f": "2030-03-02T00:00:00Z", "t": "2030-03-03T00:00:00Z"}, org_admin.token
    )
    assert first_day["organisation"]["usage"]["sessionsBooked"] == 2
    refused = await api(usage, {"id": org}, members[0].token)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
