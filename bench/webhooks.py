"""Webhook delivery: 1,000 events, each for 3 endpoints on loopback, sent by real arq worker
processes (`caseload worker`, as deployed); prints the throughput (deliveries per second, from the
first event's commit to the last receipt) and the p50/p95/max from an event's commit to its
receipt by an endpoint.

Each event is written as the domain writes one: its row, one delivery per endpoint and the
delivery slots' outbox jobs in one transaction, pushed to arq right after the commit (what a
request does); the commit time is taken then. The receivers are raw asyncio HTTP servers in this
process answering 200 at once, and check every signature with the `standardwebhooks` package.
Two worker processes (the machine has 2 cores) with the private-address switch on.

Database: DATABASE_URL / REDIS_URL when set, else the embedded servers (app.infra). It creates
(dropping it first) `<database>_bench_webhooks` beside the configured one and leaves it for
inspection. BENCH_WEBHOOK_EVENTS sets the number of events (default 1000)."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import platform
import signal
import sys
import time
import uuid
from pathlib import Path

from standardwebhooks.webhooks import Webhook

from app import db, infra
from app import settings as settings_module
from bench import run
from bench.booking import database_url, fresh_database
from domain import clock, encryption, outbox
from domain.transactions import transaction
from domain.webhooks import delivery, signing
from models.enums import WebhookDeliveryStatus, WebhookEventType, WebhookOwnerKind
from workers.outbox import push
from workers.settings import create_queue

EVENTS = int(os.environ.get("BENCH_WEBHOOK_EVENTS", "1000"))
ENDPOINTS = 3
WORKERS = 2
DEADLINE_SECONDS = 300
ROOT = Path(__file__).resolve().parents[1]


class Receiver:
    """Answers 200 to every POST and notes when each (verified) webhook-id arrived."""

    def __init__(self, secret: str) -> None:
        self.verifier = Webhook(secret)
        self.arrived: dict[str, float] = {}
        self.duplicates = 0
        self.bad_signatures = 0
        self.port = 0
        self.server: asyncio.Server | None = None

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readline()
            headers: dict[str, str] = {}
            while line := (await reader.readline()).decode("latin-1").rstrip("\r\n"):
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            at = time.time()
            try:
                self.verifier.verify(body, headers, json_parse=False)
            except Exception:
                self.bad_signatures += 1
            webhook_id = headers.get("webhook-id", "")
            if webhook_id in self.arrived:
                self.duplicates += 1
            else:
                self.arrived[webhook_id] = at
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()


async def make_endpoint(url: str, secret: str):
    import models

    now = clock.now()
    return await models.WebhookEndpoint.create(
        id=uuid.uuid4(),
        owner_kind=WebhookOwnerKind.PLATFORM,
        url=url,
        sealed_secret=encryption.seal(secret),
        created_at=now,
        updated_at=now,
    )


async def commit_event(queue, endpoint_ids: list[uuid.UUID], sequence: int) -> tuple[str, float]:
    """One event with its deliveries and slot jobs in one transaction, pushed after the commit.
    Returns the event id and the commit time."""
    import models

    event_id, now = uuid.uuid4(), clock.now()
    async with transaction():
        await models.WebhookEvent.create(
            id=event_id,
            type=WebhookEventType.CREDITS_GRANTED,
            object_kind="credit_pool",
            object_id=event_id,
            sequence=sequence,
            payload={"type": "credits.granted", "timestamp": now.isoformat(), "data": {"sequence": sequence}},
            occurred_at=now,
            fanned_out=True,
        )
        rows = [
            models.WebhookDelivery(
                id=uuid.uuid4(),
                endpoint_id=endpoint_id,
                event_id=event_id,
                status=WebhookDeliveryStatus.PENDING,
                next_attempt_at=now,
                created_at=now,
            )
            for endpoint_id in endpoint_ids
        ]
        await models.WebhookDelivery.bulk_create(rows)
        await delivery.enqueue([row.id for row in rows])
    committed = time.time()
    await push(queue, outbox.take_written())
    return str(event_id), committed


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def bench() -> int:
    base = settings_module.from_env()
    base = dataclasses.replace(base, environment="bench", db_pool_max=4)
    address = await fresh_database(infra.database(base), "_bench_webhooks")
    redis_url = base.redis_url or infra.redis_url(base)
    settings = dataclasses.replace(base, database_url=database_url(address), redis_url=redis_url)
    await db.migrate(settings)
    await db.init(settings)
    encryption.configure(settings.master_keys)
    queue = await create_queue(redis_url)

    secrets = [signing.new_secret() for _ in range(ENDPOINTS)]
    receivers = [Receiver(secret) for secret in secrets]
    for receiver in receivers:
        await receiver.start()
    endpoints = [
        await make_endpoint(f"http://127.0.0.1:{r.port}/hook", secret)
        for r, secret in zip(receivers, secrets, strict=True)
    ]
    endpoint_ids = [e.id for e in endpoints]
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url or "",
        "REDIS_URL": redis_url,
        "CASELOAD_WEBHOOKS_ALLOW_PRIVATE": "true",
        "CASELOAD_LOG_FORMAT": "text",
    }
    workers = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "app.cli",
            "worker",
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        for _ in range(WORKERS)
    ]
    print(
        f"Webhook delivery benchmark: {EVENTS:,} events x {ENDPOINTS} endpoints on loopback, {WORKERS} worker "
        f"processes, {delivery.PER_ENDPOINT_CONCURRENCY} sends in flight per endpoint at most; "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs",
        flush=True,
    )
    status = 0
    try:
        # Warm-up (not timed): the workers are up once one event reached every endpoint.
        await commit_event(queue, endpoint_ids, 0)
        deadline = time.monotonic() + 60
        while not all(r.arrived for r in receivers):
            if time.monotonic() > deadline:
                raise RuntimeError("the workers did not deliver the warm-up event within 60 s")
            await asyncio.sleep(0.05)
        for r in receivers:
            r.arrived.clear()

        committed: dict[str, float] = {}
        began = time.time()
        for n in range(1, EVENTS + 1):
            event_id, at = await commit_event(queue, endpoint_ids, n)
            committed[event_id] = at
        produced = time.time() - began
        expected = EVENTS * ENDPOINTS
        deadline = time.monotonic() + DEADLINE_SECONDS
        while sum(len(r.arrived) for r in receivers) < expected and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        arrivals = [(event_id, at) for r in receivers for event_id, at in r.arrived.items()]
        received = len(arrivals)
        last = max(at for _, at in arrivals) if arrivals else began
        latencies = [at - committed[event_id] for event_id, at in arrivals if event_id in committed]
        print(f"  events committed in {produced:.1f} s ({EVENTS / produced:,.0f} events/s, one transaction each)")
        print(f"  last receipt {last - began - produced:.1f} s after the last commit")
        print(
            f"  delivered {received:,} of {expected:,} in {last - began:.1f} s: "
            f"{received / (last - began):,.0f} deliveries/s"
        )
        if latencies:
            print(
                f"  commit -> receipt: p50 {percentile(latencies, 50) * 1000:,.0f} ms, "
                f"p95 {percentile(latencies, 95) * 1000:,.0f} ms, max {max(latencies) * 1000:,.0f} ms"
            )
        duplicates = sum(r.duplicates for r in receivers)
        bad = sum(r.bad_signatures for r in receivers)
        print(f"  duplicates {duplicates}, bad signatures {bad}")
        if received < expected or bad:
            status = 1
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                await asyncio.wait_for(worker.wait(), 20)
            except TimeoutError:
                worker.kill()
        for receiver in receivers:
            await receiver.stop()
        await queue.aclose()
        await db.close()
    return status


def main() -> int:
    return run(bench)


if __name__ == "__main__":
    sys.exit(main())
