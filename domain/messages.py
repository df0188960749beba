"""One conversation per coach-client pair: messages (encrypted at rest), templates with
placeholders filled server-side, read receipts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from tortoise import connections

import models
from domain import access, activity, clients, clock, encryption, events, notifications, validation
from domain.errors import forbidden, invalid, not_found
from domain.locks import retrying
from domain.transactions import transaction
from domain.viewer import Viewer
from models.enums import ActivityKind, NotificationKind, Role, SessionStatus, TemplateKind

MAX_BODY = 5000
PLACEHOLDER = re.compile(r"{{\s*([a-z_]+)\s*}}")
PLACEHOLDERS = ("client_first_name", "client_name", "coach_name", "next_session", "service")


@dataclass
class Outgoing:
    """What a sender asks for: the other side, a body or a template, an optional session."""

    client_id: UUID | None = None
    coach_id: UUID | None = None
    body: str | None = None
    template_id: UUID | None = None
    session_id: UUID | None = None


async def _pair(viewer: Viewer, request: Outgoing) -> tuple[models.Coach, models.Client, bool]:
    """(coach, client, may start a relationship): a coach writes to their own clients; a client
    to any coach they may book (their first message starts a PROSPECTIVE relationship)."""
    if viewer.role is Role.COACH:
        if request.client_id is None:
            raise invalid("Name the client to write to.", "clientId")
        if not await access.is_coach_client(viewer.coach_id, request.client_id):
            raise not_found("Client", "clientId")
        return await models.Coach.get(id=viewer.coach_id), await models.Client.get(id=request.client_id), False
    if viewer.role is Role.CLIENT:
        if request.coach_id is None:
            raise invalid("Name the coach to write to.", "coachId")
        coach = await models.Coach.filter(access.coaches(viewer), id=request.coach_id).first()
        if coach is None:
            raise not_found("Coach", "coachId")
        return coach, await models.Client.get(id=viewer.client_id), True
    raise forbidden("Only coaches and clients send messages.")


async def _next_session(coach: models.Coach, client: models.Client) -> models.Session | None:
    return (
        await models.Session.filter(
            coach_id=coach.id,
            client_id=client.id,
            status__in=SessionStatus.LIVE,
            starts_at__gt=clock.now(),
        )
        .order_by("starts_at")
        .select_related("service")
        .first()
    )


async def render(template: str, coach: models.Coach, client: models.Client, session: models.Session | None) -> str:
    """Fill the placeholders; an unknown one is left as written, so the coach sees it."""
    upcoming = session or await _next_session(coach, client)
    values = {
        "client_first_name": client.name.split()[0] if client.name.strip() else client.name,
        "client_name": client.name,
        "coach_name": coach.name,
        "next_session": upcoming.starts_at.astimezone(ZoneInfo(coach.timezone)).strftime("%A %d %B %Y, %H:%M")
        if upcoming
        else "",
        "service": (await upcoming.service).name if upcoming else "",
    }
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


@retrying
async def send(viewer: Viewer, request: Outgoing) -> tuple[models.Message, str]:
    """The message and its plain body (for the answer). One transaction."""
    coach, client, may_start = await _pair(viewer, request)
    session = None
    if request.session_id is not None:
        session = (
            await models.Session.filter(id=request.session_id, coach_id=coach.id, client_id=client.id)
            .select_related("service")
            .first()
        )
        if session is None:
            raise not_found("Session", "sessionId")
    if request.template_id is not None:
        if viewer.role is not Role.COACH:
            raise invalid("Only coaches write from templates.", "templateId")
        template = await models.MessageTemplate.get_or_none(id=request.template_id, coach_id=coach.id)
        if template is None:
            raise not_found("Template", "templateId")
        asked: str | None = await render(template.body, coach, client, session)
    else:
        asked = request.body
    body = validation.text(
        asked, "body" if request.template_id is None else "templateId", max_length=MAX_BODY, required=True
    )

    async with transaction():
        if may_start:
            await clients.ensure_relationship(coach.id, client.id)
        conversation = await _conversation(coach.id, client.id)
        cipher = await encryption.cipher_for(client.id, create=True)
        message = await models.Message.create(
            conversation_id=conversation,
            sender_role=viewer.role,
            sender_user_id=viewer.user_id,
            body_enc=cipher.encrypt(body),
            session_id=session.id if session else None,
            sent_at=clock.now(),
        )
        await models.Conversation.filter(id=conversation).update(last_message_at=message.sent_at)
        await events.publish_later("message", message.id)
        await activity.record(
            ActivityKind.MESSAGE_SENT,
            client_id=client.id,
            actor=viewer,
            coach_id=coach.id,
            session_id=message.session_id,
            summary=f"Message from {viewer.name}",
        )
        from_client = viewer.role is Role.CLIENT
        recipient = await notifications.recipient(to_coach=from_client, coach_id=coach.id, client_id=client.id)
        await notifications.notify(
            recipient,
            NotificationKind.MESSAGE_RECEIVED,
            f"New message from {viewer.name}",
            "Open Caseload to read it.",
            session_id=message.session_id,
            names_client_id=client.id if from_client else None,
        )
        if from_client:
            await _auto_reply(coach, client.id, conversation, cipher, message)
    return message, body


async def _auto_reply(
    coach: models.Coach, client_id: UUID, conversation: UUID, cipher: encryption.ClientCipher, answered: models.Message
) -> None:
    """While the coach is on time off, the client's message is answered with the coach's
    auto-reply: once per conversation and time-off period (the unique index on
    messages (conversation_id, auto_reply_time_off_id) decides, so two racing messages send one).
    Written in the client's message's transaction; delivered like any message."""
    if not coach.auto_reply:
        return
    away = (
        await models.TimeOff.filter(coach_id=coach.id, starts_at__lte=answered.sent_at, ends_at__gt=answered.sent_at)
        .order_by("starts_at", "id")
        .first()
    )
    if away is None:
        return
    # A microsecond after the client's message, so every list shows the reply after it.
    sent_at = answered.sent_at + timedelta(microseconds=1)
    rows = await connections.get("default").execute_query_dict(
        "INSERT INTO messages (id, conversation_id, sender_role, sender_user_id, body_enc, sent_at, automatic,"
        " auto_reply_time_off_id) VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, TRUE, $6)"
        " ON CONFLICT (conversation_id, auto_reply_time_off_id) WHERE auto_reply_time_off_id IS NOT NULL DO NOTHING"
        " RETURNING id",
        [conversation, Role.COACH.value, coach.user_id, cipher.encrypt(coach.auto_reply), sent_at, away.id],
    )
    if not rows:
        return  # this period's reply went out already
    await models.Conversation.filter(id=conversation).update(last_message_at=sent_at)
    await events.publish_later("message", rows[0]["id"])
    recipient = await notifications.recipient(to_coach=False, coach_id=coach.id, client_id=client_id)
    await notifications.notify(
        recipient, NotificationKind.MESSAGE_RECEIVED, f"New message from {coach.name}", "Open Caseload to read it."
    )


async def _conversation(coach_id: UUID, client_id: UUID) -> UUID:
    rows = await connections.get("default").execute_query_dict(
        "INSERT INTO conversations (id, coach_id, client_id, created_at) VALUES (gen_random_uuid(), $1, $2, clock_timestamp()) "
        "ON CONFLICT (coach_id, client_id) DO UPDATE SET coach_id = EXCLUDED.coach_id RETURNING id",
        [coach_id, client_id],
    )
    return rows[0]["id"]


async def latest_in(conversation_ids: list[UUID]) -> dict[UUID, models.Message]:
    """Each conversation's latest message, in one query (for a list of conversations)."""
    rows = await connections.get("default").execute_query_dict(
        "SELECT DISTINCT ON (conversation_id) * FROM messages WHERE conversation_id = ANY($1::uuid[]) "
        "ORDER BY conversation_id, sent_at DESC, id DESC",
        [list(conversation_ids)],
    )
    return {r["conversation_id"]: models.Message._init_from_db(**r) for r in rows}


