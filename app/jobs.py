"""Pushing a request's outbox rows to arq right after its commit, never waiting long on Redis."""

from __future__ import annotations

import asyncio
import logging

import models
from workers.outbox import push

log = logging.getLogger("caseload.jobs")

PUSH_TIMEOUT_SECONDS = 0.5


class JobPusher:
    def __init__(self, queue):
        self.queue = queue  # an ArqRedis, or None when Redis was away at start-up

    async def __call__(self, outbox_ids: list[int]) -> None:
        if self.queue is None:
            return
        try:
            rows = await models.OutboxJob.filter(id__in=outbox_ids, pushed_at__isnull=True).order_by("id")
            await asyncio.wait_for(push(self.queue, list(rows)), PUSH_TIMEOUT_SECONDS)
        except Exception:  # Redis away or slow: the outbox relay pushes these later
            log.warning("could not push %d job(s) now; the outbox relay will", len(outbox_ids))
