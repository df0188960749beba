from __future__ import annotations

from datetime import datetime
from typing import Annotated, Optional
from uuid import UUID

import strawberry
from tortoise.expressions import Subquery

import models
from domain import access
from domain.privacy import DELETED_NAME
from schema.connection import Connection
from schema.enums import Role, TemplateKind
from schema.errors import UserError
from schema.inputs import multiline
from schema.node import Entity, loads_nodes
from schema.pagination import Ordering, paginate
from schema.coaches.types import Coach

NEWEST_FIRST = Ordering((("sent_at", True), ("id", True)))


@strawberry.type
class Message(Entity):
    sender: Role
    body: str
    sent_at: datetime
    read_at: Optional[datetime]
    _m: strawberry.Private[models.Message]
    _conversation: strawberry.Private[models.Conversation]

    @classmethod
    def from_model(cls, m: models.Message, conversation: models.Conversation, body: str) -> "Message":
        return cls(uid=str(m.id), sender=m.sender_role, body=body, sent_at=m.sent_at, read_at=m.read_at,
                   _m=m, _conversation=conversation)

    @strawberry.field
    async def sender_name(self, info: strawberry.Info) -> str:
        if self._m.sender_role is models.enums.Role.COACH:
            return (await info.context.loaders.coach.load(self._conversation.coach_id)).name
        client = await info.context.loaders.client.load(self._conversation.client_id)
        return client.name if client else DELETED_NAME

    @strawberry.field
    def conversation(self) -> "Conversation":
        return Conversation.from_model(self._conversation)

    @strawberry.field(description="The session this message follows up on, if any.")
    async def session(self, info: strawberry.Info) -> Optional[Annotated["Session", strawberry.lazy("schema.sessions.types")]]:
        from schema.sessions.types import Session

        if self._m.session_id is None:
            return None
        row = await info.context.loaders.session.load(self._m.session_id)
        return Session.from_model(row) if row else None


async def messages_with_bodies(info, conversation: models.Conversation, rows: list[models.Message]) -> list[Message]:
    cipher = await info.context.loaders.cipher.load(conversation.client_id)
    return [Message.from_model(r, conversation, cipher.decrypt(r.body_enc) if cipher else "") for r in rows]


@strawberry.type(name="MessageConnection")
class MessageConnection(Connection[Message]):
    pass


@strawberry.type
class Conversation(Entity):
    _m: strawberry.Private[models.Conversation]

    @classmethod
    def from_model(cls, m: models.Conversation) -> "Conversation":
        return cls(uid=str(m.id), _m=m)

    @strawberry.field
    async def coach(self, info: strawberry.Info) -> Coach:
        return Coach.from_model(await info.context.loaders.coach.load(self._m.coach_id))

    @strawberry.field
    async def client(self, info: strawberry.Info) -> Optional[Annotated["Client", strawberry.lazy("schema.clients.types")]]:
        from schema.clients.types import Client

        row = await info.context.loaders.client.load(self._m.client_id)
        return Client.from_model(row) if row else None

    @strawberry.field
    async def messages(self, info: strawberry.Info, first: Optional[int] = 50, after: Optional[str] = None) -> MessageConnection:
        page = await paginate(models.Message.filter(conversation_id=self._m.id), NEWEST_FIRST, first, after)
        return MessageConnection.of(page, await messages_with_bodies(info, self._m, list(page.rows)))

    @strawberry.field
    async def last_message(self, info: strawberry.Info) -> Optional[Message]:
        row = await info.context.loaders.latest_message.load(self._m.id)
        return (await messages_with_bodies(info, self._m, [row]))[0] if row else None

    @strawberry.field
    async def unread_count(self, info: strawberry.Info) -> int:
        return await info.context.loaders.unread_count.load(self._m.id)


@strawberry.type(name="ConversationConnection")
class ConversationConnection(Connection[Conversation]):
    pass


@strawberry.type(description="Body placeholders: {{client_first_name}}, {{client_name}}, {{coach_name}}, {{next_session}}, {{service}}.")
class MessageTemplate(Entity):
    name: str
    kind: TemplateKind
    body: str

    @classmethod
    def from_model(cls, m: models.MessageTemplate) -> "MessageTemplate":
        return cls(uid=str(m.id), name=m.name, kind=m.kind, body=m.body)


@strawberry.input
class SendMessageInput:
    client_id: Optional[strawberry.ID] = strawberry.field(default=None, description="Coach senders name the client; client senders name the coach.")
    coach_id: Optional[strawberry.ID] = None
    body: Optional[str] = multiline(default=None)
    template_id: Optional[strawberry.ID] = None
    session_id: Optional[strawberry.ID] = None


@strawberry.type
class MessagePayload:
    message: Optional[Message] = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class MarkConversationReadInput:
    conversation_id: strawberry.ID


@strawberry.type
class ConversationPayload:
    conversation: Optional[Conversation] = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class CreateMessageTemplateInput:
    name: str
    kind: TemplateKind
    body: str = multiline()


@strawberry.input
class UpdateMessageTemplateInput:
    template_id: strawberry.ID
    name: Optional[str] = strawberry.UNSET
    kind: Optional[TemplateKind] = strawberry.UNSET
    body: Optional[str] = multiline(default=strawberry.UNSET)


@strawberry.input
class DeleteMessageTemplateInput:
    template_id: strawberry.ID


@strawberry.type
class MessageTemplatePayload:
    template: Optional[MessageTemplate] = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@loads_nodes("Conversation")
async def load_conversations(info, ids: list[UUID]) -> list[Optional[Conversation]]:
    rows = {c.id: c for c in await models.Conversation.filter(access.conversations(info.context.viewer), id__in=ids)}
    return [Conversation.from_model(rows[i]) if i in rows else None for i in ids]


@loads_nodes("Message")
async def load_messages(info, ids: list[UUID]) -> list[Optional[Message]]:
    visible = models.Conversation.filter(access.conversations(info.context.viewer)).values("id")
    rows = await models.Message.filter(id__in=ids, conversation_id__in=Subquery(visible)).select_related("conversation")
    found = {}
    for row in rows:
        found[row.id] = (await messages_with_bodies(info, row.conversation, [row]))[0]
    return [found.get(i) for i in ids]


@loads_nodes("MessageTemplate")
async def load_templates(info, ids: list[UUID]) -> list[Optional[MessageTemplate]]:
    viewer = info.context.viewer
    if viewer.coach_id is None:
        return [None] * len(ids)
    rows = {t.id: t for t in await models.MessageTemplate.filter(coach_id=viewer.coach_id, id__in=ids)}
    return [MessageTemplate.from_model(rows[i]) if i in rows else None for i in ids]
