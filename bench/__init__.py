"""Benchmarks (`make bench`, `python -m bench <name>`): each module's `bench()` prints its figures
and returns its exit status."""

import asyncio
import logging
from collections.abc import Awaitable, Callable

from app import infra


def run(bench: Callable[[], Awaitable[int]]) -> int:
    """Run one benchmark the way every module's main() does: warnings only, and the embedded Redis
    stopped afterwards (a no-op unless it was started)."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return asyncio.run(bench())
    finally:
        infra.stop_embedded_redis()