async def unread_in(viewer: Viewer, conversation_ids: list[UUID]) -> dict[UUID, int]:
    """Per conversation, the messages from the other side the viewer has not read (one query)."""
    rows = await connections.get("default").execute_query_dict(
        "SELECT conversation_id, count(*) AS n FROM messages WHERE conversation_id = ANY($1::uuid[]) "
        "AND sender_role = $2 AND read_at IS NULL GROUP BY conversation_id",
        [list(conversation_ids), other_side(viewer).value],
    )
    return {r["conversation_id"]: r["n"] for r in rows}


def other_side(viewer: Viewer) -> Role:
    return Role.CLIENT if viewer.role is Role.COACH else Role.COACH


async def mark_read(viewer: Viewer, conversation: models.Conversation) -> int:
    """Mark what the other side sent as read; returns how many messages changed."""
    return await models.Message.filter(
        conversation_id=conversation.id, sender_role=other_side(viewer), read_at__isnull=True
    ).update(read_at=clock.now())


# ---------------------------------------------------------------------------- templates


def _template_values(values: dict) -> dict:
    cleaned = {}
    if "name" in values:
        cleaned["name"] = validation.text(values["name"], "name", max_length=200, required=True)
    if values.get("kind") is not None:
        cleaned["kind"] = TemplateKind(values["kind"])
    if "body" in values:
        cleaned["body"] = validation.text(values["body"], "body", max_length=MAX_BODY, required=True)
    return cleaned


async def create_template(viewer: Viewer, values: dict) -> models.MessageTemplate:
    access.only_coaches(viewer, "Only coaches keep message templates.")
    return await models.MessageTemplate.create(coach_id=viewer.coach_id, **_template_values(values))


async def update_template(viewer: Viewer, template: models.MessageTemplate, values: dict) -> models.MessageTemplate:
    access.only_coaches(viewer, "Only coaches keep message templates.")
    for key, value in _template_values(values).items():
        setattr(template, key, value)
    await template.save()
    return template


async def delete_template(viewer: Viewer, template: models.MessageTemplate) -> None:
    """A coach deletes one of their templates; messages sent from it keep their text."""
    access.only_coaches(viewer, "Only coaches keep message templates.")
    await template.delete()
