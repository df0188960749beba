"""Pushing outbox rows to arq: right after a commit, and by a periodic relay for the rest."""

from __future__ import annotations

import logging

from arq.connections import ArqRedis

import models
from domain import clock

log = logging.getLogger("caseload.outbox")

RELAY_BATCH = 500


async def push(redis: ArqRedis, rows: list[models.OutboxJob]) -> int:
    """Enqueue each row under its job id (arq ignores a duplicate id while the job or its result
    exists; handlers are idempotent for the rest) and mark it pushed. Returns rows pushed."""
    pushed = 0
    for row in rows:
        job = await redis.enqueue_job(row.job_name, *row.args, _job_id=row.job_id)
        if job is None:
            # arq still holds a job with this id (queued or running, which may have read the state
            # before this change): leave the row for the relay to push once that job is done.
            continue
        await models.OutboxJob.filter(id=row.id, pushed_at__isnull=True, created_at=row.created_at).update(pushed_at=clock.now())
        pushed += 1
    return pushed


async def relay_outbox(ctx: dict) -> int:
    """Cron: push whatever the request path could not (Redis was away, the process died)."""
    total = 0
    last_id = 0
    while True:  # page by id, so rows arq still holds never hide the ones behind them
        rows = await models.OutboxJob.filter(pushed_at__isnull=True, id__gt=last_id).order_by("id").limit(RELAY_BATCH)
        if not rows:
            return total
        total += await push(ctx["redis"], rows)
        last_id = rows[-1].id
        if len(rows) < RELAY_BATCH:
            return total


async def push_written(ctx: dict) -> None:
    """Push the outbox rows the current job just committed (the relay covers any failure)."""
    from domain import outbox

    ids = outbox.take_written()
    if ids and ctx.get("redis") is not None:
        try:
            await push(ctx["redis"], list(await models.OutboxJob.filter(id__in=ids, pushed_at__isnull=True).order_by("id")))
        except Exception:
            log.warning("could not push %d job(s) now; the outbox relay will", len(ids))


PURGE_AFTER_HOURS = 24


async def purge_outbox(ctx: dict) -> int:
    """Cron: forget rows pushed a day ago (their jobs ran or were re-armed since)."""
    from datetime import timedelta

    cutoff = clock.now() - timedelta(hours=PURGE_AFTER_HOURS)
    return await models.OutboxJob.filter(pushed_at__lt=cutoff).delete()
