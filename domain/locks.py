"""Locks, always taken in one order, so two transactions never wait on each other in a cycle.

A transaction takes the locks it needs from top to bottom, skipping those it does not need:

  1. COACH          a coach's booking lock (an advisory lock per coach, coaches by key): bookings,
                    accepted proposals and removing a client from a practice change the calendar
  2. CLIENT         a client's profile row (edits, deletion, erasure)
  3. SESSIONS       session rows, several in id order; every lifecycle change starts here
  4. PROPOSALS      a session's reschedule proposals: written only while holding their session's
                    lock (never locked on their own, so no path can take them first)
  5. RELATIONSHIPS  coach-client rows (ensure_relationship, private notes, deletion)
  6. POOLS          credit pools, a client's before an organisation's; ledger.move's conditional
                    UPDATE takes the lock

Why: cancelling locked a session then its proposal while accepting a proposal locked the proposal
then the session; under load PostgreSQL broke the cycle by failing one (40P01, found by the November 2026 outside attack).
The calendar (1) comes first because a booking holds it for its whole transaction; money (6)
last because its rows are shared by every booking of a client or organisation and are held for
the shortest time.

Rows are locked FOR NO KEY UPDATE, the strength an UPDATE takes: inserting a row that refers to
a locked one (a notification about a session, a timeline event) takes KEY SHARE and does not wait.
Only what deletes a row (a client's erasure) locks it FOR UPDATE.

Taking a lock of an earlier level after one of a later level, in one transaction, raises
LockOrderError: a path that breaks the order fails its tests instead of deadlocking in production.
Deadlocks the order cannot rule out (implicit locks, other statements) are retried: `retrying`
below. A deadlock (40P01) or a serialization failure (40001) is transient: the database rolled
the transaction back and running it again usually succeeds. tortoise 1.1 passes both through as
raw asyncpg errors (it translates only syntax, data, integrity and transaction-state errors), so
they are recognised by their SQLSTATE. Every domain function that opens a transaction carries
`retrying` (a test checks)."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import hashlib
import logging
import random
from collections.abc import Awaitable, Callable, Iterable
from enum import IntEnum
from typing import TypeVar
from uuid import UUID

from tortoise import connections

import models
from domain.errors import DomainError, ErrorCode

log = logging.getLogger(__name__)

T = TypeVar("T")


class Level(IntEnum):
    COACH = 1
    CLIENT = 2
    SESSIONS = 3
    PROPOSALS = 4
    RELATIONSHIPS = 5
    POOLS = 6


class LockOrderError(RuntimeError):
    """A programming error: a lock taken out of the order above."""


# The latest level taken in the current transaction; None outside one (domain.transactions sets it).
_level: contextvars.ContextVar[int | None] = contextvars.ContextVar("lock_level", default=None)


def begin() -> contextvars.Token:
    """A transaction starts with no lock taken (domain.transactions)."""
    return _level.set(0)


def end(token: contextvars.Token) -> None:
    _level.reset(token)


def in_transaction() -> bool:
    """Whether a domain transaction (domain.transactions) is open in this context."""
    return _level.get() is not None


def taking(level: Level) -> None:
    """Check that `level` may be locked now, and remember it. For locks taken by statements of
    their own (ledger.move's UPDATE, ensure_relationship's INSERT), which call this first."""
    current = _level.get()
    if current is None:  # a statement of its own: it holds its lock only while it runs
        return
    if level < current:
        raise LockOrderError(f"{level.name} locked after {Level(current).name}: see domain/locks.py for the order.")
    _level.set(level)


def _in_transaction(level: Level) -> None:
    if _level.get() is None:
        raise LockOrderError(f"{level.name} locked outside a transaction: it would be released at once.")
    taking(level)


def coach_key(coach_id: UUID) -> int:
    return int.from_bytes(hashlib.blake2b(coach_id.bytes, digest_size=8).digest(), "big", signed=True)


async def coaches(*coach_ids: UUID) -> None:
    """Serialise these coaches' calendars until the commit (the exclusion constraint alone
    deadlocks under load)."""
    _in_transaction(Level.COACH)
    for key in sorted({coach_key(c) for c in coach_ids}):
        await connections.get("default").execute_query("SELECT pg_advisory_xact_lock($1)", [key])


async def client(client_id: UUID, *, delete: bool = False) -> models.Client | None:
    """The client's profile, locked (FOR UPDATE when the transaction deletes it or changes its
    unique user_id)."""
    _in_transaction(Level.CLIENT)
    return await models.Client.filter(id=client_id).select_for_update(no_key=not delete).first()


async def sessions(session_ids: Iterable[UUID]) -> list[models.Session]:
    """The sessions, locked in id order, as they are now (a caller re-checks their status)."""
    _in_transaction(Level.SESSIONS)
    ids = sorted(set(session_ids))
    if not ids:
        return []
    return list(await models.Session.filter(id__in=ids).order_by("id").select_for_update(no_key=True))


async def session(session_id: UUID) -> models.Session | None:
    found = await sessions([session_id])
    return found[0] if found else None


# ---------------------------------------------------------------------------- retries

TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})  # deadlock_detected, serialization_failure
ATTEMPTS = 5
BACKOFF_SECONDS = 0.01  # the n-th retry waits a random time up to n times this


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


def retrying(fn: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T]]:
    """Run `fn` again, up to ATTEMPTS times in all with a short random back-off, when the
    database rolled it back for a deadlock or a serialization failure; then answer `Collision`.

    `fn` must be safe to run again from its start: reads, checks, and its transaction (the
    failed attempt's writes and outbox jobs rolled back with it); no network calls. Inside an
    enclosing transaction it runs once: only the outermost transaction can be run again."""

    @functools.wraps(fn)
    async def run(*args, **kwargs) -> T:
        if in_transaction():
            return await fn(*args, **kwargs)
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return await fn(*args, **kwargs)
            except Exception as error:
                if not is_transient(error):
                    raise
                if attempt == ATTEMPTS:
                    log.warning(
                        "%s gave up after %d attempts (deadlock or serialization failure)", fn.__qualname__, attempt
                    )
                    if isinstance(error, Collision):
                        raise
                    raise Collision() from error
                await asyncio.sleep(random.uniform(0, BACKOFF_SECONDS * attempt))
        raise AssertionError("unreachable")

    return run
