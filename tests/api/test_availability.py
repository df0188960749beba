"""Services, weekly availability, time off and availableSlots, DST-correct."""

import models
from domain import clock
from models.enums import CoachKind, Role, SessionStatus
from schema.node import uuid_of
from tests.support.booking import CREATE_SERVICE, SET_AVAILABILITY, SETTINGS, SLOTS
from tests.support.dates import utc
from tests.support.errors import user_error


async def coach_with_service(api, world, *, timezone_name="Europe/London", buffer=0, duration=60):
    coach = await world.user(Role.COACH)
    await api.ok(SETTINGS, {"i": {"timezone": timezone_name, "bufferMinutes": buffer}}, coach.token)
    data = await api.ok(
        CREATE_SERVICE,
        {
            "i": {
                "name": "Coaching",
                "durationMinutes": duration,
                "format": "VIDEO",
                "credits": 1,
                "price": {"amountMinor": 9000, "currency": "eur"},
            }
        },
        coach.token,
    )
    assert data["createService"]["userErrors"] == []
    assert data["createService"]["service"]["price"] == {"amountMinor": 9000, "currency": "EUR"}
    return coach, data["createService"]["service"]["id"]


async def test_slots_keep_local_time_across_the_spring_dst_change(api, world):
    clock.freeze(utc(2027, 3, 20, 12))
    coach, service = await coach_with_service(api, world)
    await api.ok(
        SET_AVAILABILITY, {"i": {"rules": [{"weekday": 1, "startTime": "09:00", "endTime": "11:00"}]}}, coach.token
    )

    # Mondays 22 March (GMT) and 29 March 2027 (BST, after the change on the 28th)
    data = await api.ok(SLOTS, {"s": service, "f": "2027-03-21T00:00:00Z", "t": "2027-03-31T00:00:00Z"}, coach.token)
    starts = [s["startsAt"] for s in data["availableSlots"]]
    assert starts == [
        "2027-03-22T09:00:00+00:00",
        "2027-03-22T10:00:00+00:00",  # 09:00 and 10:00 GMT
        "2027-03-29T08:00:00+00:00",
        "2027-03-29T09:00:00+00:00",  # 09:00 and 10:00 BST
    ]


async def test_slots_skip_time_off_past_times_and_busy_sessions_with_their_buffer(api, world):
    clock.freeze(utc(2027, 5, 3, 9, 30))  # Monday 10:30 in London (BST): 09:00 is past
    coach, service = await coach_with_service(api, world, buffer=30, duration=30)
    await api.ok(
        SET_AVAILABILITY, {"i": {"rules": [{"weekday": 1, "startTime": "09:00", "endTime": "14:00"}]}}, coach.token
    )
    # Time off 11:00-11:30 local; a confirmed session 12:00-12:30 local with a 30 min buffer after it
    off = await api.ok(
        """mutation { addTimeOff(input: {startsAt: "2027-05-03T11:00:00", endsAt: "2027-05-03T11:30:00", reason: "Dentist"}) {
        coach { timeOff { startsAt reason } } userErrors { code } } }""",
        token=coach.token,
    )
    assert off["addTimeOff"]["coach"]["timeOff"] == [{"startsAt": "2027-05-03T10:00:00+00:00", "reason": "Dentist"}]
    service_row = await models.Service.get(id=uuid_of(service, "Service"))
    client = await models.Client.create(name="Busy")
    await models.Session.create(
        coach_id=service_row.coach_id,
        client=client,
        service=service_row,
        kind=CoachKind.GLOBAL,
        format="VIDEO",
        starts_at=utc(2027, 5, 3, 11),
        ends_at=utc(2027, 5, 3, 11, 30),
        blocked_until=utc(2027, 5, 3, 12),
        status=SessionStatus.CONFIRMED,
        booked_by=Role.COACH,
    )

    data = await api.ok(SLOTS, {"s": service, "f": "2027-05-03T00:00:00Z", "t": "2027-05-04T00:00:00Z"}, coach.token)
    utc_starts = [s["startsAt"][11:16] for s in data["availableSlots"]]
    # Local 10:30 would run its buffer into the time off, 11:30 into the session, and 12:30 starts
    # inside the session's buffer; 13:00 and 13:30 local (12:00, 12:30 UTC) are free.
    assert utc_starts == ["12:00", "12:30"]


