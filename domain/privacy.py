"""A client's whole record: export, deletion from one practice, and erasure (the right to be
forgotten). docs/RULES.md, "Client records"."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, cast
from uuid import UUID

from tortoise import connections

import models
from domain import access, clock, credentials, encryption, locks, sessions
from domain.errors import DomainError, ErrorCode, forbidden, not_found
from domain.locks import retrying
from domain.transactions import transaction
from domain.viewer import Viewer
from domain.webhooks import events as webhook_events
from models.enums import Role, SessionStatus

EXPORT_SCHEMA_VERSION = 1
DELETED_NAME = "Deleted Client"


# ---------------------------------------------------------------------------- export


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if hasattr(value, "value"):  # enums
        return value.value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return None  # ciphertext never leaves; readable text is decrypted on purpose below
    return value


def _rows(rows: list[dict], drop: tuple[str, ...] = ()) -> list[dict]:
    return [{k: _plain(v) for k, v in row.items() if k not in drop and not k.endswith("_enc")} for row in rows]


async def export(viewer: Viewer, client: models.Client) -> dict[str, Any]:
    """Everything stored about the client that the viewer may see, through the same scopes as
    the API's queries; note and message text only where the viewer may read it."""
    cipher = await encryption.cipher_for(client.id)
    readable = viewer.role in (Role.COACH, Role.CLIENT)
    profile = _rows(await models.Client.filter(id=client.id).values(), drop=("user_id",))[0]
    profile["health_context"] = (
        cipher.decrypt(client.health_context_enc) if cipher and access.may_read_health_context(viewer) else None
    )

    relationships = await models.CoachClient.filter(client_id=client.id).values(
        "coach_id", "coach__name", "category", "last_session_at", "next_session_at", "created_at", "private_notes_enc"
    )
    if viewer.role is Role.COACH:
        relationships = [r for r in relationships if r["coach_id"] == viewer.coach_id]
    else:  # categories describe a coach's relationship: theirs alone to read
        for r in relationships:
            r["category"] = r["last_session_at"] = r["next_session_at"] = None
    for r in relationships:
        mine = viewer.role is Role.COACH and r["coach_id"] == viewer.coach_id
        r["private_notes"] = cipher.decrypt(r["private_notes_enc"]) if cipher and mine else None

    session_rows = await models.Session.filter(access.sessions(viewer), client_id=client.id).values(
        "id",
        "coach_id",
        "service__name",
        "status",
        "starts_at",
        "ends_at",
        "booking_notes",
        "cancelled_at",
        "cancel_reason",
        "late_cancellation",
        "refund_status",
        "credits",
        "created_at",
    )
    if not access.may_read_session_details(viewer):
        for s in session_rows:
            s["booking_notes"] = s["cancel_reason"] = None

    notes = await models.Note.filter(access.notes(viewer), client_id=client.id).values(
        "id", "coach_id", "session_id", "shared_with_client", "created_at", "updated_at", "body_enc"
    )
    for n in notes:
        n["body"] = cipher.decrypt(n["body_enc"]) if cipher else None

    messages = []
    if readable:  # only the two people in a conversation read it (the coach's own, all of a client's)
        scope, params = access.conversations_sql(viewer, "cv", 2)
        messages = await connections.get("default").execute_query_dict(
            "SELECT m.id, cv.coach_id, m.sender_role, m.sent_at, m.read_at, m.session_id, m.body_enc FROM messages m "
            f"JOIN conversations cv ON cv.id = m.conversation_id WHERE cv.client_id = $1 AND {scope} "
            "ORDER BY m.sent_at",
            [client.id, *params],
        )
        for m in messages:
            m["body"] = cipher.decrypt(m["body_enc"]) if cipher else None

    pool = await models.CreditPool.get_or_none(client_id=client.id)
    ledger = (
        await models.CreditTransaction.filter(access.credit_transactions(viewer), pool_id=pool.id)
        .order_by("created_at", "id")
        .values("id", "delta", "balance_after", "reason", "session_id", "note", "created_at")
        if pool
        else []
    )

    goals = await models.Goal.filter(access.goals(viewer), client_id=client.id).values(
        "id", "coach_id", "title", "description", "status", "target_date", "created_at"
    )
    items = (
        await models.ActionItem.filter(goal_id__in=[g["id"] for g in goals]).values(
            "id", "goal_id", "title", "done", "due_date", "session_id"
        )
        if goals
        else []
    )

    feedback = (
        await models.Feedback.filter(session_id__in=[s["id"] for s in session_rows]).values(
            "id", "session_id", "rating", "comment", "public_review", "response", "responded_at", "created_at"
        )
        if session_rows
        else []
    )
    if not access.may_read_session_details(viewer):
        for f in feedback:
            f["comment"] = f["response"] = None

    timeline = (
        await models.ActivityEvent.filter(access.activity(viewer), client_id=client.id)
        .order_by("occurred_at", "id")
        .values("id", "kind", "occurred_at", "actor_name", "summary", "session_id")
    )

    return {
        "schemaVersion": EXPORT_SCHEMA_VERSION,
        "exportedAt": clock.now().isoformat(),
        "requestedBy": viewer.role.value,
        "client": profile,
        "relationships": _rows(relationships),
        "sessions": _rows(session_rows),
        "credits": {"balance": pool.balance if pool else 0, "transactions": _rows(ledger)},
        "notes": _rows(notes),
        "messages": _rows(messages),
        "goals": _rows(goals),
        "actionItems": _rows(items),
        "feedback": _rows(feedback),
        "timeline": _rows(timeline),
    }


