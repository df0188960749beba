"""One Redis pub/sub listener per API process, fanning live events out to this process's
subscriptions (each subscription then checks what its own viewer may see), and handing
"credentials ended" events to the socket registry (app.sockets), which closes those sockets."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from uuid import UUID

from redis.asyncio import Redis

from domain.events import CHANNEL, CREDENTIAL_KINDS

log = logging.getLogger("caseload.events")

QUEUE_SIZE = 1000


class EventHub:
    def __init__(
        self,
        redis: Redis,
        credentials_ended: Callable[[str, UUID], None] | None = None,
        listening_again: Callable[[], None] | None = None,
    ):
        self.redis = redis
        self.credentials_ended = credentials_ended
        self.listening_again = listening_again  # after an outage: signals may have been missed
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
        lost = False
        while True:
            try:
                pubsub = self.redis.pubsub()
                await pubsub.subscribe(CHANNEL)
                if lost and self.listening_again is not None:
                    self.listening_again()
                lost = False
                async for message in pubsub.listen():
                    if message.get("type") != "message":
                        continue
                    event = json.loads(message["data"])
                    if event.get("kind") in CREDENTIAL_KINDS:
                        if self.credentials_ended is not None:
                            with contextlib.suppress(KeyError, TypeError, ValueError):  # not ours: ignore
                                self.credentials_ended(event["kind"], UUID(event["id"]))
                        continue
                    for queue in list(self.listeners):
                        if queue.full():  # a stalled socket loses its oldest event, never blocks the rest
                            queue.get_nowait()
                        queue.put_nowait(event)
            except asyncio.CancelledError:
                raise
            except Exception:
                lost = True
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
