"""The one clock the domain asks, so tests can move time."""

from __future__ import annotations

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
