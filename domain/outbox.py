"""The transactional outbox: a job is written in the same transaction as the change that causes
it, so it can never be lost (Redis away, process killed) nor sent for a change that rolled back.

Inside `domain.transactions.transaction()` the jobs a change adds are collected and written in
one statement just before the commit; outside one, each is written at once."""

from __future__ import annotations

import asyncio
import contextvars
import json
from datetime import datetime
from typing import Any, NamedTuple

from tortoise import connections


class Written(NamedTuple):
    """An outbox row as written, enough to push it (workers.outbox.push)."""

    id: int
    job_name: str
    job_id: str
    args: list
    created_at: datetime


# Rows written so far in this task, for the request path to push right after its commit, kept
# with the task that wrote them: a task started from this one (arq's jobs in a worker started after
# the demo's seed, a request) inherits the context, and must not push, nor add to, these rows.
_written: contextvars.ContextVar[tuple[asyncio.Task | None, list[Written]] | None] = contextvars.ContextVar(
    "outbox_written", default=None
)
# Jobs waiting for the end of the current transaction(), None outside one.
_pending: contextvars.ContextVar[dict[str, tuple[str, list]] | None] = contextvars.ContextVar(
    "outbox_pending", default=None
)

# created_at is the row's arming time: a push marks the row only if it was not armed again
# meanwhile (workers/outbox.push), so no re-arm is lost.
_WRITE = """
INSERT INTO outbox_jobs (job_name, job_id, args, created_at)
SELECT name, job_id, args::jsonb, clock_timestamp() FROM unnest($1::text[], $2::text[], $3::text[]) AS j(name, job_id, args)
ON CONFLICT (job_id) DO UPDATE SET pushed_at = NULL, args = EXCLUDED.args, created_at = clock_timestamp()
RETURNING id, job_id, created_at
"""


async def add(job_name: str, subject: str, *args: Any) -> None:
    """Record `job_name(*args)` with the deterministic job id "{job_name}:{subject}". Args are ids
    and plain values (JSON), never personal data. Repeats collapse while the job waits to be
    pushed; a job already pushed is armed again, since its handler may have read the state
    before this change (handlers are idempotent, so running again is harmless)."""
    job_id = f"{job_name}:{subject}"
    pending = _pending.get()
    if pending is not None:
        pending[job_id] = (job_name, list(args))
    else:
        await write({job_id: (job_name, list(args))})


async def write(jobs: dict[str, tuple[str, list]]) -> None:
    """Write jobs (job id -> name and args) in one statement, and remember them for the push."""
    if not jobs:
        return
    ids = list(jobs)
    rows = await connections.get("default").execute_query_dict(
        _WRITE, [[jobs[i][0] for i in ids], ids, [json.dumps(jobs[i][1]) for i in ids]]
    )
    _own_written().extend(
        [Written(r["id"], jobs[r["job_id"]][0], r["job_id"], jobs[r["job_id"]][1], r["created_at"]) for r in rows]
    )


def _own_written() -> list[Written]:
    """The rows this task has written (none yet when the context came from another task)."""
    task = asyncio.current_task()
    held = _written.get()
    if held is None or held[0] is not task:
        held = (task, [])
        _written.set(held)
    return held[1]


def collect() -> contextvars.Token:
    """Start collecting this task's jobs for one write (domain.transactions)."""
    return _pending.set({})


def collected(token: contextvars.Token) -> dict[str, tuple[str, list]]:
    """Stop collecting; the jobs collected since `collect()`."""
    jobs = _pending.get() or {}
    _pending.reset(token)
    return jobs


def collecting() -> bool:
    return _pending.get() is not None


def mark_written() -> int:
    """How many rows this task has written so far (for forget_written_since)."""
    return len(_own_written())


def forget_written_since(mark: int) -> None:
    """A transaction that wrote rows rolled back: they are not there to push."""
    del _own_written()[mark:]


def take_written() -> list[Written]:
    """The outbox rows written so far in this task, the latest arming of each (and forget them)."""
    written = _own_written()
    _written.set((asyncio.current_task(), []))
    return list({row.id: row for row in written}.values())
