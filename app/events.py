"""One Redis pub/sub listener per API process, fanning live events out to this process's
subscriptions (each subscription then checks what its own viewer may see)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import AsyncIterator

from redis.asyncio import Redis

from domain.events import CHANNEL

log = logging.getLogger("caseload.events")

QUEUE_SIZE = 1000


class EventHub:
    def __init__(self, redis: Redis):
        self.redis = redis
        self.listeners: set[asyncio.Queue] = set()
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def _run(self) -> None:
        """Listen, and listen again after a Redis outage (events during it are missed: clients
        re-read state on reconnect, as with any live feed)."""
        while True:
            try:
                pubsub = self.redis.pubsub()
                await pubsub.subscribe(CHANNEL)
                async for message in pubsub.listen():
                    if message.get("type") != "message":
                        continue
                    event = json.loads(message["data"])
                    for queue in list(self.listeners):
                        if queue.full():  # a stalled socket loses its oldest event, never blocks the rest
                            queue.get_nowait()
                        queue.put_nowait(event)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("event listener lost Redis; retrying in 1 s")
                await asyncio.sleep(1)

    @contextlib.asynccontextmanager
    async def listen(self) -> AsyncIterator[asyncio.Queue]:
        queue: asyncio.Queue = asyncio.Queue(maxsize=QUEUE_SIZE)
        self.listeners.add(queue)
        try:
            yield queue
        finally:
            self.listeners.discard(queue)
