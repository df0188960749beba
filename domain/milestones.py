"""Relationship milestones: first session, ten sessions, six months, one year, two years. The
names are defined here once; the API's `Milestone` enum is this one."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum

from domain import clock


class Milestone(str, Enum):
    FIRST_SESSION = "FIRST_SESSION"
    TEN_SESSIONS = "TEN_SESSIONS"
    SIX_MONTHS = "SIX_MONTHS"
    ONE_YEAR = "ONE_YEAR"
    TWO_YEARS = "TWO_YEARS"


SESSIONS = [(1, Milestone.FIRST_SESSION), (10, Milestone.TEN_SESSIONS)]
AGES = [
    (timedelta(days=182), Milestone.SIX_MONTHS),
    (timedelta(days=365), Milestone.ONE_YEAR),
    (timedelta(days=730), Milestone.TWO_YEARS),
]


def reached(sessions_held: int, since: datetime | None) -> list[Milestone]:
    """`sessions_held`: completed sessions; `since`: when the relationship began."""
    found = [name for count, name in SESSIONS if sessions_held >= count]
    if since is not None:
        age = clock.now() - since
        found += [name for length, name in AGES if age >= length]
    return found
