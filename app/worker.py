"""The arq worker, put together: workers.settings' tasks and cron jobs, with this process's settings
(handed to every job as `ctx["settings"]`) and the database opened at start-up."""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise

from app import db
from app.settings import Settings, get
from domain import encryption
from workers.settings import CRON_JOBS, FUNCTIONS, JOB_TIMEOUT_SECONDS, deserialize, serialize, worker_pool
from workers.supervisor import BeatingWorker, Heartbeat


def _startup(settings: Settings):
    async def startup(ctx: dict) -> None:
        ctx["settings"] = settings
        encryption.configure(settings.master_keys)
        # In `serve --with-worker` the API has already opened Tortoise in this process.
        ctx["owns_db"] = not Tortoise._inited
        if ctx["owns_db"]:
            await db.init(settings, statement_timeout_ms=settings.worker_statement_timeout_ms)

    return startup


async def _shutdown(ctx: dict) -> None:
    if ctx.get("owns_db"):
        await db.close()


POLL_SECONDS = 0.1


def create_worker(
    redis_url: str, settings: Settings | None = None, *, heartbeat: Heartbeat | None = None, **overrides: Any
) -> BeatingWorker:
    """A worker on its own Redis pool (a new one per worker: a supervisor replaces workers)."""
    settings = settings or get()
    options: dict[str, Any] = {
        "functions": FUNCTIONS,
        "cron_jobs": CRON_JOBS,
        "redis_pool": worker_pool(redis_url),
        "heartbeat": heartbeat,
        "on_startup": _startup(settings),
        "on_shutdown": _shutdown,
        "job_serializer": serialize,
        "job_deserializer": deserialize,
        "job_timeout": JOB_TIMEOUT_SECONDS,
        "max_tries": 5,
        # Results are not kept, so a job id is free again as soon as its job ends (the outbox
        # re-pushes a job armed again meanwhile; every handler is idempotent).
        "keep_result": 0,
        "handle_signals": False,
        # arq's default 0.5 s poll is most of a job's wait: a webhook takes two hops (fan-out, then
        # delivery). An idle worker asking Redis ten times a second costs next to nothing.
        "poll_delay": POLL_SECONDS,
    }
    options.update(overrides)
    return BeatingWorker(**options)
