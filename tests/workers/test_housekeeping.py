"""Housekeeping crons: unanswered bookings lapse with a refund; old confirmed sessions complete."""

from datetime import timedelta

import models
from domain import clock
from models.enums import Role
from tests.support.booking import BOOK, setup_coach
from tests.support.credits import GRANT, assert_ledger_balances
from tests.support.dates import utc
from tests.support.workers import run_worker
from workers.housekeeping import complete_past_sessions, expire_unanswered_bookings
from workers.settings import create_queue


async def test_unanswered_booking_lapses_and_is_refunded_by_the_worker(api, world, test_settings):
    clock.freeze(utc(2030, 1, 7, 8))
    admin = await world.admin()
    member = await world.user(Role.CLIENT)
    _coach, service = await setup_coach(api, world, auto_confirm=False)
    await api.ok(GRANT, {"input": {"clientId": member.client_id, "amount": 1}}, admin.token)
    await api.ok(BOOK, {"i": {"serviceId": service, "startsAt": "2030-01-08T10:00:00Z"}}, member.token)

    assert await expire_unanswered_bookings({}) == 0  # not started yet
    clock.advance(timedelta(days=1, hours=3))
    queue = await create_queue(test_settings.redis_url)
    try:
        assert await expire_unanswered_bookings({"redis": queue}) == 1  # pushes its refund job
    finally:
        await queue.aclose()
    await run_worker(test_settings)

    session = await models.Session.first()
    assert (session.status.value, session.refund_status.value) == ("CANCELLED", "REFUNDED")
    assert (await models.CreditPool.get(client_id__isnull=False)).balance == 1
    await assert_ledger_balances()


async def test_confirmed_sessions_complete_a_day_after_they_end(api, world, test_settings):
    clock.freeze(utc(2030, 1, 7, 8))
    admin = await world.admin()
    coach, service = await setup_coach(api, world)
    client_id = await world.client_of(coach)
    await api.ok(GRANT, {"input": {"clientId": client_id, "amount": 1}}, admin.token)
    await api.ok(
        BOOK, {"i": {"serviceId": service, "clientId": client_id, "startsAt": "2030-01-08T10:00:00Z"}}, coach.token
    )

    clock.freeze(utc(2030, 1, 9, 10, 59))
    assert await complete_past_sessions({"settings": test_settings}) == 0  # ended 23 h 59 min ago
    clock.freeze(utc(2030, 1, 9, 11, 1))
    assert await complete_past_sessions({"settings": test_settings}) == 1
    assert (await models.Session.first()).status.value == "COMPLETED"
    assert await models.ActivityEvent.filter(kind="SESSION_COMPLETED").count() == 1
