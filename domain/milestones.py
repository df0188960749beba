"""Relationship milestones: first session, ten sessions, six months, one year, two years."""

from __future__ import annotations

from datetime import datetime, timedelta

from domain import clock

SESSIONS = [(1, "FIRST_SESSION"), (10, "TEN_SESSIONS")]
AGES = [(timedelta(days=182), "SIX_MONTHS"), (timedelta(days=365), "ONE_YEAR"), (timedelta(days=730), "TWO_YEARS")]


def reached(sessions_held: int, since: datetime | None) -> list[str]:
    """`sessions_held`: completed sessions; `since`: when the relationship began."""
    found = [name for count, name in SESSIONS if sessions_held >= count]
    if since is not None:
        age = clock.now() - since
        found += [name for length, name in AGES if age >= length]
    return found
