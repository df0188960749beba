"""Cron: session reminders 24 h and 1 h ahead."""

from __future__ import annotations

from domain import reminders
from workers.outbox import push_written


async def send_reminders(ctx: dict) -> int:
    made = await reminders.send_due()
    await push_written(ctx)  # their e-mail jobs
    return made
