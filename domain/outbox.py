"""The transactional outbox: a job is written in the same transaction as the change that causes
it, so it can never be lost (Redis away, process killed) nor sent for a change that rolled back."""

from __future__ import annotations

from typing import Any

import models


async def add(job_name: str, subject: str, *args: Any) -> models.OutboxJob:
    """Record `job_name(*args)` with the deterministic job id "{job_name}:{subject}". Args are ids
    and plain values (JSON), never personal data. A second add for the same id is a no-op."""
    job_id = f"{job_name}:{subject}"
    row = await models.OutboxJob.get_or_none(job_id=job_id)
    if row is None:
        row = await models.OutboxJob.create(job_name=job_name, job_id=job_id, args=list(args))
    return row
