"""Rules at the edges: empty pools a session does not draw on, what organisations may read,
erasure next to people with similar names, and inputs at the limits."""

import models
from domain import clock
from models.enums import CoachKind, Role
from schema.node import uuid_of
from tests.support.booking import BOOK, CANCEL, CONFIRM, CREATE_SERVICE, SET_AVAILABILITY, SLOTS, setup_coach
from tests.support.credits import GRANT, GRANT_ORG
from tests.support.dates import utc
from tests.support.errors import codes_and_fields, user_error

NOW = utc(2030, 3, 1, 12)


async def test_an_empty_pool_blocks_booking_even_when_the_session_does_not_draw_on_it(api, world):
    clock.freeze(NOW)
    admin = await world.admin()
    org = await world.organisation()
    member = await world.user(Role.CLIENT, organisation=org)
    _internal, service = await setup_coach(api, world, kind=CoachKind.INTERNAL, organisation=org)
    await api.ok(GRANT, {"input": {"clientId": member.client_id, "amount": 3}}, admin.token)

    empty_org = await api.ok(BOOK, {"i": {"serviceId": service, "startsAt": "2030-03-02T09:00:00Z"}}, member.token)
    assert codes_and_fields(empty_org["bookSession"]["userErrors"]) == [
        ("INSUFFICIENT_CREDITS", ["input", "serviceId"])
    ]
    assert "NO_ORGANISATION_CREDITS" in empty_org["bookSession"]["userErrors"][0]["message"]

    await api.ok(GRANT_ORG, {"input": {"organisationId": org, "amount": 1}}, admin.token)
    ok = await api.ok(BOOK, {"i": {"serviceId": service, "startsAt": "2030-03-02T09:00:00Z"}}, member.token)
    assert ok["bookSession"]["userErrors"] == []
    assert (await models.CreditPool.get(organisation_id__isnull=False)).balance == 1  # INTERNAL: not debited

    solo_coach, _ = await setup_coach(api, world)
    free = await api.ok(
        CREATE_SERVICE,
        {"i": {"name": "Intro", "durationMinutes": 15, "format": "PHONE", "credits": 0}},
        solo_coach.token,
    )
    client_id = await world.client_of(solo_coach)
    refused = await api.ok(
        BOOK,
        {
            "i": {
                "serviceId": free["createService"]["service"]["id"],
                "clientId": client_id,
                "startsAt": "2030-03-02T09:00:00Z",
            }
        },
        solo_coach.token,
    )
    assert codes_and_fields(refused["bookSession"]["userErrors"]) == [
        ("INSUFFICIENT_CREDITS", ["input", "serviceId"])
    ]  # an empty pool blocks any booking


async def test_organisation_admins_read_no_reasons_or_proposal_messages(api, world):
    clock.freeze(NOW)
    admin = await world.admin()
    org = await world.organisation()
    org_admin = await world.user(Role.ORG_ADMIN, organisation=org)
    member = await world.user(Role.CLIENT, organisation=org)
    _coach, service = await setup_coach(api, world)
    await api.ok(GRANT, {"input": {"clientId": member.client_id, "amount": 3}}, admin.token)
    await api.ok(GRANT_ORG, {"input": {"organisationId": org, "amount": 3}}, admin.token)
    first = (await api.ok(BOOK, {"i": {"serviceId": service, "startsAt": "2030-03-03T09:00:00Z"}}, member.token))[
        "bookSession"
    ]["session"]["id"]
    second = (await api.ok(BOOK, {"i": {"serviceId": service, "startsAt": "2030-03-04T09:00:00Z"}}, member.token))[
        "bookSession"
    ]["session"]["id"]
    await api.ok(
        "mutation($i: ProposeRescheduleInput!) { proposeReschedule(input: $i) { userErrors { code } } }",
        {"i": {"sessionId": first, "startsAt": "2030-03-05T09:00:00Z", "message": "private-proposal-text"}},
        member.token,
    )
    await api.ok(CANCEL, {"i": {"sessionId": second, "reason": "private-cancel-reason"}}, member.token)

    query = """query { sessions { edges { node { status cancellation { reason } proposals { message status } } } } }"""
    seen = (await api.post(query, token=org_admin.token)).text
    assert "private-proposal-text" not in seen and "private-cancel-reason" not in seen
    assert "CANCELLED" in seen and "OPEN" in seen  # status and times stay visible
    by_client = (await api.post(query, token=member.token)).text
    assert "private-proposal-text" in by_client and "private-cancel-reason" in by_client


