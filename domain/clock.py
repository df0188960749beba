"""The one clock the domain asks, so tests can move time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

_offset = timedelta(0)
_frozen: datetime | None = None


def now() -> datetime:
    if _frozen is not None:
        return _frozen
    return datetime.now(UTC) + _offset


def freeze(at: datetime) -> None:
    global _frozen
    _frozen = at


def advance(by: timedelta) -> None:
    """Move the clock forward (frozen or not)."""
    global _offset, _frozen
    if _frozen is not None:
        _frozen = _frozen + by
    else:
        _offset += by


def reset() -> None:
    global _offset, _frozen
    _offset = timedelta(0)
    _frozen = None


@contextmanager
def frozen_at(at: datetime) -> Iterator[None]:
    """Run a block at the instant `at` through the domain's own rules (the demo writes its history
    this way), then put the clock back as it was."""
    global _frozen
    before = _frozen
    _frozen = at
    try:
        yield
    finally:
        _frozen = before
