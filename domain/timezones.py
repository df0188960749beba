"""Wall-clock time in a coach's IANA zone, DST-correct. Stored instants are UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.errors import invalid


def exists(local: datetime) -> bool:
    """False for a wall time skipped by a DST change (it does not round-trip through UTC)."""
    tz = local.tzinfo
    back = local.astimezone(UTC).astimezone(tz)
    return back.replace(tzinfo=None) == local.replace(tzinfo=None)


def ambiguous(local: datetime) -> bool:
    """True for a wall time that happens twice (clocks going back)."""
    return local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset()


def to_utc(value: datetime, zone: str, field: str) -> datetime:
    """An input instant: with an offset it is exact; without one it is read as the coach's wall
    time, which must exist and be unambiguous."""
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    local = value.replace(tzinfo=ZoneInfo(zone))
    if not exists(local):
        raise invalid(f"{value.isoformat()} does not exist in {zone} (the clocks skip it).", field)
    if ambiguous(local):
        raise invalid(f"{value.isoformat()} happens twice in {zone}; give a UTC offset.", field)
    return local.astimezone(UTC)


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime | None:
    """The UTC instant of a wall time on a day, or None if that wall time is skipped that day.
    An ambiguous wall time takes its first occurrence."""
    local = datetime.combine(day, at, tzinfo=zone).replace(fold=0)
    if not exists(local):
        return None
    return local.astimezone(UTC)


def days(start: datetime, end: datetime, zone: ZoneInfo):
    """Each local date touched by [start, end), with a day's margin for windows past midnight."""
    day = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date()
    while day <= last:
        yield day
        day += timedelta(days=1)
