"""The one way domain code opens a transaction: tortoise's in_transaction, with the outbox jobs
the change adds written together in one statement just before the commit (domain.outbox), and
locks checked against their order (domain.locks).

A deadlock (40P01) or a serialization failure (40001) is transient: the database rolled the
transaction back and running it again usually succeeds. tortoise 1.1 passes both through as raw
asyncpg errors (it translates only syntax, data, integrity and transaction-state errors), so
they are recognised by their SQLSTATE. `retrying` runs a whole transaction body again; every
domain function that opens a transaction carries it (a test checks). If one ever escapes
anyway, the outermost transaction turns it into the coded `Collision`, never an unexpected error."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import random
from contextlib import asynccontextmanager
from typing import AsyncIterator, Awaitable, Callable, TypeVar

from tortoise.transactions import in_transaction

from domain import locks, outbox
from domain.errors import DomainError, ErrorCode

log = logging.getLogger(__name__)

T = TypeVar("T")

TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})  # deadlock_detected, serialization_failure
ATTEMPTS = 5
BACKOFF_SECONDS = 0.01  # the n-th retry waits a random time up to n times this

_open: contextvars.ContextVar[bool] = contextvars.ContextVar("transaction_open", default=False)


class Collision(DomainError):
    """The change met a concurrent one and was rolled back each time it was tried."""

    def __init__(self) -> None:
        super().__init__(ErrorCode.CONFLICT, "Another change got in the way; please try again.")


def is_transient(error: BaseException) -> bool:
    """Whether the database rolled back for a deadlock or a serialization failure, wherever
    in the chain of causes it says so (a raw asyncpg error, or one tortoise wrapped)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, Collision) or getattr(current, "sqlstate", None) in TRANSIENT_SQLSTATES:
            return True
        if isinstance(current, DomainError):  # an answer given on purpose, whatever it followed
            return False
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


@asynccontextmanager
async def transaction() -> AsyncIterator:
    if _open.get():  # nested: a savepoint; the outermost transaction writes the jobs
        async with in_transaction() as conn:
            yield conn
        return
    opened = _open.set(True)
    level = locks.begin()
    jobs_token = outbox.collect()
    written = outbox.mark_written()
    try:
        async with in_transaction() as conn:
            yield conn
            jobs = outbox.collected(jobs_token)
            jobs_token = None
            await outbox.write(jobs)
    except BaseException as error:
        outbox.forget_written_since(written)  # rolled back: nothing to push
        if is_transient(error) and not isinstance(error, Collision):
            raise Collision() from error
        raise
    finally:
        if jobs_token is not None:  # the body failed: its jobs roll back with it
            outbox.collected(jobs_token)
        locks.end(level)
        _open.reset(opened)


def retrying(fn: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T]]:
    """Run `fn` again, up to ATTEMPTS times in all with a short random back-off, when the
    database rolled it back for a deadlock or a serialization failure; then answer `Collision`.

    `fn` must be safe to run again from its start: reads, checks, and its transaction (the
    failed attempt's writes and outbox jobs rolled back with it); no network calls. Inside an
    enclosing transaction it runs once: only the outermost transaction can be run again."""

    @functools.wraps(fn)
    async def run(*args, **kwargs) -> T:
        if _open.get():
            return await fn(*args, **kwargs)
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return await fn(*args, **kwargs)
            except Exception as error:
                if not is_transient(error):
                    raise
                if attempt == ATTEMPTS:
                    log.warning("%s gave up after %d attempts (deadlock or serialization failure)", fn.__qualname__, attempt)
                    if isinstance(error, Collision):
                        raise
                    raise Collision() from error
                await asyncio.sleep(random.uniform(0, BACKOFF_SECONDS * attempt))
        raise AssertionError("unreachable")

    return run
