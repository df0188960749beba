"""The transactional outbox: a job is written in the same transaction as the change that causes
it, so it can never be lost (Redis away, process killed) nor sent for a change that rolled back."""

from __future__ import annotations

import contextvars
import json
from typing import Any

from tortoise import connections

# Ids of outbox rows written in this task, for the request path to push right after its commit.
_written: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("outbox_written", default=None)


async def add(job_name: str, subject: str, *args: Any) -> int:
    """Record `job_name(*args)` with the deterministic job id "{job_name}:{subject}". Args are ids
    and plain values (JSON), never personal data. Repeats collapse while the job waits to be
    pushed; a job already pushed is armed again, since its handler may have read the state
    before this change (handlers are idempotent, so running again is harmless)."""
    rows = await connections.get("default").execute_query_dict(
        # created_at is the row's arming time: a push marks the row only if it was not armed again
        # meanwhile (workers/outbox.push), so no re-arm is lost.
        "INSERT INTO outbox_jobs (job_name, job_id, args, created_at) VALUES ($1, $2, $3, clock_timestamp()) "
        "ON CONFLICT (job_id) DO UPDATE SET pushed_at = NULL, args = EXCLUDED.args, created_at = clock_timestamp() RETURNING id",
        [job_name, f"{job_name}:{subject}", json.dumps(list(args))],
    )
    outbox_id = rows[0]["id"]
    written = _written.get()
    if written is None:
        written = []
        _written.set(written)
    written.append(outbox_id)
    return outbox_id


def take_written() -> list[int]:
    """The outbox ids written so far in this task (and forget them)."""
    written = _written.get() or []
    _written.set([])
    return written
