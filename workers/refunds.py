"""The refund job and its reconciler."""

from __future__ import annotations

import logging
from uuid import UUID

from domain import refunds
from workers.outbox import push_written

log = logging.getLogger("caseload.refunds")


async def refund_session(ctx: dict, session_id: str) -> bool:
    """Idempotent: the domain claims the refund in the database, so a retry or a second
    delivery finds nothing to do."""
    done = await refunds.refund(UUID(session_id))
    await push_written(ctx)  # the fan-out of its webhook events
    return done


async def reconcile_refunds(ctx: dict) -> int:
    """Cron: re-drive refunds left PENDING (a job lost with Redis, or timed out: arq never
    retries a timed-out job)."""
    done = 0
    for session_id in await refunds.pending_for_too_long():
        if await refunds.refund(session_id):
            done += 1
    await push_written(ctx)
    if done:
        log.info("reconciler refunded %d session(s)", done)
    return done
