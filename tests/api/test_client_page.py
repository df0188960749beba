"""The My Clients page: every column, and a fixed number of SQL statements whatever its size."""

from datetime import timedelta

import asyncpg
import pytest

from domain import categories, clock
from models import CoachClient
from tests.api.test_booking import BOOK, setup_coach, utc
from tests.api.test_credits import GRANT
from tests.workers.test_categories import record

NOW = utc(2030, 3, 1, 12)
PAGE = """query($first: Int!, $s: ID) { myClients(first: $first, orderBy: {field: NAME, direction: ASC}) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { cursor node {
    id name email tags category creditsAvailable relationshipSince milestones bookedWithOthers lastMessage { body sentAt }
    eligibility(serviceId: $s) { eligible reasons }
    lastSession { startsAt status } nextSession { startsAt status }
    stats { totalSessions completedSessions cancelledSessions noShows cancellationRate lastSessionAt nextSessionAt
            totalRevenue { amountMinor currency } }
  } }
} }"""


class StatementCounter:
    """Counts the statements asyncpg sends (every query path ends in one of these methods)."""

    METHODS = ("execute", "executemany", "fetch", "fetchrow", "fetchval")

    def __init__(self, monkeypatch):
        self.count = 0
        for name in self.METHODS:
            original = getattr(asyncpg.connection.Connection, name)
            monkeypatch.setattr(asyncpg.connection.Connection, name, self._counting(original))

    def _counting(self, original):
        async def counted(connection, *args, **kwargs):
            self.count += 1
            return await original(connection, *args, **kwargs)

        return counted


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
        await api.ok(BOOK, {"i": {"serviceId": service, "clientId": client_id,
                                  "startsAt": (NOW + timedelta(days=1, hours=i)).isoformat()}}, coach.token)
        await api.ok("mutation($i: SendMessageInput!) { sendMessage(input: $i) { userErrors { code } } }",
                     {"i": {"clientId": client_id, "body": f"See you, {i}"}}, coach.token)
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
    assert first["eligibility"] == {"eligible": True, "reasons": []}
    assert first["bookedWithOthers"] is False
    assert first["lastMessage"]["body"] == "See you, 0"
    assert first["milestones"] == ["FIRST_SESSION"]  # one session held, a relationship days old
    assert data["myClients"]["totalCount"] == 50
    # A client with no session held, no message and no credits reads as such on the same page
    last = (await api.ok(PAGE, {"first": 50, "s": service}, coach.token))["myClients"]["edges"][-1]["node"]
    assert last["lastSession"] is None and last["lastMessage"] is None and last["milestones"] == []
    assert last["stats"]["totalSessions"] == 0 and last["stats"]["cancellationRate"] == 0.0


async def test_a_page_of_50_costs_the_same_statements_as_a_page_of_5(api, caseload, monkeypatch):
    coach, service, _ = caseload
    await api.ok(PAGE, {"first": 5, "s": service}, coach.token)  # warm caches (prepared statements)

    counter = StatementCounter(monkeypatch)
    small = await api.ok(PAGE, {"first": 5, "s": service}, coach.token)
    five = counter.count
    counter.count = 0
    large = await api.ok(PAGE, {"first": 50, "s": service}, coach.token)
    fifty = counter.count

    assert len(small["myClients"]["edges"]) == 5 and len(large["myClients"]["edges"]) == 50
    assert five == fifty, (five, fifty)
    assert fifty <= 6, fifty  # viewer, count, page, service, session summaries, last messages
