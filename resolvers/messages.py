"""Conversations, messages and templates."""

from __future__ import annotations

from typing import Any

from tortoise.expressions import Subquery

import models
from domain import access, encryption, messages as message_domain
from domain.errors import not_found
from schema.payloads import given, returns
from schema.loaders import resolved
from schema.node import uuid_of, uuid_or_not_found
from schema.pagination import Ordering, paginate
from schema.messages.types import (
    Conversation, ConversationConnection, ConversationPayload, CreateMessageTemplateInput, DeleteMessageTemplateInput,
    MarkConversationReadInput, Message, MessagePayload, MessageTemplate, MessageTemplatePayload, SendMessageInput,
    UpdateMessageTemplateInput,
)
from schema.notes.types import DeletePayload

RECENT_FIRST = Ordering((("last_message_at", True), ("id", True)))


async def conversations(info, first, after, unread_only: bool) -> ConversationConnection:
    viewer = info.context.viewer
    query = models.Conversation.filter(access.conversations(viewer), last_message_at__isnull=False)
    if unread_only:
        unread = models.Message.filter(sender_role=message_domain.other_side(viewer), read_at__isnull=True)
        query = query.filter(id__in=Subquery(unread.values("conversation_id")))
    page = await paginate(query, RECENT_FIRST, first, after)
    return ConversationConnection.of(page, [Conversation.from_model(r) for r in page.rows])


async def client_conversation(info, client_id) -> Conversation | None:
    """The viewing coach's conversation with this client (a client has one per coach)."""
    viewer = info.context.viewer
    if viewer.coach_id is None:
        return None
    row = await models.Conversation.get_or_none(coach_id=viewer.coach_id, client_id=client_id)
    return Conversation.from_model(row) if row else None


def client_last_message(info, client_id) -> Any:
    """The latest message the viewer may read about this client (batched per page); the value,
    or an awaitable of it (schema.loaders.resolved)."""

    def read(found) -> Message | None:
        if found is None:
            return None
        row, conversation, wrapped_key = found
        cipher = encryption.cipher_from_wrapped(wrapped_key)
        return Message.from_model(row, conversation, cipher.decrypt(row.body_enc) if cipher else "")

    return resolved(info.context.loaders.last_message, client_id, read)


@returns(MessagePayload)
async def send_message(info, input: SendMessageInput) -> MessagePayload:  # noqa: A002
    request = message_domain.Outgoing(
        client_id=uuid_or_not_found(input.client_id, "Client", "clientId"), coach_id=uuid_or_not_found(input.coach_id, "Coach", "coachId"),
        body=input.body, template_id=uuid_or_not_found(input.template_id, "MessageTemplate", "templateId"),
        session_id=uuid_or_not_found(input.session_id, "Session", "sessionId"),
    )
    row, body = await message_domain.send(info.context.viewer, request)
    conversation = await models.Conversation.get(id=row.conversation_id)
    return MessagePayload(message=Message.from_model(row, conversation, body))


@returns(ConversationPayload)
async def mark_conversation_read(info, input: MarkConversationReadInput) -> ConversationPayload:  # noqa: A002
    uid = uuid_of(input.conversation_id, "Conversation")
    row = await models.Conversation.filter(access.conversations(info.context.viewer), id=uid).first() if uid else None
    if row is None:
        raise not_found("Conversation", "conversationId")
    await message_domain.mark_read(info.context.viewer, row)
    return ConversationPayload(conversation=Conversation.from_model(row))


async def message_templates(info) -> list[MessageTemplate]:
    rows = await models.MessageTemplate.filter(coach_id=info.context.viewer.coach_id).order_by("name", "id")
    return [MessageTemplate.from_model(r) for r in rows]


async def _own_template(info, global_id: str) -> models.MessageTemplate:
    uid = uuid_of(global_id, "MessageTemplate")
    coach_id = info.context.viewer.coach_id
    row = await models.MessageTemplate.get_or_none(id=uid, coach_id=coach_id) if uid and coach_id else None
    if row is None:
        raise not_found("Template", "templateId")
    return row


@returns(MessageTemplatePayload)
async def create_message_template(info, input: CreateMessageTemplateInput) -> MessageTemplatePayload:  # noqa: A002
    values = {"name": input.name, "kind": input.kind.value, "body": input.body}
    return MessageTemplatePayload(template=MessageTemplate.from_model(await message_domain.create_template(info.context.viewer, values)))


@returns(MessageTemplatePayload)
async def update_message_template(info, input: UpdateMessageTemplateInput) -> MessageTemplatePayload:  # noqa: A002
    row = await _own_template(info, input.template_id)
    values = given(input, "name", "kind", "body")
    if values.get("kind") is not None:
        values["kind"] = values["kind"].value
    return MessageTemplatePayload(template=MessageTemplate.from_model(await message_domain.update_template(info.context.viewer, row, values)))


@returns(DeletePayload)
async def delete_message_template(info, input: DeleteMessageTemplateInput) -> DeletePayload:  # noqa: A002
    row = await _own_template(info, input.template_id)
    await row.delete()
    return DeletePayload(deleted_id=input.template_id)
