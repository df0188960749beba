"""Wall-clock time in a coach's zone and the weekly availability windows built on it
(domain.timezones, domain.availability's pure parts), DST-correct, no database.

Europe/London in 2027: clocks go forward on Sunday 28 March at 01:00 GMT (01:00-01:59 local never
happens) and back on Sunday 31 October at 02:00 BST (01:00-01:59 local happens twice)."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain import timezones
from domain.availability import Rule, parse_rules, windows
from domain.errors import DomainError, ErrorCode
from tests.support.dates import utc

LONDON = ZoneInfo("Europe/London")
SPRING = date(2027, 3, 28)
AUTUMN = date(2027, 10, 31)
MONDAY, SUNDAY = 1, 7


def local(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def wall(instant: datetime) -> str:
    return instant.astimezone(LONDON).strftime("%a %d %b %H:%M")


# ---------------------------------------------------------------------------- timezones


@pytest.mark.parametrize("at, exists", [((0, 59), True), ((1, 0), False), ((1, 30), False), ((2, 0), True)])
def test_wall_times_skipped_by_the_spring_change_do_not_exist(at, exists):
    assert timezones.exists(local(2027, 3, 28, *at)) is exists


@pytest.mark.parametrize("at, ambiguous", [((0, 59), False), ((1, 0), True), ((1, 59), True), ((2, 0), False)])
def test_wall_times_repeated_by_the_autumn_change_are_ambiguous(at, ambiguous):
    assert timezones.ambiguous(local(2027, 10, 31, *at)) is ambiguous


def test_a_wall_time_without_an_offset_is_read_in_the_coach_zone():
    assert timezones.to_utc(datetime.fromisoformat("2027-03-29T09:00"), "Europe/London", "startsAt") == utc(
        2027, 3, 29, 8, 0
    )  # BST
    assert timezones.to_utc(datetime.fromisoformat("2027-03-26T09:00"), "Europe/London", "startsAt") == utc(
        2027, 3, 26, 9, 0
    )  # GMT


def test_an_instant_with_an_offset_is_exact_whatever_the_zone():
    given = datetime.fromisoformat("2027-03-28T01:30:00+05:00")
    assert timezones.to_utc(given, "Europe/London", "startsAt") == utc(2027, 3, 27, 20, 30)


def test_a_skipped_wall_time_is_refused_with_its_field():
    with pytest.raises(DomainError) as refused:
        timezones.to_utc(datetime.fromisoformat("2027-03-28T01:30"), "Europe/London", "startsAt")
    assert (refused.value.code, refused.value.field, refused.value.message) == (
        ErrorCode.INVALID,
        "startsAt",
        "2027-03-28T01:30:00 does not exist in Europe/London (the clocks skip it).",
    )


def test_a_repeated_wall_time_is_refused_and_asks_for_an_offset():
    with pytest.raises(DomainError) as refused:
        timezones.to_utc(datetime.fromisoformat("2027-10-31T01:30"), "Europe/London", "input.startsAt")
    assert (refused.value.code, refused.value.field, refused.value.message) == (
        ErrorCode.INVALID,
        "input.startsAt",
        "2027-10-31T01:30:00 happens twice in Europe/London; give a UTC offset.",
    )


def test_local_instant_skips_a_missing_wall_time_and_takes_the_first_of_a_repeated_one():
    assert timezones.local_instant(SPRING, time(1, 30), LONDON) is None
    assert timezones.local_instant(AUTUMN, time(1, 30), LONDON) == utc(2027, 10, 31, 0, 30)  # still BST
    assert timezones.local_instant(AUTUMN, time(2, 30), LONDON) == utc(2027, 10, 31, 2, 30)  # GMT again


# ---------------------------------------------------------------------------- availability windows


def test_a_sunday_window_stays_at_nine_local_on_the_day_the_clocks_go_forward():
    rules = [Rule(SUNDAY, time(9), time(11))]
    found = windows(rules, "Europe/London", utc(2027, 3, 20), utc(2027, 4, 5))
    assert found == [
        (utc(2027, 3, 21, 9), utc(2027, 3, 21, 11)),  # GMT
        (utc(2027, 3, 28, 8), utc(2027, 3, 28, 10)),  # BST from 01:00 GMT that morning
        (utc(2027, 4, 4, 8), utc(2027, 4, 4, 10)),
    ]
    assert [wall(opens) for opens, _ in found] == ["Sun 21 Mar 09:00", "Sun 28 Mar 09:00", "Sun 04 Apr 09:00"]


def test_a_monday_window_keeps_its_wall_clock_times_on_both_sides_of_the_autumn_change():
    found = windows([Rule(MONDAY, time(9), time(17, 30))], "Europe/London", utc(2027, 10, 25), utc(2027, 11, 2))
    assert found == [(utc(2027, 10, 25, 8), utc(2027, 10, 25, 16, 30)), (utc(2027, 11, 1, 9), utc(2027, 11, 1, 17, 30))]


def test_a_window_opening_in_the_skipped_hour_is_not_offered_that_day_only():
    found = windows([Rule(SUNDAY, time(1, 30), time(3))], "Europe/London", utc(2027, 3, 21), utc(2027, 4, 5))
    assert [wall(opens) for opens, _ in found] == ["Sun 21 Mar 01:30", "Sun 04 Apr 01:30"]


def test_a_window_over_the_repeated_hour_lasts_the_extra_hour():
    found = windows([Rule(SUNDAY, time(1), time(2))], "Europe/London", utc(2027, 10, 30), utc(2027, 11, 1))
    assert found == [(utc(2027, 10, 31, 0), utc(2027, 10, 31, 2))]  # 01:00 BST to 02:00 GMT: two hours


def test_windows_are_cut_to_the_range_by_overlap_and_read_in_the_coach_zone():
    # Monday 09:00-10:00 in Auckland (NZDT, +13) is Sunday 20:00-21:00 UTC.
    rules = [Rule(MONDAY, time(9), time(10))]
    assert windows(rules, "Pacific/Auckland", utc(2027, 1, 3, 20, 30), utc(2027, 1, 3, 20, 31)) == [
        (utc(2027, 1, 3, 20), utc(2027, 1, 3, 21))
    ]
    assert (
        windows(rules, "Pacific/Auckland", utc(2027, 1, 3, 21), utc(2027, 1, 4)) == []
    )  # the range starts as it closes


def test_rules_parse_into_wall_times():
    assert parse_rules([(1, "09:00", "12:00"), (1, "13:00", "17:00")]) == [
        Rule(1, time(9), time(12)),
        Rule(1, time(13), time(17)),
    ]


@pytest.mark.parametrize(
    "rules, field, message",
    [
        ([(8, "09:00", "10:00")], "rules.0.weekday", "weekday must be 1 (Monday) to 7 (Sunday)."),
        ([(1, "9am", "10:00")], "rules.0.startTime", "Use HH:MM."),
        (
            [(1, "09:00", "10:00+01:00")],
            "rules.0.endTime",
            "Use HH:MM without an offset: windows are in the coach's own time zone.",
        ),
        ([(1, "09:00", "09:00")], "rules.0.endTime", "The window must end after it starts."),
        ([(2, "09:00", "12:00"), (2, "11:59", "13:00")], "rules", "Windows on the same day must not overlap."),
    ],
)
def test_bad_rules_are_refused_with_field_and_message(rules, field, message):
    with pytest.raises(DomainError) as refused:
        parse_rules(rules)
    assert (refused.value.code, refused.value.field, refused.value.message) == (ErrorCode.INVALID, field, message)


def test_windows_touching_on_the_same_day_or_on_other_days_are_allowed():
    assert len(parse_rules([(2, "09:00", "12:00"), (2, "12:00", "13:00"), (3, "11:00", "14:00")])) == 3


def test_days_covers_every_local_date_of_the_range_with_a_margin():
    start, end = utc(2027, 3, 27, 23), utc(2027, 3, 28, 23, 30)  # BST from the 28th: ends 00:30 on the 29th
    assert list(timezones.days(start, end, LONDON)) == [date(2027, 3, 26) + timedelta(days=i) for i in range(4)]
