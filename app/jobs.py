"""Pushing a request's outbox rows to arq right after its commit, never waiting long on Redis."""

from __future__ import annotations

import asyncio
import logging

from app.infra import REQUEST_REDIS_TIMEOUT_SECONDS
from domain import events
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
            await asyncio.wait_for(self._push(rows), PUSH_TIMEOUT_SECONDS)
        except Exception:  # Redis away or slow: the outbox relay pushes these later
            log.warning("could not push %d job(s) now; the outbox relay will", len(rows))

    async def _push(self, rows: list[Written]) -> None:
        # A credential that ended closes its sockets now, not when a worker gets to the job (which
        # still runs, as the fallback: closing twice is harmless, unlike delivering an event twice).
        ended = [
            row.args for row in rows if row.job_name == events.PUBLISH_JOB and row.args[0] in events.CREDENTIAL_KINDS
        ]
        if ended:
            pipe = self.queue.pipeline(transaction=False)
            for kind, object_id in ended:
                pipe.publish(events.CHANNEL, events.message(kind, object_id))
            await pipe.execute()
        await push(self.queue, rows)
