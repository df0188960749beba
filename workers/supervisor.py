"""Keeping an arq worker alive through Redis outages, for `caseload worker` and
`caseload serve --with-worker` alike.

arq's worker ends at the first Redis error of its poll loop (and its pool has no read timeout, so a
hung Redis would stall it for ever). Here the worker's pool times out, and a supervisor starts a new
worker after each end, with back-off, until it is cancelled. Jobs are idempotent and handed over
through the outbox, so a job cut short by a restart runs again (or its reconciler re-drives it)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from arq.worker import Worker

log = logging.getLogger("caseload.worker")

RESTART_FIRST_DELAY = 0.5
RESTART_MAX_DELAY = 5.0  # short: a refund waits at most this + one relay period after Redis returns
# A worker beats after every poll of Redis (every 0.5 s); a poll blocks only while it waits for a
# free job slot, and jobs are cut at 15 s (60 s for the longest crons).
HEARTBEAT_FRESH_SECONDS = 20.0


class Heartbeat:
    """When this process's worker last polled Redis and went round its loop."""

    def __init__(self) -> None:
        self.last: float | None = None

    def beat(self) -> None:
        self.last = time.monotonic()

    def age(self) -> float | None:
        return None if self.last is None else time.monotonic() - self.last

    def fresh(self) -> bool:
        age = self.age()
        return age is not None and age <= HEARTBEAT_FRESH_SECONDS


class BeatingWorker(Worker):
    """arq's Worker, beating a Heartbeat after each round of its poll loop."""

    def __init__(self, *args, heartbeat: Heartbeat | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.heartbeat = heartbeat
        self.beats = 0

    async def heart_beat(self) -> None:
        await super().heart_beat()
        self.beats += 1
        if self.heartbeat is not None:
            self.heartbeat.beat()


async def supervise(make_worker: Callable[[], BeatingWorker]) -> None:
    """Run workers one after another until cancelled: a worker that ends with an error (Redis
    lost, refused or hung) is stopped and replaced after a back-off of 0.5 s doubling to 5 s, back
    to 0.5 s once a worker has run. Returns when a worker ends by itself (burst mode)."""
    delay = RESTART_FIRST_DELAY
    while True:
        worker = None
        try:
            worker = make_worker()
            await worker.main()
            return
        except Exception as error:
            if worker is not None and worker.beats:
                delay = RESTART_FIRST_DELAY
            log.warning("worker stopped (%s); starting a new one in %.1f s", type(error).__name__, delay)
        finally:
            if worker is not None:
                await stop(worker)
        await asyncio.sleep(delay)
        delay = min(delay * 2, RESTART_MAX_DELAY)


async def stop(worker: Worker) -> None:
    """Cancel the worker's running jobs and let go of its Redis connections. (arq's own close()
    waits on the jobs it has just cancelled, which raises CancelledError into the caller.)"""
    running = [task for task in worker.tasks.values() if not task.done()]
    for task in running:
        task.cancel()
    await asyncio.gather(*running, return_exceptions=True)
    if worker.on_shutdown is not None:
        with contextlib.suppress(Exception):
            await worker.on_shutdown(worker.ctx)
    if worker.pool is not None:
        with contextlib.suppress(Exception):
            await worker.pool.aclose(close_connection_pool=True)
