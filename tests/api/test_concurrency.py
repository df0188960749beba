"""Concurrent writes on the same rows (found by the November 2026 outside attack: "Deadlocks"): accepting a reschedule proposal
while the session is cancelled, through the API with truly concurrent requests. Every answer is a
success or a coded userError, never "Unexpected error.", and every session ends in one consistent
state."""

import asyncio
import random
from datetime import timedelta

import asyncpg
import pytest
from tortoise import connections
from tortoise.exceptions import IntegrityError

import models
from domain import clock, organisations, outbox, refunds
from domain.errors import DomainError, ErrorCode
from domain.locks import ATTEMPTS, retrying
from domain.transactions import transaction
from models.enums import ProposalStatus, RefundStatus, Role, SessionStatus
from schema.node import uuid_of
from tests.support.api import SYSTEM
from tests.support.booking import BOOK, PROPOSE, setup_coach
from tests.support.credits import GRANT
from tests.support.database import assert_pools_match_ledger
from tests.support.dates import utc
from tests.support.workers import eventually

ROUNDS = 100
RACERS = 4  # accepts, and as many cancellations
# A cancellation takes fewer statements before its transaction than an acceptance: starting each
# up to 40 ms late spreads their transactions over each other (not a wait for anything).
STAGGER = 0.04


async def later(delay: float, call):
    await asyncio.sleep(delay)
    return await call


ACCEPT = """mutation($i: RespondToProposalInput!) { respondToProposal(input: $i) {
  proposal { status } session { status } userErrors { code field message } } }"""
CANCEL = """mutation($i: CancelSessionInput!) { cancelSession(input: $i) {
  session { status } userErrors { code field message } } }"""
# What a loser may be told: the other side won (the proposal was withdrawn or accepted, the session cancelled).
LOSING = {
    ("INVALID_TRANSITION", ("input", "proposalId"), "This proposal is no longer open."),
    ("INVALID_TRANSITION", ("input", "sessionId"), "The session is no longer pending or confirmed."),
    ("INVALID_TRANSITION", ("input", "sessionId"), "A cancelled session cannot be cancelled."),
}


def _outcome(body: dict, field: str) -> str | tuple:
    """ "ok", a coded userError as (code, field path, message), or the whole body when it is neither."""
    if body.get("errors") or not body.get("data") or body["data"].get(field) is None:
        return ("SERVER", repr(body))
    errors = body["data"][field]["userErrors"]
    if not errors:
        return "ok"
    error = errors[0]
    return (error["code"], tuple(error["field"] or ()), error["message"])


async def test_accepting_a_proposal_while_the_session_is_cancelled_never_fails(api, world):
    # Given one coach, one client with a login and credits for a session each round
    clock.freeze(utc(2030, 1, 7, 8))
    admin = await world.admin()
    member = await world.user(Role.CLIENT)
    coach, service = await setup_coach(api, world)
    await api.ok(GRANT, {"input": {"clientId": member.client_id, "amount": ROUNDS}}, admin.token)

    failures: list[str] = []
    moved = cancelled = 0
    for round_no in range(ROUNDS):
        # Given a confirmed session and the client's proposal to move it (each on its own day)
        day = utc(2030, 1, 9) + timedelta(days=round_no)
        booked = await api.ok(
            BOOK, {"i": {"serviceId": service, "startsAt": (day + timedelta(hours=10)).isoformat()}}, member.token
        )
        session_id = booked["bookSession"]["session"]["id"]
        proposed = await api.ok(
            PROPOSE, {"i": {"sessionId": session_id, "startsAt": (day + timedelta(hours=15)).isoformat()}}, member.token
        )
        proposal_id = proposed["proposeReschedule"]["proposal"]["id"]

        # When the coach accepts it 4 times while the session is cancelled 4 times (by both sides)
        bodies = await asyncio.gather(
            *[api(ACCEPT, {"i": {"proposalId": proposal_id, "accept": True}}, coach.token) for _ in range(RACERS)],
            *[
                later(
                    random.uniform(0, STAGGER),
                    api(CANCEL, {"i": {"sessionId": session_id, "reason": "Race"}}, (coach if i % 2 else member).token),
                )
                for i in range(RACERS)
            ],
        )
        accepts = [_outcome(b, "respondToProposal") for b in bodies[:RACERS]]
        cancels = [_outcome(b, "cancelSession") for b in bodies[RACERS:]]

        # Then every answer is a success or a coded userError saying the other side won
        problems = [o for o in accepts + cancels if o != "ok" and o not in LOSING]
        session = await models.Session.get(id=uuid_of(session_id, "Session"))
        proposal = await models.RescheduleProposal.get(id=uuid_of(proposal_id, "RescheduleProposal"))
        # and the session is in one consistent state: moved (accepted), cancelled at its old time
        # (proposal withdrawn), or moved and then cancelled; each by exactly one winner
        accepted = proposal.status is ProposalStatus.ACCEPTED
        was_cancelled = session.status is SessionStatus.CANCELLED
        refund_jobs = await models.OutboxJob.filter(job_id=f"refund_session:{session.id}").count()
        consistent = (
            accepts.count("ok") == int(accepted)
            and cancels.count("ok") == int(was_cancelled)
            and (accepted or was_cancelled)
            and session.starts_at == day + timedelta(hours=15 if accepted else 10)
            and proposal.status in ((ProposalStatus.ACCEPTED,) if accepted else (ProposalStatus.WITHDRAWN,))
            and session.status in ((SessionStatus.CANCELLED,) if was_cancelled else (SessionStatus.CONFIRMED,))
            and (session.refund_status is RefundStatus.PENDING) == was_cancelled
            and refund_jobs == int(was_cancelled)
        )
        if problems or not consistent:
            failures.append(
                f"round {round_no}: {problems or ''} accepts={accepts} cancels={cancels} "
                f"session={session.status.value}@{session.starts_at:%H:%M} proposal={proposal.status.value} "
                f"refund jobs={refund_jobs}"
            )
        moved += accepted
        cancelled += was_cancelled
        await assert_pools_match_ledger()

    assert not failures, f"{len(failures)} of {ROUNDS} rounds failed:\n" + "\n".join(failures[:10])
    assert moved + cancelled >= ROUNDS

    # And each cancelled session's credits come back exactly once, however often its refund runs
    cancelled_ids = await models.Session.filter(status=SessionStatus.CANCELLED).values_list("id", flat=True)
    claims = await asyncio.gather(*[refunds.refund(i) for i in cancelled_ids for _ in range(2)])
    assert sum(claims) == len(cancelled_ids) == cancelled
    per_session = await connections.get("default").execute_query_dict(
        "SELECT s.status, count(t.id) AS n FROM sessions s LEFT JOIN credit_transactions t "
        "ON t.session_id = s.id AND t.reason = 'REFUND' GROUP BY s.id, s.status"
    )
    assert {(r["status"], r["n"]) for r in per_session} <= {("CANCELLED", 1), ("CONFIRMED", 0)}


