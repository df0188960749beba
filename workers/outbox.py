"""Pushing outbox rows to arq (live events straight to pub/sub): right after a commit, and by a
periodic relay for the rest."""

from __future__ import annotations

import logging

from arq.connections import ArqRedis
from arq.constants import job_key_prefix, result_key_prefix
from arq.jobs import serialize_job
from arq.utils import timestamp_ms
from tortoise import connections

import models
from domain import clock, events
from workers.events import publish

log = logging.getLogger("caseload.outbox")

RELAY_BATCH = 500


# arq's enqueue_job for many jobs in one round trip, atomically per job: a job id whose job or
# result key exists is left alone (arq's duplicate rule); the others are stored and queued.
# KEYS: the queue, then each job's job key and result key. ARGV: per job its id, score (ms),
# expiry (ms) and payload. Returns the (1-based) positions of the jobs queued.
_ENQUEUE_MANY = """
local queued = {}
for j = 1, (#KEYS - 1) / 2 do
  local a = (j - 1) * 4
  if redis.call('EXISTS', KEYS[2 * j], KEYS[2 * j + 1]) == 0 then
    redis.call('PSETEX', KEYS[2 * j], ARGV[a + 3], ARGV[a + 4])
    redis.call('ZADD', KEYS[1], ARGV[a + 2], ARGV[a + 1])
    queued[#queued + 1] = j
  end
end
return queued
"""


async def enqueue_many(redis: ArqRedis, jobs: list[tuple[str, str, list]]) -> list[bool]:
    """Enqueue (job_name, job_id, args) triples as `redis.enqueue_job(name, *args, _job_id=id)`
    would, serialised by arq itself, in one round trip. Returns which were queued."""
    if not jobs:
        return []
    now_ms = timestamp_ms()
    keys, argv = [redis.default_queue_name], []
    for name, job_id, args in jobs:
        keys += [job_key_prefix + job_id, result_key_prefix + job_id]
        payload = serialize_job(name, tuple(args), {}, None, now_ms, serializer=redis.job_serializer)
        argv += [job_id, now_ms, redis.expires_extra_ms, payload]
    # redis-py types eval for the sync and async clients alike and its arguments as str only.
    queued = set(await redis.eval(_ENQUEUE_MANY, len(keys), *keys, *argv))  # type: ignore[misc,arg-type]
    return [j + 1 in queued for j in range(len(jobs))]


async def push(redis: ArqRedis, rows: list, *, publish_now: bool = False) -> int:
    """Enqueue each outbox row (id, job_name, job_id, args, created_at) under its job id and mark
    it pushed. arq leaves a job id alone while its job or result exists: such a row (queued or
    running, which may have read the state before this change) stays for the relay to push once
    that job is done. A row armed again meanwhile (a newer created_at) stays unpushed too.

    `publish_now`, right after the rows' commit: live events are published at once instead of
    waiting for a worker to run their job (workers.events; if this fails, the relay pushes them as
    jobs, and an event is published once however often it is pushed). Returns rows pushed."""
    live = [row for row in rows if publish_now and row.job_name == events.PUBLISH_JOB]
    jobs = [row for row in rows if not (publish_now and row.job_name == events.PUBLISH_JOB)]
    pushed = []
    if live:
        await publish(redis, [row.args for row in live])
        pushed += live
    queued = await enqueue_many(redis, [(row.job_name, row.job_id, row.args) for row in jobs])
    pushed += [row for row, ok in zip(jobs, queued, strict=True) if ok]
    if pushed:
        await connections.get("default").execute_query(
            "UPDATE outbox_jobs o SET pushed_at = $1 FROM unnest($2::bigint[], $3::timestamptz[]) AS p(id, created_at) "
            "WHERE o.id = p.id AND o.created_at = p.created_at AND o.pushed_at IS NULL",
            [clock.now(), [row.id for row in pushed], [row.created_at for row in pushed]],
        )
    return len(pushed)


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

    rows = outbox.take_written()
    if rows and ctx.get("redis") is not None:
        try:
            await push(ctx["redis"], rows, publish_now=True)
        except Exception:
            log.warning("could not push %d job(s) now; the outbox relay will", len(rows))


PURGE_AFTER_HOURS = 24


async def purge_outbox(ctx: dict) -> int:
    """Cron: forget rows pushed a day ago (their jobs ran or were re-armed since)."""
    from datetime import timedelta

    cutoff = clock.now() - timedelta(hours=PURGE_AFTER_HOURS)
    return await models.OutboxJob.filter(pushed_at__lt=cutoff).delete()
