"""Refunds for cancelled sessions: every credit a session took goes back to the pool it came
from, exactly once, however often the job runs or wherever a worker dies."""

from __future__ import annotations

from datetime import timedelta
from typing import cast
from uuid import UUID

from tortoise import connections

import models
from domain import activity, clock, ledger, locks, notifications
from domain.locks import retrying
from domain.transactions import transaction
from models.enums import ActivityKind, CreditPoolKind, CreditReason, NotificationKind, RefundStatus

RECONCILE_AFTER = timedelta(minutes=2)


@retrying
async def refund(session_id: UUID) -> bool:
    """Claim the refund (PENDING -> REFUNDED) and move the credits in one transaction. False
    when there is nothing to claim (already refunded, or never refundable)."""
    async with transaction():
        locks.taking(locks.Level.SESSIONS)  # the claim's UPDATE locks the session
        claimed = await connections.get("default").execute_query_dict(
            "UPDATE sessions SET refund_status = $1, updated_at = now() WHERE id = $2 AND refund_status = $3 "
            "RETURNING client_id",
            [RefundStatus.REFUNDED.value, session_id, RefundStatus.PENDING.value],
        )
        if not claimed:
            return False
        debits = await models.CreditTransaction.filter(
            session_id=session_id, reason=CreditReason.BOOKING
        ).select_related("pool")
        debits.sort(
            key=lambda d: (d.pool.kind is not CreditPoolKind.CLIENT, d.created_at, d.id)
        )  # domain.locks: client's pool first
        returned = 0
        for debit in debits:
            await ledger.move(
                debit.pool_id, -debit.delta, CreditReason.REFUND, session_id=session_id, note="Cancelled session"
            )
            returned += -debit.delta
        client_id = claimed[0]["client_id"]
        if client_id is not None and returned:
            await activity.record(
                ActivityKind.CREDITS_REFUNDED,
                client_id=client_id,
                actor=None,
                session_id=session_id,
                summary=f"{returned} credits refunded for a cancelled session",
            )
            session = await models.Session.get(id=session_id)
            await notifications.about_session(
                NotificationKind.CREDITS_REFUNDED,
                session,
                to_coach=False,
                title="Credits refunded",
                body="The credits of your cancelled session on {when} are back in your account.",
            )
        return True


async def pending_for_too_long(limit: int = 500) -> list[UUID]:
    """Refunds still PENDING a while after their cancellation: their job was lost or died."""
    rows = (
        await models.Session.filter(refund_status=RefundStatus.PENDING, cancelled_at__lt=clock.now() - RECONCILE_AFTER)
        .limit(limit)
        .values_list("id", flat=True)
    )
    return cast(list[UUID], rows)  # values_list(flat=True) is typed as tuples
