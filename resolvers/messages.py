"""Conversations, messages and templates: what a viewer may read of them, as querysets and rows."""

from __future__ import annotations

from uuid import UUID

from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

import models
from domain import access, messages
from domain.viewer import Viewer


def conversations(viewer: Viewer, unread_only: bool) -> QuerySet[models.Conversation]:
    """The viewer's conversations that have a message; with `unread_only`, those holding a message
    from the other side the viewer has not read."""
    query = models.Conversation.filter(access.conversations(viewer), last_message_at__isnull=False)
    if unread_only:
        unread = models.Message.filter(sender_role=messages.other_side(viewer), read_at__isnull=True)
        query = query.filter(id__in=Subquery(unread.values("conversation_id")))
    return query


async def visible(viewer: Viewer, conversation_id: UUID) -> models.Conversation | None:
    """The conversation if the viewer is one of its two people."""
    return await models.Conversation.filter(access.conversations(viewer), id=conversation_id).first()


async def visible_many(viewer: Viewer, ids: list[UUID]) -> list[models.Conversation]:
    return await models.Conversation.filter(access.conversations(viewer), id__in=ids)


async def with_client(viewer: Viewer, client_id: UUID) -> models.Conversation | None:
    """The viewing coach's conversation with this client (a client has one per coach)."""
    if viewer.coach_id is None:
        return None
    return await models.Conversation.get_or_none(coach_id=viewer.coach_id, client_id=client_id)


def in_conversation(conversation: models.Conversation) -> QuerySet[models.Message]:
    """The messages of a conversation the viewer was allowed to read already."""
    return models.Message.filter(conversation_id=conversation.id)


async def messages_many(viewer: Viewer, ids: list[UUID]) -> list[models.Message]:
    """Messages in the viewer's conversations, each with its conversation."""
    visible_ids = models.Conversation.filter(access.conversations(viewer)).values("id")
    return await models.Message.filter(id__in=ids, conversation_id__in=Subquery(visible_ids)).select_related(
        "conversation"
    )


async def received(viewer: Viewer, message_id: UUID, conversation_id: UUID | None = None) -> models.Message | None:
    """A message someone else wrote in one of the viewer's conversations (in that one
    conversation, if named), with its conversation: what messageReceived delivers."""
    scope = models.Conversation.filter(access.conversations(viewer))
    if conversation_id is not None:
        scope = scope.filter(id=conversation_id)
    row = (
        await models.Message.filter(id=message_id, conversation_id__in=Subquery(scope.values("id")))
        .select_related("conversation")
        .first()
    )
    if row is None or row.sender_user_id == viewer.user_id:
        return None
    return row


def templates(viewer: Viewer) -> QuerySet[models.MessageTemplate]:
    """The viewing coach's own templates, by name."""
    return models.MessageTemplate.filter(coach_id=viewer.coach_id).order_by("name", "id")


async def own_template(viewer: Viewer, template_id: UUID) -> models.MessageTemplate | None:
    if viewer.coach_id is None:
        return None
    return await models.MessageTemplate.get_or_none(id=template_id, coach_id=viewer.coach_id)


async def own_templates(viewer: Viewer, ids: list[UUID]) -> list[models.MessageTemplate]:
    if viewer.coach_id is None:
        return []
    return await models.MessageTemplate.filter(coach_id=viewer.coach_id, id__in=ids)