async def test_erasing_al_leaves_alices_notifications_alone_and_frees_als_slots(api, world):
    clock.freeze(NOW)
    admin = await world.admin()
    coach, service = await setup_coach(api, world)
    al = await world.user(Role.CLIENT, name="Al")
    alice = await world.user(Role.CLIENT, name="Alice Smith")
    for client in (al, alice):
        await api.ok(GRANT, {"input": {"clientId": client.client_id, "amount": 2}}, admin.token)
    await api.ok(
        "mutation($i: UpdateCoachSettingsInput!) { updateCoachSettings(input: $i) { userErrors { code } } }",
        {"i": {"autoConfirm": False}},
        coach.token,
    )
    await api.ok(BOOK, {"i": {"serviceId": service, "startsAt": "2030-03-02T09:00:00Z"}}, alice.token)
    al_session = (await api.ok(BOOK, {"i": {"serviceId": service, "startsAt": "2030-03-02T11:00:00Z"}}, al.token))[
        "bookSession"
    ]["session"]["id"]

    await api.ok(
        "mutation($id: ID!) { eraseClient(input: {clientId: $id}) { userErrors { code } } }",
        {"id": al.client_id},
        admin.token,
    )

    bodies = [n.body for n in await models.Notification.filter(kind="BOOKING_REQUESTED").order_by("body")]
    assert any(b.startswith("Alice Smith booked") for b in bodies), bodies
    assert any(b.startswith("Deleted Client booked") for b in bodies), bodies
    session = await models.Session.get(id=uuid_of(al_session, "Session"))
    assert (session.status.value, session.refund_status.value) == ("CANCELLED", "PENDING")  # the worker refunds it
    again = await api.ok(BOOK, {"i": {"serviceId": service, "startsAt": "2030-03-02T11:00:00Z"}}, alice.token)
    assert again["bookSession"]["userErrors"] == []  # Al's slot is free


async def test_inputs_at_the_limits_get_coded_errors(api, world):
    clock.freeze(NOW)
    admin = await world.admin()
    coach, service = await setup_coach(api, world)
    client_id = await world.client_of(coach)
    await api.ok(GRANT, {"input": {"clientId": client_id, "amount": 1}}, admin.token)

    naive = await api.ok(SLOTS, {"s": service, "f": "2030-03-02T00:00:00", "t": "2030-03-02T02:00:00"}, coach.token)
    assert [s["startsAt"] for s in naive["availableSlots"]] == [
        "2030-03-02T00:00:00+00:00",
        "2030-03-02T01:00:00+00:00",
    ]
    offset = await api.ok(
        SET_AVAILABILITY,
        {"i": {"rules": [{"weekday": 1, "startTime": "10:00+05:00", "endTime": "12:00"}]}},
        coach.token,
    )
    assert offset["setAvailability"]["userErrors"] == [
        user_error(
            "INVALID",
            ["input", "rules", "0", "startTime"],
            "Use HH:MM without an offset: windows are in the coach's own time zone.",
        )
    ]
    far = await api.ok(
        BOOK, {"i": {"serviceId": service, "clientId": client_id, "startsAt": "9999-12-31T23:30:00Z"}}, coach.token
    )
    assert far["bookSession"]["userErrors"] == [
        user_error("INVALID", ["input", "startsAt"], "Must be between the years 1 and 9999.")
    ]

    member = await world.user(Role.CLIENT)
    await api.ok(GRANT, {"input": {"clientId": member.client_id, "amount": 1}}, admin.token)
    await api.ok(
        "mutation($i: UpdateCoachSettingsInput!) { updateCoachSettings(input: $i) { userErrors { code } } }",
        {"i": {"autoConfirm": False}},
        coach.token,
    )
    pending = (await api.ok(BOOK, {"i": {"serviceId": service, "startsAt": "2030-03-02T09:00:00Z"}}, member.token))[
        "bookSession"
    ]["session"]["id"]
    clock.freeze(utc(2030, 3, 2, 9, 5))
    late = await api.ok(CONFIRM, {"i": {"sessionId": pending}}, coach.token)
    assert late["confirmSession"]["userErrors"] == [
        user_error(
            "INVALID_TRANSITION", ["input", "sessionId"], "A booking cannot be confirmed once its time has come."
        )
    ]
