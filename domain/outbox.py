"""The transactional outbox: a job is written in the same transaction as the change that causes
it, so it can never be lost (Redis away, process killed) nor sent for a change that rolled back."""

from __future__ import annotations

import contextvars
from typing import Any

import models

# Ids of outbox rows written in this task, for the request path to push right after its commit.
_written: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("outbox_written", default=None)


async def add(job_name: str, subject: str, *args: Any) -> models.OutboxJob:
    """Record `job_name(*args)` with the deterministic job id "{job_name}:{subject}". Args are ids
    and plain values (JSON), never personal data. A second add for the same id is a no-op."""
    job_id = f"{job_name}:{subject}"
    row = await models.OutboxJob.get_or_none(job_id=job_id)
    if row is None:
        row = await models.OutboxJob.create(job_name=job_name, job_id=job_id, args=list(args))
    written = _written.get()
    if written is None:
        written = []
        _written.set(written)
    written.append(row.id)
    return row


def take_written() -> list[int]:
    """The outbox ids written so far in this task (and forget them)."""
    written = _written.get() or []
    _written.set([])
    return written