# ---------------------------------------------------------------------------- delete and erase


async def _forget_profile(client_id: UUID) -> None:
    """Remove the profile row. Sessions and the credit pool stay (their client becomes NULL: the
    foreign keys say SET NULL); the data key, relationships, conversations, notes and goals go
    with it (CASCADE)."""
    await models.Client.filter(id=client_id).delete()


@retrying
async def delete_from_practice(viewer: Viewer, client: models.Client) -> bool:
    """A coach removes a client from their practice: the relationship, that coach's notes,
    goals and conversation. When no other coach and no organisation holds the client, the
    profile goes too (sessions then read "Deleted Client"). Returns whether the profile went."""
    if viewer.role is not Role.COACH:
        raise forbidden("Only a coach removes a client from their practice.")
    async with transaction():
        # Under the coach's booking lock, so no booking lands between the check and the detach;
        # then the profile and the practice's sessions, in the order of domain.locks.
        assert viewer.coach_id is not None  # a COACH viewer always has a profile
        await locks.coaches(viewer.coach_id)
        locked = await locks.client(client.id, delete=True)
        if locked is None:
            raise not_found("Client", "clientId")
        client = locked
        practice_ids = await models.Session.filter(coach_id=viewer.coach_id, client_id=client.id).values_list(
            "id", flat=True
        )
        practice = await locks.sessions(cast(list[UUID], practice_ids))  # values_list(flat=True) is typed as tuples
        if any(s.status in SessionStatus.LIVE and s.starts_at > clock.now() for s in practice):
            raise DomainError(ErrorCode.CONFLICT, "Cancel this client's upcoming sessions first.", "clientId")
        # The practice's sessions stay, for every viewer, as "Deleted Client"; so do its series.
        await models.Session.filter(id__in=[s.id for s in practice]).update(client_id=None)
        await models.SessionSeries.filter(coach_id=viewer.coach_id, client_id=client.id).update(client_id=None)
        locks.taking(locks.Level.RELATIONSHIPS)
        await models.Note.filter(coach_id=viewer.coach_id, client_id=client.id).delete()
        await models.Goal.filter(coach_id=viewer.coach_id, client_id=client.id).delete()
        await models.Conversation.filter(coach_id=viewer.coach_id, client_id=client.id).delete()
        await models.ActivityEvent.filter(coach_id=viewer.coach_id, client_id=client.id).delete()
        await models.CoachClient.filter(coach_id=viewer.coach_id, client_id=client.id).delete()
        held_elsewhere = (
            client.organisation_id is not None
            or client.user_id is not None
            or await models.CoachClient.exists(client_id=client.id)
        )
        # For the platform and the practice the client leaves (nobody else reads its relationships).
        await webhook_events.client_event(
            webhook_events.Type.CLIENT_DELETED,
            client.id,
            audience=(None, [viewer.coach_id]),
            coach=webhook_events.global_id("Coach", viewer.coach_id),
            profileDeleted=not held_elsewhere,
        )
        if held_elsewhere:
            return False
        # The timeline keeps its shared events, now about "Deleted Client".
        await models.ActivityEvent.filter(client_id=client.id).update(client_id=None)
        await _forget_profile(client.id)
        return True


