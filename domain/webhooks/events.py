"""Webhook events: written in the transaction of the change they describe (so an event exists
exactly when its change committed), with the body endpoints receive and the audience that may
read the object at that moment. After the commit a job fans each event out to the matching
endpoints (domain.webhooks.fanout); a periodic sweep catches any the job missed.

The one module that builds bodies: `{"type": "session.cancelled", "timestamp": ..., "data": {...}}`.
Data holds global IDs (as the API spells them), the facts a partner acts on and the object's
`sequence`; never names, e-mail addresses or private text (notes, messages, booking notes,
cancellation reasons, health context): a receiver fetches what it may read through the API.
docs/WEBHOOKS.md is the catalogue."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from tortoise import connections

import models
from domain import clock, outbox
from models.enums import CreditPoolKind, CreditReason, RefundStatus, Role, SessionStatus, WebhookEventType

FAN_OUT_JOB = "fan_out_webhook_event"
# A client's or organisation's pool at or below this after a debit is low (as the in-app warning).
LOW_CREDITS = 1

SESSION = "session"
CLIENT = "client"
CREDIT_POOL = "credit_pool"
ENDPOINT = "endpoint"

Type = WebhookEventType


def global_id(type_name: str, object_id: UUID | None) -> str | None:
    """The id the API gives the object (relay's base64 of "Type:uuid")."""
    if object_id is None:
        return None
    return base64.b64encode(f"{type_name}:{object_id}".encode()).decode()


def _instant(at: datetime | None) -> str | None:
    return at.isoformat().replace("+00:00", "Z") if at is not None else None


# One round trip: the object's next sequence (a row lock on its counter orders concurrent changes
# to one object) and the event, whose body gets that sequence in `data`.
_RECORD = """
WITH counter AS (
    INSERT INTO webhook_object_sequences (object_kind, object_id, last_sequence) VALUES ($3, $4, 1)
    ON CONFLICT (object_kind, object_id) DO UPDATE SET last_sequence = webhook_object_sequences.last_sequence + 1
    RETURNING last_sequence
)
INSERT INTO webhook_events
    (id, type, object_kind, object_id, sequence, payload, occurred_at, organisation_id, coach_ids, endpoint_id, fanned_out)
SELECT $1, $2, $3, $4, counter.last_sequence, jsonb_set($5::jsonb, '{data,sequence}', to_jsonb(counter.last_sequence)),
    $6, $7, $8::uuid[], $9, $9::uuid IS NOT NULL
FROM counter
"""


async def record(
    event_type: WebhookEventType,
    object_kind: str,
    object_id: UUID,
    data: dict[str, Any],
    *,
    organisation_id: UUID | None = None,
    coach_ids: Iterable[UUID] = (),
    endpoint_id: UUID | None = None,
) -> UUID:
    """Write one event inside the caller's transaction; returns its id. The audience (besides the
    platform, which reads everything): the admins and API keys of `organisation_id` and the
    coaches `coach_ids`; a PING names its one `endpoint_id` instead and is delivered by its caller."""
    now = clock.now()
    event_id = uuid4()
    payload = {"type": event_type.wire, "timestamp": _instant(now), "data": {**data, "sequence": None}}
    await connections.get("default").execute_query(
        _RECORD,
        [
            event_id,
            event_type.value,
            object_kind,
            object_id,
            json.dumps(payload),
            now,
            organisation_id,
            sorted(set(coach_ids)),
            endpoint_id,
        ],
    )
    if endpoint_id is None:
        await outbox.add(FAN_OUT_JOB, str(event_id), str(event_id))
    return event_id


# ---------------------------------------------------------------------------- sessions


def _who(viewer_role: Role | None, system: bool) -> str:
    """Who did it, as a partner reads it: COACH, CLIENT, ADMIN, or SYSTEM (a housekeeping job)."""
    return "SYSTEM" if system or viewer_role is None else viewer_role.value


def _session_data(session: models.Session) -> dict[str, Any]:
    return {
        "session": global_id("Session", session.id),
        "status": session.status.value,
        "startsAt": _instant(session.starts_at),
        "endsAt": _instant(session.ends_at),
        "coach": global_id("Coach", session.coach_id),
        "client": global_id("Client", session.client_id),
        "service": global_id("Service", session.service_id),
        "organisation": global_id("Organisation", session.organisation_id),
        "series": global_id("SessionSeries", session.series_id),
        "format": session.format.value,
        "credits": session.credits,
    }


async def session_event(event_type: WebhookEventType, session: models.Session, **facts: Any) -> None:
    """An event about a session, for its coach, its organisation (the member's, kept on the
    session) and the platform: the readers of `access.sessions`."""
    await record(
        event_type,
        SESSION,
        session.id,
        {**_session_data(session), **facts},
        organisation_id=session.organisation_id,
        coach_ids=[session.coach_id],
    )


async def session_booked(session: models.Session, booked_by: Role) -> None:
    await session_event(Type.SESSION_BOOKED, session, bookedBy=booked_by.value)


async def session_rescheduled(
    session: models.Session, previous_starts_at: datetime, previous_ends_at: datetime
) -> None:
    await session_event(
        Type.SESSION_RESCHEDULED,
        session,
        previousStartsAt=_instant(previous_starts_at),
        previousEndsAt=_instant(previous_ends_at),
    )


_NOTHING = {"client": 0, "organisation": 0}


async def _refund_per_pool(session_id: UUID) -> dict[str, int]:
    """What the session took from each pool (what a refund returns)."""
    rows = await connections.get("default").execute_query_dict(
        "SELECT p.kind, -sum(t.delta)::int AS credits FROM credit_transactions t JOIN credit_pools p ON p.id = t.pool_id "
        "WHERE t.session_id = $1 AND t.reason = $2 GROUP BY p.kind",
        [session_id, CreditReason.BOOKING.value],
    )
    taken = {r["kind"]: r["credits"] for r in rows}
    return {
        "client": taken.get(CreditPoolKind.CLIENT.value, 0),
        "organisation": taken.get(CreditPoolKind.ORGANISATION.value, 0),
    }


async def session_cancelled(session: models.Session, *, declined: bool, by: Role | None, system: bool) -> None:
    """A cancellation (or a decline, which cancels): who, late or not, and what comes back to
    each pool (nothing when late; the refund itself follows as credits.refunded)."""
    refunding = session.refund_status is RefundStatus.PENDING
    taken = await _refund_per_pool(session.id) if refunding else dict(_NOTHING)
    await session_event(
        Type.SESSION_DECLINED if declined else Type.SESSION_CANCELLED,
        session,
        cancelledBy=_who(by, system),
        late=session.late_cancellation,
        refund={"status": (session.refund_status or RefundStatus.NOT_REFUNDABLE).value, "credits": taken},
    )


async def session_recorded(session: models.Session) -> None:
    """A past session a coach brought from another tool: the event of the status it was recorded
    with (no credits moved)."""
    facts: dict[str, Any] = {"recorded": True}
    if session.status is SessionStatus.CANCELLED:
        event_type = Type.SESSION_CANCELLED
        facts |= {"cancelledBy": "COACH", "late": False, "refund": {"status": "NOT_REFUNDABLE", "credits": _NOTHING}}
    elif session.status is SessionStatus.NO_SHOW:
        event_type = Type.SESSION_NO_SHOW
    else:
        event_type, facts["completedBy"] = Type.SESSION_COMPLETED, "COACH"
    await session_event(event_type, session, **facts)


async def session_declined_with_proposal(session: models.Session, proposed_starts_at: datetime) -> None:
    """The coach declined a pending booking's time and proposed another: it stays PENDING."""
    await session_event(
        Type.SESSION_DECLINED,
        session,
        cancelledBy=None,
        late=False,
        refund=None,
        proposedStartsAt=_instant(proposed_starts_at),
    )


# ---------------------------------------------------------------------------- clients


async def client_audience(client_id: UUID) -> tuple[UUID | None, list[UUID]]:
    """Who reads the client now (access.clients): their organisation and their coaches."""
    rows = await connections.get("default").execute_query_dict(
        "SELECT c.organisation_id, array_remove(array_agg(cc.coach_id), NULL) AS coach_ids FROM clients c "
        "LEFT JOIN coach_clients cc ON cc.client_id = c.id WHERE c.id = $1 GROUP BY c.id",
        [client_id],
    )
    if not rows:
        return None, []
    return rows[0]["organisation_id"], list(rows[0]["coach_ids"] or [])


async def client_event(
    event_type: WebhookEventType,
    client_id: UUID,
    audience: tuple[UUID | None, list[UUID]] | None = None,
    **facts: Any,
) -> None:
    """An event about a client, for those who read the client (`audience`, read now when not
    given: a deletion passes the readers from before it). Never the profile's contents."""
    organisation_id, coach_ids = audience if audience is not None else await client_audience(client_id)
    await record(
        event_type,
        CLIENT,
        client_id,
        {
            "client": global_id("Client", client_id),
            "organisation": global_id("Organisation", organisation_id),
            **facts,
        },
        organisation_id=organisation_id,
        coach_ids=coach_ids,
    )


# ---------------------------------------------------------------------------- credits

_CREDIT_TYPES = {
    CreditReason.GRANT: Type.CREDITS_GRANTED,
    CreditReason.BOOKING: Type.CREDITS_DEBITED,
    CreditReason.REFUND: Type.CREDITS_REFUNDED,
    CreditReason.EXPIRY: Type.CREDITS_DEBITED,
}


async def credits_moved(
    row: models.CreditTransaction, pool_kind: CreditPoolKind, client_id: UUID | None, organisation_id: UUID | None
) -> None:
    """A ledger row (domain.ledger.move): credits.granted / debited / refunded with the pool's
    balance after it, and credits.low when a debit brings the pool down to LOW_CREDITS.
    `organisation_id` is the pool's organisation, or the client's for a client's pool. Ledger rows
    are read by the platform and the organisation only (access.credit_transactions); a client's
    low balance also by the client's coaches, who read balances."""
    if row.reason is CreditReason.ADJUSTMENT:
        event_type = Type.CREDITS_GRANTED if row.delta > 0 else Type.CREDITS_DEBITED
    else:
        event_type = _CREDIT_TYPES[row.reason]
    pool = {
        "pool": global_id("CreditPool", row.pool_id),
        "poolKind": pool_kind.value,
        "client": global_id("Client", client_id),
        "organisation": global_id("Organisation", organisation_id),
    }
    await record(
        event_type,
        CREDIT_POOL,
        row.pool_id,
        {
            **pool,
            "transaction": global_id("CreditTransaction", row.id),
            "reason": row.reason.value,
            "delta": row.delta,
            "balance": row.balance_after,
            "session": global_id("Session", row.session_id),
        },
        organisation_id=organisation_id,
    )
    if row.delta < 0 and row.balance_after <= LOW_CREDITS < row.balance_after - row.delta:
        coach_ids: list[UUID] = []
        if client_id is not None:
            coach_ids = (await client_audience(client_id))[1]
        await record(
            Type.CREDITS_LOW,
            CREDIT_POOL,
            row.pool_id,
            {**pool, "balance": row.balance_after, "threshold": LOW_CREDITS},
            organisation_id=organisation_id,
            coach_ids=coach_ids,
        )
