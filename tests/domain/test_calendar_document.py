"""The iCalendar document written by hand (domain.calendar.render), read back by the icalendar package."""

import uuid

from icalendar import Calendar

from domain.calendar import Owner, render, short_name
from models.enums import Role, SessionStatus
from tests.support.dates import utc

AWKWARD = 'Zoë-Åsa; Müller, \\ the "Great"\nof Ærøskøbing ' + "ø" * 60


def row(**changes) -> dict:
    base = {
        "id": str(uuid.uuid4()),
        "starts_at": "20300319T100000Z",
        "ends_at": "20300319T110000Z",
        "status": SessionStatus.CONFIRMED.value,
        "revision": 3,
        "created_at": "20300301T090000Z",
        "updated_at": "20300302T090000Z",
        "service": "Coaching",
        "coach": AWKWARD,
        "timezone": "Europe/London",
        "client": "Casey Clientson",
        "coach_knows_client": True,
    }
    return {**base, **changes}


def test_text_is_escaped_and_long_lines_folded_at_75_octets_without_splitting_a_character():
    session = row()
    text = render(Owner(Role.CLIENT, uuid.uuid4(), None), [session])

    assert all(len(line.encode("utf-8")) <= 75 for line in text.split("\r\n"))
    [event] = Calendar.from_ical(text.encode()).walk("VEVENT")
    assert str(event["SUMMARY"]) == f"Coaching with {AWKWARD}"
    assert str(event["UID"]) == f"{session['id']}@caseload"
    assert int(event["SEQUENCE"]) == 3
    assert event.decoded("DTSTART") == utc(2030, 3, 19, 10)


def test_statuses_and_names_in_a_coachs_feed():
    rows = [
        row(status=SessionStatus.PENDING.value),
        row(status=SessionStatus.CANCELLED.value),
        row(status=SessionStatus.COMPLETED.value),
        row(coach_knows_client=False),
    ]
    calendar = Calendar.from_ical(render(Owner(Role.COACH, uuid.uuid4(), "Europe/London"), rows).encode())
    found = [(str(e["STATUS"]), str(e["SUMMARY"])) for e in calendar.walk("VEVENT")]
    assert found == [
        ("TENTATIVE", "Coaching with Casey C."),
        ("CANCELLED", "Coaching with Casey C."),
        ("CONFIRMED", "Coaching with Casey C."),
        ("CONFIRMED", "Coaching with Deleted Client"),
    ]


def test_short_names():
    assert short_name("Casey") == "Casey"
    assert short_name("  Mary Ann  van der Berg ") == "Mary B."
    assert short_name(None) == "Deleted Client"
