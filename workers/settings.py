"""The arq worker's parts: tasks, cron jobs, JSON job serialisation, the worker's Redis pool. The
composition root (app.worker) puts them together with the settings and the database; jobs read
the settings from their context (`ctx["settings"]`), never from `app`."""

from __future__ import annotations

import json
from typing import Any

from arq import cron, func
from arq.connections import ArqRedis, RedisSettings, create_pool
from redis.asyncio import ConnectionPool

from workers.categories import recalculate_category, recalculate_expired_categories
from workers.email import email_notification, reconcile_emails
from workers.events import publish_event
from workers.housekeeping import complete_past_sessions, expire_unanswered_bookings
from workers.outbox import purge_outbox, relay_outbox
from workers.refunds import reconcile_refunds, refund_session
from workers.reminders import send_reminders
from workers.webhook_events import fan_out_webhook_event, sweep_webhook_events
from workers.webhooks import SLOT_JOB_TIMEOUT_SECONDS, deliver_webhooks, purge_webhooks, sweep_webhook_deliveries

JOB_TIMEOUT_SECONDS = 15  # short, so a job killed mid-way is retried soon


def serialize(obj: Any) -> bytes:
    """Jobs are JSON (ids and plain values), never pickle."""
    return json.dumps(obj, default=str).encode()


def deserialize(raw: bytes) -> Any:
    return json.loads(raw)


async def create_queue(redis_url: str) -> ArqRedis:
    """The arq connection the API and tests enqueue with (same serializer as the worker)."""
    return await create_pool(RedisSettings.from_dsn(redis_url), job_serializer=serialize, job_deserializer=deserialize)


FUNCTIONS: list = [
    refund_session,
    recalculate_category,
    email_notification,
    publish_event,
    # A send may take its full 10 s: the slot's own timeout covers its budget plus one send.
    func(deliver_webhooks, timeout=SLOT_JOB_TIMEOUT_SECONDS),
    fan_out_webhook_event,
]
CRON_JOBS = [
    cron(relay_outbox, second=set(range(0, 60, 10)), unique=True, timeout=JOB_TIMEOUT_SECONDS),
    cron(reconcile_refunds, second={30}, unique=True, timeout=JOB_TIMEOUT_SECONDS),
    cron(reconcile_emails, second={40}, unique=True, timeout=JOB_TIMEOUT_SECONDS),
    cron(expire_unanswered_bookings, second={5, 35}, unique=True, timeout=JOB_TIMEOUT_SECONDS),
    cron(complete_past_sessions, second={20}, unique=True, timeout=JOB_TIMEOUT_SECONDS),
    cron(send_reminders, second={25}, unique=True, timeout=JOB_TIMEOUT_SECONDS * 4),
    cron(sweep_webhook_events, second={50}, unique=True, timeout=JOB_TIMEOUT_SECONDS * 4),
    cron(purge_outbox, minute={7}, second={0}, unique=True, timeout=JOB_TIMEOUT_SECONDS * 4),
    # Retries that came due, claims a killed worker let lapse, slots lost with Redis, and slots
    # that ended their time budget with work left (one indexed query).
    cron(sweep_webhook_deliveries, second=set(range(0, 60, 5)), unique=True, timeout=JOB_TIMEOUT_SECONDS),
    cron(purge_webhooks, minute={17}, second={0}, unique=True, timeout=JOB_TIMEOUT_SECONDS * 4),
    # Every 30 s, so no category is stale for more than a minute (long catch-ups go on next run).
    cron(recalculate_expired_categories, second={15, 45}, unique=True, timeout=JOB_TIMEOUT_SECONDS * 4),
]


# The worker's Redis calls give up after this, so a hung Redis ends the worker's loop (and its
# supervisor starts a new one) instead of stalling it. arq issues no blocking commands.
WORKER_SOCKET_TIMEOUT_SECONDS = 5.0


def worker_pool(redis_url: str) -> ArqRedis:
    return ArqRedis(
        ConnectionPool.from_url(redis_url, socket_timeout=WORKER_SOCKET_TIMEOUT_SECONDS, socket_connect_timeout=2),
        job_serializer=serialize,
        job_deserializer=deserialize,
    )
