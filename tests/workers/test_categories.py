"""Client categories, pinned at each boundary, and kept current by the worker and the cron."""

from datetime import timedelta

import pytest

import models
from domain import categories, clock
from models.enums import Role
from schema.node import uuid_of
from tests.support.booking import BOOK, CANCEL, record, setup_coach
from tests.support.credits import GRANT
from tests.support.dates import utc
from tests.support.workers import run_worker

CATEGORY = "query($id: ID!) { client(id: $id) { category } }"
NOW = utc(2030, 3, 1, 12)


async def category(api, coach, client_id) -> str:
    return (await api.ok(CATEGORY, {"id": client_id}, coach.token))["client"]["category"]


async def recalculated(api, coach, client_id) -> str:
    await categories.recalculate_pairs([(uuid_of(coach.coach_id, "Coach"), uuid_of(client_id, "Client"))])
    return await category(api, coach, client_id)


@pytest.mark.parametrize(
    "age, expected",
    [
        (timedelta(days=13, hours=23), "PREVIOUSLY_BOOKED_0_14"),
        (timedelta(days=14), "PREVIOUSLY_BOOKED_14_30"),
        (timedelta(days=29, hours=23), "PREVIOUSLY_BOOKED_14_30"),
        (timedelta(days=30), "PREVIOUSLY_BOOKED_30_PLUS"),
    ],
)
async def test_boundaries_of_the_last_session(api, world, age, expected):
    clock.freeze(NOW)
    coach, service = await setup_coach(api, world)
    client_id = await world.client_of(coach)
    await record(api, coach, service, client_id, NOW - age)
    assert await recalculated(api, coach, client_id) == expected


@pytest.mark.parametrize(
    "status, expected",
    [
        ("NO_SHOW", "PREVIOUSLY_BOOKED_0_14"),  # a no-show counts as a session had
        ("CANCELLED", "PROSPECTIVE"),  # a cancelled one does not
    ],
)
async def test_no_show_counts_cancelled_does_not(api, world, status, expected):
    clock.freeze(NOW)
    coach, service = await setup_coach(api, world)
    client_id = await world.client_of(coach)
    await record(api, coach, service, client_id, NOW - timedelta(days=2), status)
    assert await recalculated(api, coach, client_id) == expected


async def test_booked_needs_a_confirmed_future_session_and_pending_does_not_count(api, world):
    clock.freeze(NOW)
    admin = await world.admin()
    member = await world.user(Role.CLIENT)
    coach, service = await setup_coach(api, world, auto_confirm=False)
    await api.ok(GRANT, {"input": {"clientId": member.client_id, "amount": 2}}, admin.token)
    await api.ok(BOOK, {"i": {"serviceId": service, "startsAt": (NOW + timedelta(days=2)).isoformat()}}, member.token)
    assert await recalculated(api, coach, member.client_id) == "PROSPECTIVE"  # pending only

    await api.ok(
        BOOK,
        {"i": {"serviceId": service, "clientId": member.client_id, "startsAt": (NOW + timedelta(days=3)).isoformat()}},
        coach.token,
    )
    assert await recalculated(api, coach, member.client_id) == "BOOKED"  # a coach's booking is confirmed


async def test_sessions_with_another_coach_only_leave_the_relationship_prospective(api, world):
    clock.freeze(NOW)
    coach, _service = await setup_coach(api, world)
    other, other_service = await setup_coach(api, world)
    client_id = await world.client_of(coach)
    row = await models.Client.get(id=uuid_of(client_id, "Client"))
    from domain.clients import ensure_relationship

    await ensure_relationship(uuid_of(other.coach_id, "Coach"), row.id)
    await record(api, other, other_service, client_id, NOW - timedelta(days=1))
    assert await recalculated(api, coach, client_id) == "PROSPECTIVE"
    assert await recalculated(api, other, client_id) == "PREVIOUSLY_BOOKED_0_14"


async def test_worker_recalculates_after_a_change_and_the_cron_moves_across_the_14_day_line(api, world, test_settings):
    clock.freeze(NOW)
    admin = await world.admin()
    coach, service = await setup_coach(api, world)
    client_id = await world.client_of(coach)
    await api.ok(GRANT, {"input": {"clientId": client_id, "amount": 1}}, admin.token)

    # A booking (through the API, its job through a real worker) makes the client BOOKED.
    booked = await api.ok(
        BOOK,
        {"i": {"serviceId": service, "clientId": client_id, "startsAt": (NOW + timedelta(days=1)).isoformat()}},
        coach.token,
    )
    await run_worker(test_settings)
    assert await category(api, coach, client_id) == "BOOKED"
    # Cancelling it makes them PROSPECTIVE again, through the worker too.
    await api.ok(CANCEL, {"i": {"sessionId": booked["bookSession"]["session"]["id"]}}, coach.token)
    await run_worker(test_settings)
    assert await category(api, coach, client_id) == "PROSPECTIVE"

    # History: a session 13 days ago. No request and no event from here on, only the clock and the cron.
    await record(api, coach, service, client_id, NOW - timedelta(days=13))
    await run_worker(test_settings)
    assert await category(api, coach, client_id) == "PREVIOUSLY_BOOKED_0_14"
    relationship = await models.CoachClient.get(client_id=uuid_of(client_id, "Client"))
    assert relationship.category_valid_until == NOW + timedelta(days=1)

    clock.advance(timedelta(hours=23, minutes=59))
    assert await categories.recalculate_expired() == 0  # not yet
    clock.advance(timedelta(minutes=1))
    assert await categories.recalculate_expired() == 1
    assert await category(api, coach, client_id) == "PREVIOUSLY_BOOKED_14_30"
    assert await categories.recalculate_expired() == 0  # set-based, and only what changed
