"""Real arq workers run to an empty queue, loopback ports, and waiting for a condition with a deadline."""

from __future__ import annotations

import asyncio
import inspect
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any

from app.worker import create_worker


async def run_worker(settings) -> None:
    """Run the worker until the queue is empty."""
    worker = create_worker(settings.redis_url, settings, burst=True, poll_delay=0.02)
    try:
        await worker.main()
    finally:
        await worker.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def eventually(
    condition: Callable[[], Any | Awaitable[Any]],
    *,
    timeout: float = 5,
    interval: float = 0.02,
    ignoring: tuple[type[BaseException], ...] = (),
    message: str | Callable[[], str] = "condition",
) -> Any:
    """Poll `condition` (sync or async) until it returns something truthy, and return that; fail
    after `timeout` seconds, saying `message` (or what it returns then). Exceptions in `ignoring` count as "not yet"; any other one fails at once."""
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while True:
        try:
            result = condition()
            if inspect.isawaitable(result):
                result = await result
            if result:
                return result
            last_error = None
        except ignoring as error:
            last_error = error
        if time.monotonic() >= deadline:
            what = message() if callable(message) else message
            raise AssertionError(
                f"{what} not met within {timeout} s" + (f" (last: {last_error!r})" if last_error else "")
            )
        await asyncio.sleep(interval)
