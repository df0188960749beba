"""A real Redis server of the test's own (the shared one is never stopped) stopped, restarted empty
and hung with SIGSTOP under the API and the in-process worker: the supervisor brings the worker
back, /ready tells the truth, and sign-in never waits on a hung Redis."""

import asyncio
import contextlib
import dataclasses
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from redis.asyncio import Redis

import models
from app.http import close_services, open_services
from app.worker import create_worker
from domain import clock
from models.enums import Role
from tests.support.api import LOGIN, PASSWORD, starlette_app
from tests.support.booking import BOOK, CANCEL, setup_coach
from tests.support.credits import GRANT, assert_ledger_balances
from tests.support.dates import utc
from tests.support.errors import user_error
from tests.support.messages import SEND_MESSAGE
from tests.support.workers import eventually, free_port
from workers.supervisor import Heartbeat, supervise

ROOT = Path(__file__).resolve().parents[2]


class OwnRedis:
    """`redis-server` on a free port, no persistence: a restart comes back empty."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    async def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = Redis.from_url(self.url, socket_timeout=0.5, socket_connect_timeout=0.5)
        try:
            await eventually(lambda: _pings(client), timeout=10, interval=0.1, message="redis-server starting")
        finally:
            await client.aclose()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def pause(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)


async def _pings(client: Redis) -> bool:
    try:
        return await client.ping()
    except Exception:
        return False


@pytest.fixture
async def own_redis():
    server = OwnRedis()
    await server.start()
    yield server
    server.resume()
    server.stop()


@pytest.fixture
async def on_own_redis(app, test_settings, own_redis):
    """The app's per-process services opened on that server, as `caseload serve --with-worker`
    configured with its URL would open them (with a worker heartbeat for /ready)."""
    services = starlette_app(app).state.services
    saved = dict(services)
    mine = await open_services(test_settings, own_redis.url, heartbeat=Heartbeat())
    services.update(mine)
    yield mine
    services.clear()
    services.update(saved)
    await close_services(mine)


def supervisor_stops(caplog) -> int:
    return sum(r.getMessage().startswith("worker stopped (") for r in caplog.records)


async def ready(api) -> tuple[int, dict]:
    response = await api.http.get("/ready")
    return response.status_code, response.json()


async def test_ready_reports_each_check_and_no_worker_where_none_runs(api):
    status, body = await ready(api)
    assert (status, body) == (200, {"status": "ready", "checks": {"database": {"ok": True}, "redis": {"ok": True}}})
    assert (await api.http.get("/health")).json() == {"status": "ok"}


async def test_the_in_process_worker_outlives_a_redis_restart_and_refunds_what_was_cancelled_meanwhile(
    api, world, test_settings, own_redis, on_own_redis, caplog
):
    clock.freeze(utc(2030, 1, 7, 8))
    settings = dataclasses.replace(test_settings, redis_url=own_redis.url)
    admin = await world.admin()
    coach, service = await setup_coach(api, world)
    client_id = await world.client_of(coach)
    await api.ok(GRANT, {"input": {"clientId": client_id, "amount": 5}}, admin.token)
    booked = [
        (
            await api.ok(
                BOOK,
                {"i": {"serviceId": service, "clientId": client_id, "startsAt": utc(2030, 1, 8, h).isoformat()}},
                coach.token,
            )
        )["bookSession"]["session"]["id"]
        for h in range(5)
    ]

    status, body = await ready(api)  # no worker has beaten yet
    assert status == 503 and body["checks"]["worker"]["ok"] is False and body["checks"]["redis"] == {"ok": True}

    heartbeat = on_own_redis["heartbeat"]
    supervisor = asyncio.create_task(supervise(lambda: create_worker(own_redis.url, settings, heartbeat=heartbeat)))
    try:
        await eventually(lambda: _ready_is(api, 200), timeout=10, interval=0.1, message="/ready answering 200")
        _, body = await ready(api)
        assert body["checks"]["worker"]["ok"] is True and body["checks"]["worker"]["lastBeatSecondsAgo"] <= 2

        stops_before = supervisor_stops(caplog)
        own_redis.stop()
        status, body = await ready(api)
        assert status == 503 and body["status"] == "unavailable"
        assert body["checks"]["redis"]["ok"] is False and body["checks"]["database"] == {"ok": True}
        cancelled = await asyncio.gather(*[api.ok(CANCEL, {"i": {"sessionId": s}}, coach.token) for s in booked])
        assert all(c["cancelSession"]["session"]["cancellation"]["refund"] == "PENDING" for c in cancelled)
        # The worker notices while Redis is away (and the supervisor restarts it, with back-off).
        await eventually(
            lambda: supervisor_stops(caplog) > stops_before, timeout=10, message="the worker noticing Redis gone"
        )
        assert not supervisor.done()

        await own_redis.start()  # back, and empty
        back = time.monotonic()

        async def refunded() -> bool:
            return await models.Session.filter(refund_status="REFUNDED").count() == 5

        await eventually(refunded, timeout=30, interval=0.1, message="refunds done after Redis returned")
        print(f"refunds done {time.monotonic() - back:.1f} s after Redis returned")
        await eventually(lambda: _ready_is(api, 200), timeout=10, interval=0.1, message="/ready answering 200")
    finally:
        supervisor.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await supervisor

    assert (await models.CreditPool.get(client_id__isnull=False)).balance == 5
    assert await models.CreditTransaction.filter(reason="REFUND").count() == 5
    await assert_ledger_balances()


async def _ready_is(api, status: int) -> bool:
    return (await ready(api))[0] == status


async def test_sign_in_and_writes_answer_within_a_second_while_redis_hangs(api, world, own_redis, on_own_redis):
    coach = await world.user(Role.COACH)
    member = await world.user(Role.CLIENT)
    own_redis.pause()
    try:
        timings = []
        for password in (PASSWORD, PASSWORD, "wrong password"):
            started = time.monotonic()
            body = await asyncio.wait_for(api(LOGIN, {"e": member.email, "p": password}), 10)
            timings.append(time.monotonic() - started)
            login = body["data"]["login"]
            if password == PASSWORD:
                assert login["token"] and login["userErrors"] == []
            else:
                assert login["token"] is None and login["userErrors"] == [
                    user_error("INVALID", ["input", "password"], "E-mail or password is not right.")
                ]
        # A write whose jobs are pushed after its commit (the push gives up; the relay has them).
        started = time.monotonic()
        sent = await asyncio.wait_for(
            api.ok(SEND_MESSAGE, {"i": {"coachId": coach.coach_id, "body": "hi"}}, member.token), 10
        )
        timings.append(time.monotonic() - started)
        assert sent["sendMessage"]["userErrors"] == []
        assert await models.OutboxJob.filter(pushed_at__isnull=True, job_name="email_notification").count() == 1
        print(
            "with Redis hung: sign-in "
            + ", ".join(f"{t:.2f} s" for t in timings[:3])
            + f"; sendMessage {timings[3]:.2f} s"
        )
        assert max(timings) < 1.0, timings
        status, body = await asyncio.wait_for(ready(api), 5)
        assert status == 503 and body["checks"]["redis"] == {"ok": False, "error": "TimeoutError"}
    finally:
        own_redis.resume()


async def test_the_worker_command_outlives_a_redis_restart(api, world, test_settings, own_redis, on_own_redis):
    """`caseload worker` as a process: Redis stops and comes back empty; the same process then
    refunds a cancellation."""
    clock.freeze(utc(2030, 1, 7, 8))
    admin = await world.admin()
    coach, service = await setup_coach(api, world)
    client_id = await world.client_of(coach)
    await api.ok(GRANT, {"input": {"clientId": client_id, "amount": 1}}, admin.token)
    session = (
        await api.ok(
            BOOK, {"i": {"serviceId": service, "clientId": client_id, "startsAt": "2030-01-08T10:00:00Z"}}, coach.token
        )
    )["bookSession"]["session"]["id"]

    env = {**os.environ, "DATABASE_URL": test_settings.database_url, "REDIS_URL": own_redis.url}
    worker = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(worker.stderr), daemon=True)
    reader.start()

    async def logged(text: str) -> bool:
        return any(text in line for line in lines)

    try:
        await eventually(
            lambda: logged("Starting worker"), timeout=20, interval=0.1, message=lambda: f"worker start in {lines}"
        )
        own_redis.stop()
        await eventually(
            lambda: logged("worker stopped (ConnectionError)"),
            timeout=20,
            interval=0.1,
            message=lambda: f"worker stop in {lines}",
        )
        await own_redis.start()
        await api.ok(CANCEL, {"i": {"sessionId": session}}, coach.token)  # pushed to the new Redis

        async def refunded() -> bool:
            return await models.Session.filter(refund_status="REFUNDED").count() == 1

        await eventually(refunded, timeout=30, interval=0.1, message=lambda: f"the refund ({lines})")
        assert worker.poll() is None
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    assert worker.returncode == 0
    assert await models.CreditTransaction.filter(reason="REFUND").count() == 1