@retrying
async def erase(viewer: Viewer, client_id: UUID) -> tuple[bool, str | None]:
    """The right to be forgotten, across every coach, in one transaction (a crash midway rolls
    back and the next run does it all; a second run finds nothing and changes nothing). Sessions
    and ledger rows stay for accounting, under the pool's and sessions' own ids. Deleting the
    data key makes every encrypted copy anywhere, backups included, unreadable. Returns
    (erased now, the login e-mail to forget elsewhere)."""
    if not access.is_platform_admin(viewer) and not (viewer.role is Role.CLIENT and viewer.client_id == client_id):
        raise forbidden("Only an admin or the client erases a client's record.", "clientId")
    async with transaction():
        client = await locks.client(client_id, delete=True)
        if client is None:
            return False, None
        login = await models.User.get_or_none(id=client.user_id) if client.user_id else None
        erasure_audience = await webhook_events.client_audience(client_id)
        # Every session of the client is changed below: all locked first, in the order of domain.locks.
        held_ids = await models.Session.filter(client_id=client_id).values_list("id", flat=True)
        held = await locks.sessions(cast(list[UUID], held_ids))  # values_list(flat=True) is typed as tuples
        # Upcoming sessions are cancelled (and refunded by the worker) rather than left holding slots.
        for session in held:
            if session.status in SessionStatus.LIVE and session.starts_at > clock.now():
                await sessions._cancel(viewer, session, None, late=False)
        await models.ClientDataKey.filter(client_id=client_id).delete()
        await models.Note.filter(client_id=client_id).delete()
        await models.Conversation.filter(client_id=client_id).delete()
        await models.Goal.filter(client_id=client_id).delete()
        await models.ActivityEvent.filter(client_id=client_id).delete()
        session_ids = [s.id for s in held]
        # Their words and the coach's answer go; nothing of theirs stays public.
        await models.Feedback.filter(session_id__in=session_ids).update(
            comment=None, response=None, public_review=False
        )
        await models.Session.filter(client_id=client_id).update(booking_notes=None, cancel_reason=None, client_id=None)
        # Other people's notifications about this client name them; say "Deleted Client" instead
        # (only in rows about the client: their sessions, and those that name them, e.g. messages).
        await connections.get("default").execute_query(
            "UPDATE notifications SET title = replace(title, $1, $2), body = replace(body, $1, $2) "
            "WHERE session_id = ANY($3::uuid[]) OR names_client_id = $4",
            [client.name, DELETED_NAME, list(session_ids), client_id],
        )
        if login is not None:
            await models.ActivityEvent.filter(actor_id=login.id).update(actor_name=DELETED_NAME)
        # For everyone who read the client until now (read before the relationships go).
        await webhook_events.client_event(
            webhook_events.Type.CLIENT_ERASED, client_id, audience=erasure_audience, erasedBy=viewer.role.value
        )
        if login is not None:
            await credentials.end_sessions(login.id)  # before the row goes: its tokens and sockets end
            await models.Notification.filter(user_id=login.id).delete()
            await models.User.filter(id=login.id).delete()
        await _forget_profile(client_id)
    return True, login.email if login else client.email
