"""The client guide's operations (docs/operations/*.graphql) run as written through the API: a
coach signs in, sees the dashboard, the My Clients table and a client's page, books, writes and
cancels, and a client's late cancellation reads as the guide says (credits kept)."""

from datetime import timedelta
from pathlib import Path

from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse, print_ast

from domain import categories, clock
from models import CoachClient
from models.enums import Role
from tests.support.api import PASSWORD
from tests.support.booking import record, setup_coach
from tests.support.credits import GRANT
from tests.support.dates import utc

OPERATIONS = Path(__file__).resolve().parents[2] / "docs" / "operations"
NOW = utc(2030, 3, 1, 12)


def operation(name: str) -> str:
    """One named operation of the guide, with the fragments of its file that it spreads."""
    for path in sorted(OPERATIONS.glob("*.graphql")):
        definitions = parse(path.read_text()).definitions
        found = [d for d in definitions if isinstance(d, OperationDefinitionNode) and d.name and d.name.value == name]
        if found:
            text = print_ast(found[0])
            fragments = [d for d in definitions if isinstance(d, FragmentDefinitionNode)]
            used = [print_ast(f) for f in fragments if f"...{f.name.value}" in text]
            return "\n".join([text, *used])
    raise AssertionError(f"no operation {name} in docs/operations")


async def test_a_coach_runs_the_my_clients_page(api, world):
    clock.freeze(NOW)
    admin = await world.admin()
    coach, service = await setup_coach(api, world)
    client = await world.client_of(coach, name="Casey Client", email="casey@example.test", tags=["sleep"])
    await world.client_of(coach, name="Pat Prospect")
    await api.ok(GRANT, {"input": {"clientId": client, "amount": 3}}, admin.token)
    await record(api, coach, service, client, NOW - timedelta(days=3))

    signed_in = await api.ok(operation("SignIn"), {"input": {"email": coach.email, "password": PASSWORD}})
    assert signed_in["login"]["userErrors"] == [] and signed_in["login"]["user"]["role"] == "COACH"
    token = signed_in["login"]["token"]

    viewer = (await api.ok(operation("Viewer"), token=token))["viewer"]
    assert viewer["role"] == "COACH" and [s["id"] for s in viewer["coach"]["services"]] == [service]

    options = await api.ok(
        operation("BookingOptions"),
        {
            "clientId": client,
            "serviceId": service,
            "from": (NOW + timedelta(days=1)).isoformat(),
            "to": (NOW + timedelta(days=1, hours=3)).isoformat(),
        },
        token,
    )
    assert options["client"]["eligibility"] == {"eligible": True, "reasons": []}
    start = options["availableSlots"][0]["startsAt"]

    booked = (
        await api.ok(
            operation("BookSession"), {"input": {"serviceId": service, "clientId": client, "startsAt": start}}, token
        )
    )["bookSession"]
    assert booked["userErrors"] == []
    assert booked["session"]["status"] == "CONFIRMED" and booked["session"]["client"]["creditsAvailable"] == 2

    sent = (await api.ok(operation("SendMessage"), {"input": {"clientId": client, "body": "See you soon"}}, token))[
        "sendMessage"
    ]
    assert sent["userErrors"] == [] and sent["message"]["sender"] == "COACH"
    conversation = sent["message"]["conversation"]["id"]
    read = await api.ok(operation("MarkConversationRead"), {"input": {"conversationId": conversation}}, token)
    assert read["markConversationRead"]["conversation"]["unreadCount"] == 0

    await categories.recalculate_pairs([(r.coach_id, r.client_id) for r in await CoachClient.all()])

    dashboard = (await api.ok(operation("CoachDashboard"), token=token))["dashboard"]
    counts = {c["category"]: c["count"] for c in dashboard["categoryCounts"]}
    assert counts["BOOKED"] == 1 and counts["PROSPECTIVE"] == 1
    assert {a["kind"] for a in dashboard["recommendedActions"]} == {"FOLLOW_UP_RECENT", "RE_ENGAGE_OLDER"}
    assert [s["startsAt"] for s in dashboard["upcomingSessions"]] == [start]

    table = (
        await api.ok(
            operation("MyClients"),
            {"filter": {"categories": ["BOOKED"], "tags": ["sleep"]}, "serviceId": service},
            token,
        )
    )["myClients"]
    assert table["totalCount"] == 1
    row = table["edges"][0]["node"]
    assert row["name"] == "Casey Client" and row["category"] == "BOOKED" and row["creditsAvailable"] == 2
    assert row["eligibility"] == {"eligible": True, "reasons": []}
    assert row["lastSession"]["status"] == "COMPLETED" and row["nextSession"]["startsAt"] == start
    assert row["lastMessage"]["body"] == "See you soon" and row["stats"]["totalSessions"] == 2
    everyone = (await api.ok(operation("MyClients"), {"first": 1}, token))["myClients"]
    assert everyone["totalCount"] == 2 and everyone["pageInfo"]["hasNextPage"] is True
    after = everyone["pageInfo"]["endCursor"]
    rest = (await api.ok(operation("MyClients"), {"first": 1, "after": after}, token))["myClients"]
    assert [e["node"]["name"] for e in everyone["edges"] + rest["edges"]] == ["Casey Client", "Pat Prospect"]

    page = (await api.ok(operation("ClientPage"), {"id": client, "serviceId": service}, token))["client"]
    assert page["name"] == "Casey Client" and page["category"] == "BOOKED"
    assert page["sessions"]["totalCount"] == 2
    assert [e["node"]["body"] for e in page["conversation"]["messages"]["edges"]] == ["See you soon"]
    assert page["timeline"]["edges"], page["timeline"]

    cancelled = (await api.ok(operation("CancelSession"), {"input": {"sessionId": booked["session"]["id"]}}, token))[
        "cancelSession"
    ]
    assert cancelled["userErrors"] == []
    assert cancelled["session"]["cancellation"]["late"] is False
    assert cancelled["session"]["cancellation"]["refund"] == "PENDING"


async def test_a_clients_late_cancellation_keeps_the_credits(api, world):
    clock.freeze(NOW)
    admin = await world.admin()
    _coach, service = await setup_coach(api, world)  # cancellation window: 24 hours
    member = await world.user(Role.CLIENT, name="Late Larry")
    await api.ok(GRANT, {"input": {"clientId": member.client_id, "amount": 1}}, admin.token)
    start = (NOW + timedelta(hours=5)).isoformat()
    booked = (
        await api.ok(operation("BookSession"), {"input": {"serviceId": service, "startsAt": start}}, member.token)
    )["bookSession"]
    assert booked["userErrors"] == [] and booked["session"]["client"]["creditsAvailable"] == 0

    cancelled = (
        await api.ok(
            operation("CancelSession"), {"input": {"sessionId": booked["session"]["id"], "reason": "Ill"}}, member.token
        )
    )["cancelSession"]
    assert cancelled["userErrors"] == []
    assert cancelled["session"]["cancellation"] == {
        "cancelledAt": NOW.isoformat(),
        "cancelledBy": "CLIENT",
        "reason": "Ill",
        "late": True,
        "refund": "NOT_REFUNDABLE",
    }
    options = await api.ok(
        operation("BookingOptions"),
        {
            "clientId": member.client_id,
            "serviceId": service,
            "from": (NOW + timedelta(days=1)).isoformat(),
            "to": (NOW + timedelta(days=1, hours=1)).isoformat(),
        },
        member.token,
    )
    assert options["client"]["creditsAvailable"] == 0
    assert options["client"]["eligibility"] == {"eligible": False, "reasons": ["NO_CLIENT_CREDITS"]}