# ---------------------------------------------------------------------------- the retry helper


async def _wait_for_a_lock_wait(conn: asyncpg.Connection, deadline: float = 10.0) -> None:
    """Poll until some backend of this database waits on a lock."""
    await eventually(
        lambda: conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ),
        timeout=deadline,
        interval=0.01,
        message="a transaction waiting on the lock",
    )


async def test_retrying_runs_a_deadlocked_transaction_again_and_it_succeeds(test_settings, clean):
    # Given two rows, and another connection that holds the second and will want the first
    first = await organisations.create_organisation(SYSTEM, "First", None)
    second = await organisations.create_organisation(SYSTEM, "Second", None)
    other = await asyncpg.connect(test_settings.database_url)
    holds_second = asyncio.Event()

    async def other_side() -> None:
        async with other.transaction():
            await other.execute("SET LOCAL deadlock_timeout = '10s'")  # so the victim is the retried side
            await other.execute("SELECT 1 FROM organisations WHERE id = $1 FOR UPDATE", second.id)
            holds_second.set()
            await _wait_for_a_lock_wait(other)  # the retried side holds the first and waits for the second
            await other.execute("SELECT 1 FROM organisations WHERE id = $1 FOR UPDATE", first.id)

    errors: list[Exception] = []

    @retrying
    async def lock_both() -> int:
        attempt = len(errors) + 1
        async with transaction() as conn:
            await conn.execute_query("SET LOCAL deadlock_timeout = '300ms'")
            await outbox.add("test_job", f"attempt-{attempt}")
            await conn.execute_query("SELECT 1 FROM organisations WHERE id = $1 FOR UPDATE", [first.id])
            try:
                await conn.execute_query("SELECT 1 FROM organisations WHERE id = $1 FOR UPDATE", [second.id])
            except Exception as error:
                errors.append(error)
                raise
        return attempt

    try:
        outbox.take_written()
        # When the two lock the rows in opposite orders
        other_task = asyncio.create_task(other_side())
        await holds_second.wait()
        attempt = await lock_both()
        await other_task
    finally:
        await other.close()

    # Then PostgreSQL broke the cycle by failing the first attempt, reported as asyncpg's own
    # error (tortoise 1.1.9 does not translate 40P01), and the second attempt succeeded
    assert attempt == 2
    assert [(type(e), e.sqlstate) for e in errors] == [(asyncpg.exceptions.DeadlockDetectedError, "40P01")]
    # and only the jobs of the attempt that committed are in the outbox and pushed
    assert [j.job_id for j in await models.OutboxJob.all()] == ["test_job:attempt-2"]
    assert [w.job_id for w in outbox.take_written()] == ["test_job:attempt-2"]


async def test_retrying_gives_up_after_five_attempts_with_a_coded_error(clean):
    attempts = 0

    @retrying
    async def always_fails() -> None:
        nonlocal attempts
        attempts += 1
        async with transaction() as conn:
            await outbox.add("test_job", f"attempt-{attempts}")
            await conn.execute_query(
                "DO $$ BEGIN RAISE EXCEPTION 'could not serialize' USING ERRCODE = 'serialization_failure'; END $$"
            )

    outbox.take_written()
    with pytest.raises(DomainError) as raised:
        await always_fails()

    assert attempts == ATTEMPTS == 5
    assert (raised.value.code, raised.value.field, raised.value.message) == (
        ErrorCode.CONFLICT,
        None,
        "Another change got in the way; please try again.",
    )
    assert getattr(raised.value.__cause__, "sqlstate", None) == "40001"
    assert await models.OutboxJob.all().count() == 0 and outbox.take_written() == []


async def test_retrying_does_not_run_other_errors_again(clean):
    attempts = 0

    @retrying
    async def duplicate() -> None:
        nonlocal attempts
        attempts += 1
        async with transaction() as conn:
            await conn.execute_query("DO $$ BEGIN RAISE EXCEPTION 'taken' USING ERRCODE = 'unique_violation'; END $$")

    with pytest.raises(IntegrityError):
        await duplicate()
    assert attempts == 1
