"""Nothing on the request path waits for Redis: with Redis unreachable, cancellations succeed and
their refund jobs wait in the outbox; once Redis is back the relay pushes them and each refund
happens exactly once."""

import asyncio

from arq.connections import ArqRedis
from redis.asyncio import ConnectionPool

import models
from app.jobs import JobPusher
from domain import clock
from tests.support.api import starlette_app
from tests.support.booking import BOOK, CANCEL, setup_coach
from tests.support.credits import GRANT, assert_ledger_balances
from tests.support.dates import utc
from tests.support.workers import run_worker
from workers.outbox import relay_outbox
from workers.settings import create_queue


async def test_cancellations_during_a_redis_outage_are_refunded_once_after(app, api, world, test_settings):
    clock.freeze(utc(2030, 1, 7, 8))
    admin = await world.admin()
    coach, service = await setup_coach(api, world)
    client_id = await world.client_of(coach)
    await api.ok(GRANT, {"input": {"clientId": client_id, "amount": 20}}, admin.token)
    starts = [utc(2030, 1, 8, h).isoformat() for h in range(20)]
    booked = [
        await api.ok(BOOK, {"i": {"serviceId": service, "clientId": client_id, "startsAt": s}}, coach.token)
        for s in starts
    ]

    services = starlette_app(app).state.services
    working = services["push_jobs"]
    dead = ArqRedis(connection_pool=ConnectionPool(host="127.0.0.1", port=1, socket_connect_timeout=0.2))
    services["push_jobs"] = JobPusher(dead)  # Redis is away
    try:
        answers = await asyncio.gather(
            *[api.ok(CANCEL, {"i": {"sessionId": b["bookSession"]["session"]["id"]}}, coach.token) for b in booked]
        )
    finally:
        services["push_jobs"] = working
        await dead.aclose()

    assert all(a["cancelSession"]["session"]["cancellation"]["refund"] == "PENDING" for a in answers)
    assert await models.OutboxJob.filter(pushed_at__isnull=True, job_name="refund_session").count() == 20

    queue = await create_queue(test_settings.redis_url)  # Redis is back
    try:
        await relay_outbox({"redis": queue})
        assert await models.OutboxJob.filter(pushed_at__isnull=True, job_name="refund_session").count() == 0
    finally:
        await queue.aclose()
    await run_worker(test_settings)

    assert await models.Session.filter(refund_status="REFUNDED").count() == 20
    assert (await models.CreditPool.get(client_id__isnull=False)).balance == 20
    assert await models.CreditTransaction.filter(reason="REFUND").count() == 20
    await assert_ledger_balances()
