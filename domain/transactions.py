"""The one way domain code opens a transaction: tortoise's in_transaction, with the outbox jobs
the change adds written together in one statement just before the commit (domain.outbox)."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import AsyncIterator

from tortoise.transactions import in_transaction

from domain import outbox


@asynccontextmanager
async def transaction() -> AsyncIterator:
    if outbox.collecting():  # nested: a savepoint; the outermost transaction writes the jobs
        async with in_transaction() as conn:
            yield conn
        return
    token = outbox.collect()
    try:
        async with in_transaction() as conn:
            yield conn
            jobs = outbox.collected(token)
            token = None
            await outbox.write(jobs)
    finally:
        if token is not None:  # the body failed: its jobs roll back with it
            outbox.collected(token)
