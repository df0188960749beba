"""The one way domain code opens a transaction: tortoise's in_transaction, with the outbox jobs
the change adds written together in one statement just before the commit (domain.outbox), and
locks checked against their order (domain.locks, which also runs a transaction again after a
deadlock: `retrying`). If a transient failure ever escapes the retries, the outermost
transaction turns it into the coded `Collision`, never an unexpected error."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from tortoise.transactions import in_transaction

from domain import locks, outbox
from domain.locks import Collision, is_transient


@asynccontextmanager
async def transaction() -> AsyncIterator:
    if locks.in_transaction():  # nested: a savepoint; the outermost transaction writes the jobs
        async with in_transaction() as conn:
            yield conn
        return
    level = locks.begin()
    jobs_token = outbox.collect()
    jobs_pending = True
    written = outbox.mark_written()
    try:
        async with in_transaction() as conn:
            yield conn
            jobs = outbox.collected(jobs_token)
            jobs_pending = False
            await outbox.write(jobs)
    except BaseException as error:
        outbox.forget_written_since(written)  # rolled back: nothing to push
        if is_transient(error) and not isinstance(error, Collision):
            raise Collision() from error
        raise
    finally:
        if jobs_pending:  # the body failed: its jobs roll back with it
            outbox.collected(jobs_token)
        locks.end(level)
