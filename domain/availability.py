"""A coach's bookable time: weekly windows in the coach's zone, minus time off, minus live
sessions and the buffer after each. One rule used by availableSlots and by booking."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from itertools import pairwise
from uuid import UUID
from zoneinfo import ZoneInfo

from tortoise import connections

import models
from domain import access, clock, timezones, validation
from domain.errors import DomainError, ErrorCode, invalid, not_found
from domain.locks import retrying
from domain.transactions import transaction
from domain.viewer import Viewer
from models.enums import SessionStatus

MAX_RANGE = timedelta(days=62)
# At most this many slots per call: what the request's cost budget charges for availableSlots
# (a 62-day range of a 5-minute service would otherwise be thousands of slots per alias).
MAX_SLOTS = 500


@dataclass(frozen=True)
class Rule:
    weekday: int  # 1 = Monday ... 7 = Sunday
    start: time
    end: time


def _wall_time(value: str, field: str) -> time:
    """HH:MM in the coach's own zone: no offset, no date."""
    try:
        parsed = time.fromisoformat(value)
    except ValueError:
        raise invalid("Use HH:MM.", field) from None
    if parsed.tzinfo is not None:
        raise invalid("Use HH:MM without an offset: windows are in the coach's own time zone.", field)
    return parsed


def parse_rules(rules: list[tuple[int, str, str]]) -> list[Rule]:
    parsed: list[Rule] = []
    for index, (weekday, start, end) in enumerate(rules):
        path = f"rules.{index}"
        if not 1 <= weekday <= 7:
            raise invalid("weekday must be 1 (Monday) to 7 (Sunday).", f"{path}.weekday")
        start_t = _wall_time(start, f"{path}.startTime")
        end_t = _wall_time(end, f"{path}.endTime")
        if end_t <= start_t:
            raise invalid("The window must end after it starts.", f"{path}.endTime")
        parsed.append(Rule(weekday, start_t, end_t))
    by_day: dict[int, list[Rule]] = {}
    for rule in parsed:
        by_day.setdefault(rule.weekday, []).append(rule)
    for day_rules in by_day.values():
        day_rules.sort(key=lambda r: r.start)
        for a, b in pairwise(day_rules):
            if b.start < a.end:
                raise invalid("Windows on the same day must not overlap.", "rules")
    return parsed


def windows(rules: list[Rule], zone_name: str, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The UTC instants of every weekly window overlapping [start, end), DST-correct: a window
    keeps its wall-clock times on both sides of a change."""
    zone = ZoneInfo(zone_name)
    found = []
    for day in timezones.days(start, end, zone):
        for rule in rules:
            if day.isoweekday() != rule.weekday:
                continue
            opens = timezones.local_instant(day, rule.start, zone)
            closes = timezones.local_instant(day, rule.end, zone)
            if opens is None or closes is None or closes <= opens:
                continue
            if closes > start and opens < end:
                found.append((opens, closes))
    return sorted(found)


_CALENDAR_SQL = f"""
SELECT 'rule' AS what, weekday, start_time, end_time, NULL::timestamptz AS starts_at, NULL::timestamptz AS ends_at
  FROM availability_rules WHERE coach_id = $1
UNION ALL
SELECT 'busy', NULL, NULL, NULL, starts_at, blocked_until
  FROM sessions WHERE coach_id = $1 AND status IN {SessionStatus.sql(SessionStatus.LIVE)} AND starts_at < $3 AND blocked_until > $2
   AND id IS DISTINCT FROM $4
UNION ALL
SELECT 'busy', NULL, NULL, NULL, starts_at, ends_at
  FROM time_off WHERE coach_id = $1 AND starts_at < $3 AND ends_at > $2
"""


async def calendar(
    coach_id: UUID, start: datetime, end: datetime, exclude_session: UUID | None = None
) -> tuple[list[Rule], list[tuple[datetime, datetime]]]:
    """In one query: the coach's weekly rules, and the time off and live sessions (with their
    buffers) overlapping [start, end)."""
    rows = await connections.get("default").execute_query_dict(_CALENDAR_SQL, [coach_id, start, end, exclude_session])
    rules = [Rule(r["weekday"], r["start_time"], r["end_time"]) for r in rows if r["what"] == "rule"]
    taken = sorted((r["starts_at"], r["ends_at"]) for r in rows if r["what"] == "busy")
    return rules, taken


def _clear(start: datetime, end: datetime, busy_ranges: list[tuple[datetime, datetime]]) -> bool:
    return all(end <= b_start or start >= b_end for b_start, b_end in busy_ranges)


async def slots(
    coach: models.Coach, service: models.Service, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """Bookable starts in [start, end): each window stepped by the service's duration. Times
    without an offset are read in the coach's zone."""
    start = timezones.to_utc(start, coach.timezone, "from")
    end = timezones.to_utc(end, coach.timezone, "to")
    if end <= start:
        raise invalid("`to` must be after `from`.", "to")
    if end - start > MAX_RANGE:
        raise invalid(f"Ask for at most {MAX_RANGE.days} days at once.", "to")
    duration = timedelta(minutes=service.duration_minutes)
    buffer = timedelta(minutes=coach.buffer_minutes)
    earliest = max(start, clock.now())
    rules, taken = await calendar(coach.id, start, end + duration + buffer)
    found: list[tuple[datetime, datetime]] = []
    for opens, closes in windows(rules, coach.timezone, start, end):
        at = opens
        while at + duration <= closes:
            if at >= earliest and at < end and _clear(at, at + duration + buffer, taken):
                if len(found) == MAX_SLOTS:
                    raise invalid(f"This range holds more than {MAX_SLOTS} slots; ask for a shorter one.", "to")
                found.append((at, at + duration))
            at += duration
    return found


