"""Webhook fan-out: the job each event's transaction queues, and the sweep behind it."""

from __future__ import annotations

from uuid import UUID

from domain.webhooks import fanout
from workers.outbox import push_written


async def fan_out_webhook_event(ctx: dict, event_id: str) -> int:
    """One event's deliveries (none twice: the fan-out claims the event in the database)."""
    _, made = await fanout.fan_out([UUID(event_id)])
    await push_written(ctx)  # the delivery jobs
    return made


async def sweep_webhook_events(ctx: dict) -> int:
    """Cron: events whose fan-out job was lost or died."""
    made = await fanout.sweep()
    await push_written(ctx)
    return made
