"""Cron jobs that keep sessions honest without anyone asking."""

from __future__ import annotations

from datetime import timedelta

from domain import sessions
from workers.outbox import push_written


async def expire_unanswered_bookings(ctx: dict) -> int:
    done = await sessions.expire_unanswered()
    await push_written(ctx)  # their refund jobs
    return done


async def complete_past_sessions(ctx: dict) -> int:
    done = await sessions.complete_past(timedelta(hours=ctx["settings"].complete_after_hours))
    await push_written(ctx)  # their live events, category jobs and webhook fan-out
    return done
