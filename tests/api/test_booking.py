"""Booking on the credit ledger, through the API, with real arq workers for refunds."""

import asyncio
from datetime import timedelta

import pytest
from tortoise import connections

import models
from domain import clock
from models.enums import CoachKind, Role
from schema.node import uuid_of
from tests.support.booking import BOOK, CANCEL, COMPLETE, CONFIRM, PROPOSE, setup_coach
from tests.support.credits import GRANT, GRANT_ORG, assert_ledger_balances
from tests.support.dates import utc
from tests.support.errors import codes_and_fields, user_error
from tests.support.workers import run_worker

TAKEN = user_error("SLOT_UNAVAILABLE", ["input", "startsAt"], "That time is already taken.")


async def ledger_rows() -> list[dict]:
    return await connections.get("default").execute_query_dict(
        "SELECT p.kind, t.delta, t.reason FROM credit_transactions t JOIN credit_pools p ON p.id = t.pool_id ORDER BY t.created_at, t.id"
    )


async def test_global_session_debits_client_and_organisation_internal_only_client(api, world):
    clock.freeze(utc(2030, 1, 7, 8))
    admin = await world.admin()
    org = await world.organisation()
    member = await world.user(Role.CLIENT, organisation=org)
    await api.ok(GRANT, {"input": {"clientId": member.client_id, "amount": 10}}, admin.token)
    await api.ok(GRANT_ORG, {"input": {"organisationId": org, "amount": 10}}, admin.token)
    _global_coach, global_service = await setup_coach(api, world, credits=2)
    _internal_coach, internal_service = await setup_coach(
        api, world, kind=CoachKind.INTERNAL, organisation=org, credits=3
    )

    g = await api.ok(BOOK, {"i": {"serviceId": global_service, "startsAt": "2030-01-08T10:00:00Z"}}, member.token)
    i = await api.ok(BOOK, {"i": {"serviceId": internal_service, "startsAt": "2030-01-08T10:00:00Z"}}, member.token)

    assert g["bookSession"]["userErrors"] == [] and i["bookSession"]["userErrors"] == []
    assert g["bookSession"]["session"]["status"] == "CONFIRMED"
    assert sorted(t["delta"] for t in g["bookSession"]["session"]["creditTransactions"]) == [
        -2
    ]  # the client sees its own pool
    pools = {p.kind.value: p.balance for p in await models.CreditPool.all()}
    assert pools == {"CLIENT": 10 - 2 - 3, "ORGANISATION": 10 - 2}
    await assert_ledger_balances()


async def test_every_failing_eligibility_reason_is_reported(api, world):
    clock.freeze(utc(2030, 1, 7, 8))
    admin = await world.admin()
    org = await world.organisation()
    member = await world.user(Role.CLIENT, organisation=org)
    _coach, service = await setup_coach(api, world)
    await api.ok(
        "mutation($i: UpdateOrganisationInput!) { updateOrganisation(input: $i) { userErrors { code } } }",
        {"i": {"organisationId": org, "active": False, "bookingPeriod": {"startsOn": "2031-01-01"}}},
        admin.token,
    )

    data = await api.ok(BOOK, {"i": {"serviceId": service, "startsAt": "2030-01-08T10:00:00Z"}}, member.token)
    assert codes_and_fields(data["bookSession"]["userErrors"]) == [("NOT_ELIGIBLE", ["input", "clientId"])]
    error = data["bookSession"]["userErrors"][0]
    for reason in ("ORGANISATION_INACTIVE", "OUTSIDE_BOOKING_PERIOD", "NO_CLIENT_CREDITS", "NO_ORGANISATION_CREDITS"):
        assert reason in error["message"]
    assert await models.Session.all().count() == 0