async def test_bad_inputs_get_coded_errors_with_field_paths(api, world):
    coach, service = await coach_with_service(api, world)
    bad_service = await api.ok(
        CREATE_SERVICE, {"i": {"name": "X", "durationMinutes": 0, "format": "VIDEO", "credits": 1}}, coach.token
    )
    assert bad_service["createService"]["userErrors"] == [
        {"code": "INVALID", "field": ["input", "durationMinutes"], "message": "Must be between 5 and 480."}
    ]
    overlap = await api.ok(
        SET_AVAILABILITY,
        {
            "i": {
                "rules": [
                    {"weekday": 2, "startTime": "09:00", "endTime": "12:00"},
                    {"weekday": 2, "startTime": "11:00", "endTime": "13:00"},
                ]
            }
        },
        coach.token,
    )
    assert overlap["setAvailability"]["userErrors"] == [
        user_error("INVALID", ["input", "rules"], "Windows on the same day must not overlap.")
    ]
    backwards = await api.ok(
        SET_AVAILABILITY, {"i": {"rules": [{"weekday": 3, "startTime": "12:00", "endTime": "09:00"}]}}, coach.token
    )
    assert backwards["setAvailability"]["userErrors"] == [
        user_error("INVALID", ["input", "rules", "0", "endTime"], "The window must end after it starts.")
    ]
    bad_zone = await api.ok(SETTINGS, {"i": {"timezone": "Mars/Olympus"}}, coach.token)
    assert bad_zone["updateCoachSettings"]["userErrors"] == [
        user_error("INVALID", ["input", "timezone"], "Not a known IANA time zone (e.g. Europe/London).")
    ]

    # 02:30 on 2027-03-14 does not exist in New York; 01:30 on 2027-11-07 happens twice.
    await api.ok(SETTINGS, {"i": {"timezone": "America/New_York"}}, coach.token)
    add = """mutation($s: DateTime!, $e: DateTime!) { addTimeOff(input: {startsAt: $s, endsAt: $e}) { userErrors { code field message } } }"""
    skipped = await api.ok(add, {"s": "2027-03-14T02:30:00", "e": "2027-03-14T05:00:00"}, coach.token)
    assert skipped["addTimeOff"]["userErrors"] == [
        user_error(
            "INVALID",
            ["input", "startsAt"],
            "2027-03-14T02:30:00 does not exist in America/New_York (the clocks skip it).",
        )
    ]
    twice = await api.ok(add, {"s": "2027-11-07T01:30:00", "e": "2027-11-07T05:00:00"}, coach.token)
    assert twice["addTimeOff"]["userErrors"] == [
        user_error(
            "INVALID",
            ["input", "startsAt"],
            "2027-11-07T01:30:00 happens twice in America/New_York; give a UTC offset.",
        )
    ]
    assert await models.TimeOff.all().count() == 0

    too_long = await api(SLOTS, {"s": service, "f": "2027-01-01T00:00:00Z", "t": "2027-04-01T00:00:00Z"}, coach.token)
    assert too_long["errors"][0]["extensions"]["code"] == "INVALID"


async def test_a_coach_cannot_touch_another_coaches_service(api, world):
    _, service = await coach_with_service(api, world)
    other = await world.user(Role.COACH)
    data = await api.ok(
        """mutation($i: UpdateServiceInput!) { updateService(input: $i) { service { id } userErrors { code field } } }""",
        {"i": {"serviceId": service, "credits": 0}},
        other.token,
    )
    assert data["updateService"]["userErrors"] == [{"code": "NOT_FOUND", "field": ["input", "serviceId"]}]
    assert (await models.Service.get(id=uuid_of(service, "Service"))).credits == 1


async def test_slots_keep_local_time_across_the_autumn_dst_change(api, world):
    clock.freeze(utc(2027, 10, 20, 12))
    coach, service = await coach_with_service(api, world)
    await api.ok(
        SET_AVAILABILITY, {"i": {"rules": [{"weekday": 1, "startTime": "09:00", "endTime": "10:00"}]}}, coach.token
    )

    # Mondays 25 October (BST) and 1 November 2027 (GMT, after the change on the 31st)
    data = await api.ok(SLOTS, {"s": service, "f": "2027-10-24T00:00:00Z", "t": "2027-11-03T00:00:00Z"}, coach.token)
    assert [s["startsAt"] for s in data["availableSlots"]] == ["2027-10-25T08:00:00+00:00", "2027-11-01T09:00:00+00:00"]
