"""A worker that dies during the refund (before its commit) leaves nothing half-done, and the next
run refunds exactly once; one that dies after the commit leaves nothing for the next run."""

from datetime import timedelta

import pytest

import models
from domain import clock, ledger, refunds
from models.enums import Role
from tests.support.booking import BOOK, CANCEL, setup_coach
from tests.support.credits import GRANT, GRANT_ORG, assert_ledger_balances
from tests.support.dates import utc
from workers.refunds import reconcile_refunds


class WorkerDied(BaseException):
    """Raised mid-transaction, like a process killed between two statements."""


async def test_death_mid_refund_then_retry_refunds_exactly_once(api, world, monkeypatch):
    clock.freeze(utc(2030, 1, 7, 8))
    admin = await world.admin()
    org = await world.organisation()
    member = await world.user(Role.CLIENT, organisation=org)
    await api.ok(GRANT, {"input": {"clientId": member.client_id, "amount": 3}}, admin.token)
    await api.ok(GRANT_ORG, {"input": {"organisationId": org, "amount": 3}}, admin.token)
    _coach, service = await setup_coach(api, world, credits=2)  # GLOBAL: both pools are debited
    booked = await api.ok(BOOK, {"i": {"serviceId": service, "startsAt": "2030-01-08T10:00:00Z"}}, member.token)
    await api.ok(CANCEL, {"i": {"sessionId": booked["bookSession"]["session"]["id"]}}, member.token)
    session = await models.Session.first()

    real_move = ledger.move
    calls = 0

    async def dies_after_first_credit(*args, **kwargs):
        nonlocal calls
        calls += 1
        result = await real_move(*args, **kwargs)
        if calls == 1:
            raise WorkerDied()
        return result

    monkeypatch.setattr(ledger, "move", dies_after_first_credit)
    with pytest.raises(WorkerDied):
        await refunds.refund(session.id)
    monkeypatch.setattr(ledger, "move", real_move)

    # Nothing of the dead attempt stayed: still PENDING, no REFUND rows, balances as before.
    assert (await models.Session.get(id=session.id)).refund_status.value == "PENDING"
    assert await models.CreditTransaction.filter(reason="REFUND").count() == 0

    # The reconciler re-drives it once it has been pending a while; a second pass finds nothing.
    assert await reconcile_refunds({}) == 0  # too fresh yet
    clock.advance(refunds.RECONCILE_AFTER + timedelta(seconds=1))
    assert await reconcile_refunds({}) == 1
    assert await refunds.refund(session.id) is False  # a job that died after the commit, run again
    pools = {p.kind.value: p.balance for p in await models.CreditPool.all()}
    assert pools == {"CLIENT": 3, "ORGANISATION": 3}
    assert await models.CreditTransaction.filter(reason="REFUND").count() == 2
    await assert_ledger_balances()