async def check_bookable(
    coach: models.Coach, start: datetime, end: datetime, *, field: str = "startsAt", exclude_session: UUID | None = None
) -> None:
    """Raise unless [start, end) is in the future, inside one weekly window, and clear of time off
    and of the coach's live sessions with buffers (the exclusion constraint re-checks at insert)."""
    if start <= clock.now():
        raise invalid("The start must be in the future.", field)
    buffer = timedelta(minutes=coach.buffer_minutes)
    rules, taken = await calendar(coach.id, start - timedelta(days=1), end + buffer, exclude_session)
    if not any(o <= start and end <= c for o, c in windows(rules, coach.timezone, start, end)):
        raise DomainError(ErrorCode.SLOT_UNAVAILABLE, "The coach is not available at that time.", field)
    if not _clear(start, end + buffer, taken):
        raise DomainError(ErrorCode.SLOT_UNAVAILABLE, "That time is already taken.", field)


@retrying
async def set_availability(viewer: Viewer, rules: list[tuple[int, str, str]]) -> None:
    access.only_coaches(viewer, "Only coaches manage their availability.")
    if len(rules) > 100:
        raise invalid("At most 100 windows.", "rules")
    parsed = parse_rules(rules)
    async with transaction():
        await models.AvailabilityRule.filter(coach_id=viewer.coach_id).delete()
        await models.AvailabilityRule.bulk_create(
            [
                models.AvailabilityRule(coach_id=viewer.coach_id, weekday=r.weekday, start_time=r.start, end_time=r.end)
                for r in parsed
            ]
        )


async def add_time_off(viewer: Viewer, start: datetime, end: datetime, reason: str | None) -> models.TimeOff:
    access.only_coaches(viewer, "Only coaches manage their availability.")
    coach = await models.Coach.get(id=viewer.coach_id)
    start = timezones.to_utc(start, coach.timezone, "startsAt")
    end = timezones.to_utc(end, coach.timezone, "endsAt")
    if end <= start:
        raise invalid("Time off must end after it starts.", "endsAt")
    reason = validation.text(reason, "reason", max_length=500)
    return await models.TimeOff.create(coach_id=coach.id, starts_at=start, ends_at=end, reason=reason)


async def remove_time_off(viewer: Viewer, time_off_id: UUID | None) -> None:
    access.only_coaches(viewer, "Only coaches manage their availability.")
    deleted = await models.TimeOff.filter(id=time_off_id, coach_id=viewer.coach_id).delete() if time_off_id else 0
    if not deleted:
        raise not_found("Time off", "timeOffId")
