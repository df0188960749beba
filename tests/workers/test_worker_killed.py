"""A real worker process killed with SIGKILL in the middle of a refund (its transaction open,
waiting on a pool row) commits nothing; the reconciler then refunds exactly once, and running the
job again afterwards changes nothing."""

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import asyncpg

import models
from domain import clock, refunds
from tests.support.booking import BOOK, CANCEL, setup_coach
from tests.support.credits import GRANT, assert_ledger_balances
from tests.support.dates import utc
from tests.support.workers import eventually
from workers.refunds import reconcile_refunds

ROOT = Path(__file__).resolve().parents[2]


async def test_sigkill_mid_refund_then_reconciler_refunds_once(api, world, test_settings):
    clock.freeze(utc(2030, 1, 7, 8))
    admin = await world.admin()
    coach, service = await setup_coach(api, world, credits=2)
    client_id = await world.client_of(coach)
    await api.ok(GRANT, {"input": {"clientId": client_id, "amount": 2}}, admin.token)
    booked = await api.ok(
        BOOK, {"i": {"serviceId": service, "clientId": client_id, "startsAt": "2030-01-08T10:00:00Z"}}, coach.token
    )

    # Hold the client's pool row, so the worker's refund blocks inside its transaction.
    pool = await models.CreditPool.get(client_id__isnull=False)
    blocker = await asyncpg.connect(test_settings.database_url)
    blocker_tx = blocker.transaction()
    await blocker_tx.start()
    await blocker.execute("SELECT 1 FROM credit_pools WHERE id = $1 FOR UPDATE", pool.id)

    env = {**os.environ, "DATABASE_URL": test_settings.database_url, "REDIS_URL": test_settings.redis_url}
    worker = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        await api.ok(
            CANCEL, {"i": {"sessionId": booked["bookSession"]["session"]["id"]}}, coach.token
        )  # pushes the job

        watcher = await asyncpg.connect(test_settings.database_url)  # outside any transaction: fresh stats each call

        async def worker_is_waiting() -> bool:
            return bool(
                await watcher.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
                )
            )

        try:
            await eventually(worker_is_waiting, timeout=20, message="the worker reaching the refund")
        finally:
            await watcher.close()
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
        await blocker_tx.rollback()
        await blocker.close()

    # The dead worker's transaction never commits: its backend finds the client gone and rolls back.
    async def orphan_gone() -> bool:
        return (
            not await models.CreditTransaction.filter(reason="REFUND").exists()
            and (await models.Session.first()).refund_status.value == "PENDING"
        )

    assert await orphan_gone()
    clock.advance(refunds.RECONCILE_AFTER + timedelta(seconds=1))
    assert await reconcile_refunds({}) == 1
    assert await refunds.refund((await models.Session.first()).id) is False  # the job again, after the commit
    assert await models.CreditTransaction.filter(reason="REFUND").count() == 1
    assert (await models.CreditPool.get(id=pool.id)).balance == 2
    await assert_ledger_balances()
