"""The My Clients page: every column, and a fixed number of SQL statements whatever its size."""

from datetime import timedelta

import pytest

from domain import categories, clock
from models import CoachClient
from tests.support.booking import BOOK, record, setup_coach
from tests.support.clients import PAGE
from tests.support.credits import GRANT
from tests.support.database import StatementCounter
from tests.support.dates import utc

NOW = utc(2030, 3, 1, 12)


@pytest.fixture
async def caseload(api, world):
    """A coach with 50 clients, each with a past session, some with credits and an upcoming one."""
    clock.freeze(NOW)
    admin = await world.admin()
    coach, service = await setup_coach(api, world)
    _other, _other_service = await setup_coach(api, world)
    clients = [await world.client_of(coach, name=f"Client {i:02d}") for i in range(50)]
    for i, client_id in enumerate(clients[:10]):
        await record(api, coach, service, client_id, NOW - timedelta(days=i + 1))
        await api.ok(GRANT, {"input": {"clientId": client_id, "amount": 3}}, admin.token)
        await api.ok(
            BOOK,
            {
                "i": {
                    "serviceId": service,
                    "clientId": client_id,
                    "startsAt": (NOW + timedelta(days=1, hours=i)).isoformat(),
                }
            },
            coach.token,
        )
        await api.ok(
            "mutation($i: SendMessageInput!) { sendMessage(input: $i) { userErrors { code } } }",
            {"i": {"clientId": client_id, "body": f"See you, {i}"}},
            coach.token,
        )
    await categories.recalculate_pairs([(r.coach_id, r.client_id) for r in await CoachClient.all()])
    return coach, service, clients


async def test_every_column_of_the_page(api, caseload):
    coach, service, _ = caseload
    data = await api.ok(PAGE, {"first": 3, "s": service}, coach.token)
    first = data["myClients"]["edges"][0]["node"]
    assert first["name"] == "Client 00"
    assert first["category"] == "BOOKED"
    assert first["creditsAvailable"] == 2
    assert first["lastSession"] == {"startsAt": "2030-02-28T12:00:00+00:00", "status": "COMPLETED"}
    assert first["nextSession"] == {"startsAt": "2030-03-02T12:00:00+00:00", "status": "CONFIRMED"}
    assert first["stats"]["totalSessions"] == 2 and first["stats"]["completedSessions"] == 1
    assert first["sessionsLast90Days"] == 1  # the one held; the confirmed one is still ahead
    assert first["eligibility"] == {"eligible": True, "reasons": []}
    assert first["bookedWithOthers"] is False
    assert first["lastMessage"]["body"] == "See you, 0"
    assert first["milestones"] == ["FIRST_SESSION"]  # one session held, a relationship days old
    assert data["myClients"]["totalCount"] == 50
    # A client with no session held, no message and no credits reads as such on the same page
    last = (await api.ok(PAGE, {"first": 50, "s": service}, coach.token))["myClients"]["edges"][-1]["node"]
    assert last["lastSession"] is None and last["lastMessage"] is None and last["milestones"] == []
    assert last["sessionsLast90Days"] == 0
    assert last["stats"]["totalSessions"] == 0 and last["stats"]["cancellationRate"] == 0.0


EVERYONE_SINCE = {"from": "2000-01-01"}


@pytest.mark.parametrize(
    "filter_, order",
    [
        (None, None),
        ({"minSessionsLast90Days": 0, "relationshipSince": EVERYONE_SINCE}, None),
        (None, {"field": "RELATIONSHIP_SINCE", "direction": "DESC"}),
        (None, {"field": "SESSIONS_LAST_90_DAYS", "direction": "DESC"}),
        (
            {"minSessionsLast90Days": 0, "anyOf": ["ACTIVE"], "search": "client", "relationshipSince": EVERYONE_SINCE},
            {"field": "SESSIONS_LAST_90_DAYS", "direction": "ASC"},
        ),
        ({"serviceIds": "SERVICE", "minSessionsLast90Days": 1}, {"field": "CATEGORY", "direction": "ASC"}),
    ],
    ids=["plain", "relationship filters", "since order", "engagement order", "all at once", "by service"],
)
async def test_a_page_of_50_costs_the_same_statements_as_a_page_of_5(api, caseload, monkeypatch, filter_, order):
    coach, service, _ = caseload
    if filter_ and filter_.get("serviceIds") == "SERVICE":
        filter_ = {**filter_, "serviceIds": [service]}  # the ten clients with sessions
    variables = {"s": service, "filter": filter_, **({"order": order} if order else {})}
    await api.ok(PAGE, {**variables, "first": 5}, coach.token)  # warm caches (prepared statements)

    counter = StatementCounter(monkeypatch)
    small = await api.ok(PAGE, {**variables, "first": 5}, coach.token)
    five = counter.count
    counter.count = 0
    large = await api.ok(PAGE, {**variables, "first": 50}, coach.token)
    fifty = counter.count

    total = large["myClients"]["totalCount"]
    assert total == (10 if filter_ and "serviceIds" in filter_ else 50)
    assert len(small["myClients"]["edges"]) == 5 and len(large["myClients"]["edges"]) == total
    assert five == fifty, (five, fifty)
    assert fifty <= 6, fifty  # viewer, count, page, service, session summaries, last messages
