from typing import Any

from tortoise import fields
from tortoise.models import Model


class OutboxJob(Model):
    """A job written in the same transaction as the change that causes it; pushed to arq after
    commit, and by a periodic relay for whatever is left (Redis away, process killed)."""

    id = fields.BigIntField(primary_key=True)
    job_name = fields.CharField(max_length=100)
    job_id = fields.CharField(max_length=200, unique=True)  # deterministic: "{job_name}:{subject}"
    args: fields.JSONField[list[Any]] = fields.JSONField(default=list)  # ids and plain values only
    created_at = fields.DatetimeField(auto_now_add=True)
    pushed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "outbox_jobs"