async def test_k_credits_and_n_concurrent_bookings_give_exactly_k(api, world):
    clock.freeze(utc(2030, 1, 7, 8))
    admin = await world.admin()
    coach, service = await setup_coach(api, world, duration=30)
    client_id = await world.client_of(coach)
    k, n = 50, 200  # 200 concurrent bookings against 50 credits
    await api.ok(GRANT, {"input": {"clientId": client_id, "amount": k}}, admin.token)

    # Distinct free slots, 46 a day (windows close at 23:59, so no slot starts at 23:30)
    starts = [(utc(2030, 1, 8) + timedelta(days=i // 46, minutes=30 * (i % 46))).isoformat() for i in range(n)]
    answers = await asyncio.gather(
        *[
            api.ok(BOOK, {"i": {"serviceId": service, "clientId": client_id, "startsAt": s}}, coach.token)
            for s in starts
        ]
    )

    booked = [a for a in answers if a["bookSession"]["session"]]
    refused = [codes_and_fields(a["bookSession"]["userErrors"]) for a in answers if not a["bookSession"]["session"]]
    assert len(booked) == k
    assert refused == [[("INSUFFICIENT_CREDITS", ["input", "serviceId"])]] * (n - k)
    assert (await models.CreditPool.get(client_id__isnull=False)).balance == 0
    assert sum(r["delta"] for r in await ledger_rows()) == 0
    await assert_ledger_balances()


async def test_one_slot_booked_concurrently_goes_to_exactly_one(api, world):
    clock.freeze(utc(2030, 1, 7, 8))
    admin = await world.admin()
    coach, service = await setup_coach(api, world, buffer=15)
    clients = [await world.client_of(coach, name=f"C{i}") for i in range(100)]  # 100 requests for one slot
    for client_id in clients:  # two each: whichever client wins the race can still book again below
        await api.ok(GRANT, {"input": {"clientId": client_id, "amount": 2}}, admin.token)

    answers = await asyncio.gather(
        *[
            api.ok(BOOK, {"i": {"serviceId": service, "clientId": c, "startsAt": "2030-01-08T10:00:00Z"}}, coach.token)
            for c in clients
        ]
    )
    refusals = [a["bookSession"]["userErrors"] for a in answers if a["bookSession"]["userErrors"]]
    assert refusals == [[TAKEN]] * 99

    # The buffer after the session holds 11:00-11:15; half-open ranges let 11:15 in.
    in_buffer = await api.ok(
        BOOK, {"i": {"serviceId": service, "clientId": clients[1], "startsAt": "2030-01-08T11:00:00Z"}}, coach.token
    )
    assert in_buffer["bookSession"]["userErrors"] == [TAKEN]
    after_buffer = await api.ok(
        BOOK, {"i": {"serviceId": service, "clientId": clients[1], "startsAt": "2030-01-08T11:15:00Z"}}, coach.token
    )
    assert after_buffer["bookSession"]["userErrors"] == []
    await assert_ledger_balances()


async def test_idempotency_key_books_once(api, world):
    clock.freeze(utc(2030, 1, 7, 8))
    admin = await world.admin()
    coach, service = await setup_coach(api, world)
    client_id = await world.client_of(coach)
    await api.ok(GRANT, {"input": {"clientId": client_id, "amount": 5}}, admin.token)
    variables = {
        "i": {"serviceId": service, "clientId": client_id, "startsAt": "2030-01-08T10:00:00Z", "idempotencyKey": "k1"}
    }

    answers = await asyncio.gather(*[api.ok(BOOK, variables, coach.token) for _ in range(20)])

    assert len({a["bookSession"]["session"]["id"] for a in answers}) == 1
    assert await models.Session.all().count() == 1
    assert [r["delta"] for r in await ledger_rows() if r["reason"] == "BOOKING"] == [-1]
    other = await api.ok(BOOK, {"i": {**variables["i"], "startsAt": "2030-01-08T12:00:00Z"}}, coach.token)
    assert other["bookSession"]["userErrors"] == [
        user_error("CONFLICT", ["input", "idempotencyKey"], "This idempotency key was used for a different booking.")
    ]


async def test_cancellation_refunds_once_through_the_worker_and_frees_the_slot(api, world, test_settings):
    clock.freeze(utc(2030, 1, 7, 8))
    admin = await world.admin()
    coach, service = await setup_coach(api, world, credits=2)
    client_id = await world.client_of(coach)
    await api.ok(GRANT, {"input": {"clientId": client_id, "amount": 2}}, admin.token)
    booked = await api.ok(
        BOOK, {"i": {"serviceId": service, "clientId": client_id, "startsAt": "2030-01-08T10:00:00Z"}}, coach.token
    )
    session_id = booked["bookSession"]["session"]["id"]

    cancelled = await api.ok(CANCEL, {"i": {"sessionId": session_id, "reason": "Ill"}}, coach.token)
    assert cancelled["cancelSession"]["session"]["cancellation"] == {
        "late": False,
        "refund": "PENDING",
        "cancelledBy": "COACH",
    }

    await run_worker(test_settings)
    await run_worker(test_settings)  # a second run finds nothing to claim
    from domain import refunds

    assert await refunds.refund(uuid_of(session_id, "Session")) is False  # and so does a third delivery

    seen = await api.ok(
        "query($id: ID!) { session(id: $id) { cancellation { refund } } }", {"id": session_id}, coach.token
    )
    assert seen["session"]["cancellation"]["refund"] == "REFUNDED"
    assert [r["delta"] for r in await ledger_rows()] == [2, -2, 2]
    again = await api.ok(
        BOOK, {"i": {"serviceId": service, "clientId": client_id, "startsAt": "2030-01-08T10:00:00Z"}}, coach.token
    )
    assert again["bookSession"]["userErrors"] == []  # the slot is free again
    await assert_ledger_balances()


async def test_a_late_client_cancellation_keeps_the_credits(api, world, test_settings):
    clock.freeze(utc(2030, 1, 7, 8))
    admin = await world.admin()
    member = await world.user(Role.CLIENT)
    _coach, service = await setup_coach(api, world)
    await api.ok(GRANT, {"input": {"clientId": member.client_id, "amount": 1}}, admin.token)
    booked = await api.ok(
        BOOK, {"i": {"serviceId": service, "startsAt": "2030-01-07T20:00:00Z"}}, member.token
    )  # in 12 h

    data = await api.ok(CANCEL, {"i": {"sessionId": booked["bookSession"]["session"]["id"]}}, member.token)

    assert data["cancelSession"]["session"]["cancellation"] == {
        "late": True,
        "refund": "NOT_REFUNDABLE",
        "cancelledBy": "CLIENT",
    }
    await run_worker(test_settings)
    assert (await models.CreditPool.get(client_id__isnull=False)).balance == 0
    assert await models.OutboxJob.filter(job_name="refund_session").count() == 0


async def test_transitions_that_are_not_allowed_change_nothing(api, world):
    clock.freeze(utc(2030, 1, 7, 8))
    admin = await world.admin()
    member = await world.user(Role.CLIENT)
    coach, service = await setup_coach(api, world, auto_confirm=False)
    other_coach = await world.user(Role.COACH)
    await api.ok(GRANT, {"input": {"clientId": member.client_id, "amount": 3}}, admin.token)
    booked = await api.ok(BOOK, {"i": {"serviceId": service, "startsAt": "2030-01-08T10:00:00Z"}}, member.token)
    session = {"sessionId": booked["bookSession"]["session"]["id"]}
    assert booked["bookSession"]["session"]["status"] == "PENDING"

    early = await api.ok(COMPLETE, {"i": session}, coach.token)
    assert early["completeSession"]["userErrors"] == [
        user_error("INVALID_TRANSITION", ["input", "sessionId"], "The session has not started yet.")
    ]  # a future session
    by_client = await api(CONFIRM, {"i": session}, member.token)
    assert by_client["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    by_other = await api.ok(CONFIRM, {"i": session}, other_coach.token)
    assert by_other["confirmSession"]["userErrors"] == [
        {"code": "NOT_FOUND", "field": ["input", "sessionId"], "message": "Session not found."}
    ]
    assert (await models.Session.first()).status.value == "PENDING"

    assert (await api.ok(CONFIRM, {"i": session}, coach.token))["confirmSession"]["session"]["status"] == "CONFIRMED"
    clock.freeze(utc(2030, 1, 8, 11))
    assert (await api.ok(COMPLETE, {"i": session}, coach.token))["completeSession"]["session"]["status"] == "COMPLETED"
    cancel_done = await api.ok(CANCEL, {"i": session}, coach.token)
    assert cancel_done["cancelSession"]["userErrors"] == [
        user_error("INVALID_TRANSITION", ["input", "sessionId"], "A completed session cannot be cancelled.")
    ]
    await assert_ledger_balances()


RESPOND = """mutation($i: RespondToProposalInput!) { respondToProposal(input: $i) {
  proposal { status } session { status startsAt proposals { status } } userErrors { code field message } } }"""


async def test_reschedule_proposals_supersede_counter_and_accept(api, world):
    clock.freeze(utc(2030, 1, 7, 8))
    admin = await world.admin()
    member = await world.user(Role.CLIENT)
    coach, service = await setup_coach(api, world)
    await api.ok(GRANT, {"input": {"clientId": member.client_id, "amount": 2}}, admin.token)
    booked = await api.ok(BOOK, {"i": {"serviceId": service, "startsAt": "2030-01-08T10:00:00Z"}}, member.token)
    session_id = booked["bookSession"]["session"]["id"]

    first = await api.ok(PROPOSE, {"i": {"sessionId": session_id, "startsAt": "2030-01-09T10:00:00Z"}}, member.token)
    second = await api.ok(PROPOSE, {"i": {"sessionId": session_id, "startsAt": "2030-01-09T11:00:00Z"}}, member.token)
    own = await api.ok(
        RESPOND, {"i": {"proposalId": second["proposeReschedule"]["proposal"]["id"], "accept": True}}, member.token
    )
    assert own["respondToProposal"]["userErrors"] == [
        user_error("FORBIDDEN", ["input", "proposalId"], "The other side answers a proposal.")
    ]  # the other side answers

    countered = await api.ok(
        RESPOND,
        {
            "i": {
                "proposalId": second["proposeReschedule"]["proposal"]["id"],
                "accept": False,
                "counterStartsAt": "2030-01-09T14:00:00Z",
            }
        },
        coach.token,
    )
    assert [p["status"] for p in countered["respondToProposal"]["session"]["proposals"]] == [
        "SUPERSEDED",
        "DECLINED",
        "OPEN",
    ]
    counter_id = (await models.RescheduleProposal.get(status="OPEN")).id
    from schema.node import encode

    accepted = await api.ok(
        RESPOND, {"i": {"proposalId": encode("RescheduleProposal", counter_id), "accept": True}}, member.token
    )
    assert accepted["respondToProposal"]["session"]["startsAt"] == "2030-01-09T14:00:00+00:00"
    assert accepted["respondToProposal"]["session"]["status"] == "CONFIRMED"
    stale = await api.ok(
        RESPOND, {"i": {"proposalId": first["proposeReschedule"]["proposal"]["id"], "accept": True}}, coach.token
    )
    assert stale["respondToProposal"]["userErrors"] == [
        user_error("INVALID_TRANSITION", ["input", "proposalId"], "This proposal is no longer open.")
    ]


async def test_declining_with_a_proposed_time_keeps_the_booking_pending(api, world):
    clock.freeze(utc(2030, 1, 7, 8))
    admin = await world.admin()
    member = await world.user(Role.CLIENT)
    coach, service = await setup_coach(api, world, auto_confirm=False)
    await api.ok(GRANT, {"input": {"clientId": member.client_id, "amount": 1}}, admin.token)
    booked = await api.ok(BOOK, {"i": {"serviceId": service, "startsAt": "2030-01-08T10:00:00Z"}}, member.token)
    session_id = booked["bookSession"]["session"]["id"]

    declined = await api.ok(
        """mutation($i: DeclineSessionInput!) { declineSession(input: $i) {
        session { status proposals { status proposedBy startsAt } } userErrors { code } } }""",
        {"i": {"sessionId": session_id, "proposedStartsAt": "2030-01-08T15:00:00Z"}},
        coach.token,
    )
    session = declined["declineSession"]["session"]
    assert session["status"] == "PENDING"
    assert session["proposals"] == [{"status": "OPEN", "proposedBy": "COACH", "startsAt": "2030-01-08T15:00:00+00:00"}]
    assert (await models.CreditPool.get(client_id__isnull=False)).balance == 0  # still booked


async def test_record_past_session_moves_no_credits_and_eligibility_lists_reasons(api, world):
    clock.freeze(utc(2030, 1, 7, 8))
    coach, service = await setup_coach(api, world)
    client_id = await world.client_of(coach)

    data = await api.ok(
        """mutation($i: RecordPastSessionInput!) { recordPastSession(input: $i) {
        session { status startsAt } userErrors { code field } } }""",
        {"i": {"clientId": client_id, "serviceId": service, "startsAt": "2029-12-01T10:00:00Z", "status": "COMPLETED"}},
        coach.token,
    )
    assert data["recordPastSession"]["session"]["status"] == "COMPLETED"
    future = await api.ok(
        """mutation($i: RecordPastSessionInput!) { recordPastSession(input: $i) { userErrors { code field } } }""",
        {"i": {"clientId": client_id, "serviceId": service, "startsAt": "2030-02-01T10:00:00Z", "status": "COMPLETED"}},
        coach.token,
    )
    assert future["recordPastSession"]["userErrors"] == [{"code": "INVALID", "field": ["input", "startsAt"]}]
    assert await models.CreditTransaction.all().count() == 0

    seen = await api.ok(
        "query($id: ID!, $s: ID) { client(id: $id) { eligibility(serviceId: $s) { eligible reasons } } }",
        {"id": client_id, "s": service},
        coach.token,
    )
    assert seen["client"]["eligibility"] == {"eligible": False, "reasons": ["NO_CLIENT_CREDITS"]}


async def test_random_k_credits_and_n_bookings_give_min_k_n(api, world):
    import random

    rng = random.Random(20261121)
    clock.freeze(utc(2030, 1, 7, 8))
    admin = await world.admin()
    coach, service = await setup_coach(api, world, duration=30)
    for round_ in range(4):
        k, n = rng.randint(0, 12), rng.randint(1, 16)
        client_id = await world.client_of(coach, name=f"Round {round_}")
        if k:
            await api.ok(GRANT, {"input": {"clientId": client_id, "amount": k}}, admin.token)
        day = utc(2030, 2, 1) + timedelta(days=round_)
        answers = await asyncio.gather(
            *[
                api.ok(
                    BOOK,
                    {
                        "i": {
                            "serviceId": service,
                            "clientId": client_id,
                            "startsAt": (day + timedelta(minutes=30 * i)).isoformat(),
                        }
                    },
                    coach.token,
                )
                for i in range(n)
            ]
        )
        booked = sum(1 for a in answers if a["bookSession"]["session"])
        assert booked == min(k, n), (round_, k, n)
        pool = await models.CreditPool.get(client_id=uuid_of(client_id, "Client"))
        assert pool.balance == k - booked
    await assert_ledger_balances()


@pytest.mark.parametrize(
    "reason",
    [
        "CLIENT_INACTIVE",
        "ORGANISATION_INACTIVE",
        "OUTSIDE_BOOKING_PERIOD",
        "NO_CLIENT_CREDITS",
        "NO_ORGANISATION_CREDITS",
    ],
)
async def test_each_eligibility_reason_on_its_own(api, world, reason):
    clock.freeze(utc(2030, 1, 7, 8))
    admin = await world.admin()
    org = await world.organisation()
    member = await world.user(Role.CLIENT, organisation=org)
    _coach, service = await setup_coach(api, world)
    if reason != "NO_CLIENT_CREDITS":
        await api.ok(GRANT, {"input": {"clientId": member.client_id, "amount": 5}}, admin.token)
    if reason != "NO_ORGANISATION_CREDITS":
        await api.ok(GRANT_ORG, {"input": {"organisationId": org, "amount": 5}}, admin.token)
    update_org = "mutation($i: UpdateOrganisationInput!) { updateOrganisation(input: $i) { userErrors { code } } }"
    if reason == "CLIENT_INACTIVE":
        await api.ok(
            "mutation($i: SetClientActiveInput!) { setClientActive(input: $i) { userErrors { code } } }",
            {"i": {"clientId": member.client_id, "active": False}},
            admin.token,
        )
    elif reason == "ORGANISATION_INACTIVE":
        await api.ok(update_org, {"i": {"organisationId": org, "active": False}}, admin.token)
    elif reason == "OUTSIDE_BOOKING_PERIOD":
        await api.ok(update_org, {"i": {"organisationId": org, "bookingPeriod": {"endsOn": "2030-01-06"}}}, admin.token)

    seen = await api.ok(
        "query($id: ID!, $s: ID) { client(id: $id) { eligibility(serviceId: $s) { eligible reasons } } }",
        {"id": member.client_id, "s": service},
        admin.token,
    )
    assert seen["client"]["eligibility"] == {"eligible": False, "reasons": [reason]}

    data = await api.ok(
        BOOK,
        {"i": {"serviceId": service, "clientId": member.client_id, "startsAt": "2030-01-08T10:00:00Z"}},
        admin.token,
    )
    expected = (
        ("INSUFFICIENT_CREDITS", ["input", "serviceId"])
        if reason.startswith("NO_")
        else ("NOT_ELIGIBLE", ["input", "clientId"])
    )
    assert codes_and_fields(data["bookSession"]["userErrors"]) == [expected]
    assert reason in data["bookSession"]["userErrors"][0]["message"]
    assert await models.Session.all().count() == 0
    await assert_ledger_balances()


async def test_redis_flushed_with_refunds_queued_the_reconciler_still_refunds_them(api, world, redis):
    clock.freeze(utc(2030, 1, 7, 8))
    admin = await world.admin()
    coach, service = await setup_coach(api, world)
    client_id = await world.client_of(coach)
    await api.ok(GRANT, {"input": {"clientId": client_id, "amount": 10}}, admin.token)
    for hour in range(10):
        booked = await api.ok(
            BOOK,
            {"i": {"serviceId": service, "clientId": client_id, "startsAt": utc(2030, 1, 8, hour).isoformat()}},
            coach.token,
        )
        await api.ok(CANCEL, {"i": {"sessionId": booked["bookSession"]["session"]["id"]}}, coach.token)
    await redis.flushdb()  # the 10 queued refund jobs are gone

    from domain import refunds
    from workers.refunds import reconcile_refunds

    clock.advance(refunds.RECONCILE_AFTER + timedelta(seconds=1))
    assert await reconcile_refunds({}) == 10
    assert await reconcile_refunds({}) == 0
    assert (await models.CreditPool.get(client_id__isnull=False)).balance == 10
    await assert_ledger_balances()


async def test_the_sessions_date_must_be_inside_the_booking_period_too(api, world):
    clock.freeze(utc(2030, 1, 7, 8))
    admin = await world.admin()
    org = await world.organisation()
    member = await world.user(Role.CLIENT, organisation=org)
    _coach, service = await setup_coach(api, world)
    await api.ok(GRANT, {"input": {"clientId": member.client_id, "amount": 5}}, admin.token)
    await api.ok(GRANT_ORG, {"input": {"organisationId": org, "amount": 5}}, admin.token)
    await api.ok(
        "mutation($i: UpdateOrganisationInput!) { updateOrganisation(input: $i) { userErrors { code } } }",
        {"i": {"organisationId": org, "bookingPeriod": {"startsOn": "2030-01-01", "endsOn": "2030-01-09"}}},
        admin.token,
    )

    inside = await api.ok(BOOK, {"i": {"serviceId": service, "startsAt": "2030-01-09T10:00:00Z"}}, member.token)
    outside = await api.ok(BOOK, {"i": {"serviceId": service, "startsAt": "2030-01-10T10:00:00Z"}}, member.token)

    assert inside["bookSession"]["userErrors"] == []
    assert codes_and_fields(outside["bookSession"]["userErrors"]) == [("NOT_ELIGIBLE", ["input", "clientId"])]
    assert "OUTSIDE_BOOKING_PERIOD" in outside["bookSession"]["userErrors"][0]["message"]
