"""The one arq WorkerSettings: tasks, cron jobs, JSON job serialisation, Tortoise start-up."""

from __future__ import annotations

import json
from typing import Any

from arq import cron
from arq.connections import ArqRedis, RedisSettings, create_pool
from redis.asyncio import ConnectionPool
from tortoise import Tortoise

from app import db
from app.settings import Settings, get
from domain import encryption
from workers.email import email_notification, reconcile_emails
from workers.events import publish_event
from workers.categories import recalculate_category, recalculate_expired_categories
from workers.housekeeping import complete_past_sessions, expire_unanswered_bookings
from workers.outbox import purge_outbox, relay_outbox
from workers.reminders import send_reminders
from workers.supervisor import BeatingWorker, Heartbeat
from workers.refunds import reconcile_refunds, refund_session

JOB_TIMEOUT_SECONDS = 15  # short, so a job killed mid-way is retried soon (RELIABILITY D)


def serialize(obj: Any) -> bytes:
    """Jobs are JSON (ids and plain values), never pickle."""
    return json.dumps(obj, default=str).encode()


def deserialize(raw: bytes) -> Any:
    return json.loads(raw)


async def create_queue(redis_url: str) -> ArqRedis:
    """The arq connection the API and tests enqueue with (same serializer as the worker)."""
    return await create_pool(RedisSettings.from_dsn(redis_url), job_serializer=serialize, job_deserializer=deserialize)


def _startup(settings: Settings):
    async def startup(ctx: dict) -> None:
        ctx["settings"] = settings
        encryption.configure(settings.master_keys)
        # In `serve --with-worker` the API has already opened Tortoise in this process.
        ctx["owns_db"] = not Tortoise._inited
        if ctx["owns_db"]:
            await db.init(settings, statement_timeout_ms=settings.worker_statement_timeout_ms)

    return startup


async def _shutdown(ctx: dict) -> None:
    if ctx.get("owns_db"):
        await db.close()


FUNCTIONS: list = [refund_session, recalculate_category, email_notification, publish_event]
CRON_JOBS = [
    cron(relay_outbox, second=set(range(0, 60, 10)), unique=True, timeout=JOB_TIMEOUT_SECONDS),
    cron(reconcile_refunds, second={30}, unique=True, timeout=JOB_TIMEOUT_SECONDS),
    cron(reconcile_emails, second={40}, unique=True, timeout=JOB_TIMEOUT_SECONDS),
    cron(expire_unanswered_bookings, second={5, 35}, unique=True, timeout=JOB_TIMEOUT_SECONDS),
    cron(complete_past_sessions, second={20}, unique=True, timeout=JOB_TIMEOUT_SECONDS),
    cron(send_reminders, second={25}, unique=True, timeout=JOB_TIMEOUT_SECONDS * 4),
    cron(purge_outbox, minute={7}, second={0}, unique=True, timeout=JOB_TIMEOUT_SECONDS * 4),
    # Every 30 s, so no category is stale for more than a minute (long catch-ups go on next run).
    cron(recalculate_expired_categories, second={15, 45}, unique=True, timeout=JOB_TIMEOUT_SECONDS * 4),
]


# The worker's Redis calls give up after this, so a hung Redis ends the worker's loop (and its
# supervisor starts a new one) instead of stalling it. arq issues no blocking commands.
WORKER_SOCKET_TIMEOUT_SECONDS = 5.0


def worker_pool(redis_url: str) -> ArqRedis:
    return ArqRedis(
        ConnectionPool.from_url(redis_url, socket_timeout=WORKER_SOCKET_TIMEOUT_SECONDS, socket_connect_timeout=2),
        job_serializer=serialize, job_deserializer=deserialize,
    )


def create_worker(
    redis_url: str, settings: Settings | None = None, *, heartbeat: Heartbeat | None = None, **overrides: Any
) -> BeatingWorker:
    """A worker on its own Redis pool (a new one per worker: a supervisor replaces workers)."""
    settings = settings or get()
    options: dict[str, Any] = dict(
        functions=FUNCTIONS,
        cron_jobs=CRON_JOBS,
        redis_pool=worker_pool(redis_url),
        heartbeat=heartbeat,
        on_startup=_startup(settings),
        on_shutdown=_shutdown,
        job_serializer=serialize,
        job_deserializer=deserialize,
        job_timeout=JOB_TIMEOUT_SECONDS,
        max_tries=5,
        # Results are not kept, so a job id is free again as soon as its job ends (the outbox
        # re-pushes a job armed again meanwhile; every handler is idempotent).
        keep_result=0,
        handle_signals=False,
    )
    options.update(overrides)
    return BeatingWorker(**options)
