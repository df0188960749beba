"""Relationship milestones (domain.milestones.reached), at their exact thresholds, no database."""

from datetime import timedelta

import pytest

from domain import clock, milestones
from tests.support.dates import utc

NOW = utc(2030, 6, 15, 12)


@pytest.fixture(autouse=True)
def now():
    clock.freeze(NOW)


@pytest.mark.parametrize(
    "held, expected",
    [
        (0, []),
        (1, ["FIRST_SESSION"]),
        (9, ["FIRST_SESSION"]),
        (10, ["FIRST_SESSION", "TEN_SESSIONS"]),
    ],
)
def test_session_milestones(held, expected):
    assert milestones.reached(held, None) == expected


@pytest.mark.parametrize(
    "age, expected",
    [
        (timedelta(days=182) - timedelta(seconds=1), []),
        (timedelta(days=182), ["SIX_MONTHS"]),
        (timedelta(days=365) - timedelta(seconds=1), ["SIX_MONTHS"]),
        (timedelta(days=365), ["SIX_MONTHS", "ONE_YEAR"]),
        (timedelta(days=730), ["SIX_MONTHS", "ONE_YEAR", "TWO_YEARS"]),
    ],
)
def test_age_milestones_count_from_the_start_of_the_relationship(age, expected):
    assert milestones.reached(0, NOW - age) == expected


def test_sessions_and_age_combine_and_a_future_start_reaches_nothing():
    assert milestones.reached(10, NOW - timedelta(days=400)) == [
        "FIRST_SESSION",
        "TEN_SESSIONS",
        "SIX_MONTHS",
        "ONE_YEAR",
    ]
    assert milestones.reached(0, NOW + timedelta(days=1)) == []
