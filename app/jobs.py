"""Pushing a request's outbox rows right after its commit (its live events published at once,
its other jobs to arq), never waiting long on Redis."""

from __future__ import annotations

import asyncio
import logging

from app.infra import REQUEST_REDIS_TIMEOUT_SECONDS
from domain.outbox import Written
from workers.outbox import push

log = logging.getLogger("caseload.jobs")

PUSH_TIMEOUT_SECONDS = REQUEST_REDIS_TIMEOUT_SECONDS


class JobPusher:
    def __init__(self, queue):
        self.queue = queue  # an ArqRedis, or None when Redis was away at start-up

    async def __call__(self, rows: list[Written]) -> None:
        if self.queue is None:
            return
        try:
            await asyncio.wait_for(push(self.queue, rows, publish_now=True), PUSH_TIMEOUT_SECONDS)
        except Exception:  # Redis away or slow: the outbox relay pushes these later
            log.warning("could not push %d job(s) now; the outbox relay will", len(rows))
