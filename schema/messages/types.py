from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import strawberry

import models
from domain import encryption
from domain.privacy import DELETED_NAME
from resolvers import messages as message_reads
from schema.coaches.types import Coach
from schema.connection import Connection
from schema.context import Info
from schema.enums import Role, TemplateKind
from schema.errors import UserError
from schema.inputs import multiline
from schema.lazy import lazy_class
from schema.loaders import resolved
from schema.node import Entity, loads_nodes
from schema.pagination import Ordering, paginate

if TYPE_CHECKING:
    from schema.clients.types import Client
    from schema.sessions.types import Session

client_type: "Callable[[], type[Client]]" = lazy_class("Client", "schema.clients.types")

session_type: "Callable[[], type[Session]]" = lazy_class("Session", "schema.sessions.types")

NEWEST_FIRST = Ordering((("sent_at", True), ("id", True)))


@strawberry.type(
    description="A message in a coach-client conversation. Only the two people in it read it (never admins or organisations); encrypted at rest."
)
class Message(Entity):
    sender: Role = strawberry.field(description="COACH or CLIENT.")
    body: str = strawberry.field(description="The text (a template's placeholders already filled in).")
    sent_at: datetime = strawberry.field(description="When it was sent.")
    read_at: datetime | None = strawberry.field(
        description="When the other side read it (markConversationRead); null while unread."
    )
    automatic: bool = strawberry.field(description="The coach's out-of-office auto-reply, sent for them.")
    _m: strawberry.Private[models.Message]
    _conversation: strawberry.Private[models.Conversation]

    @classmethod
    def from_model(cls, m: models.Message, conversation: models.Conversation, body: str) -> "Message":
        return cls(
            uid=str(m.id),
            sender=m.sender_role,
            body=body,
            sent_at=m.sent_at,
            read_at=m.read_at,
            automatic=m.automatic,
            _m=m,
            _conversation=conversation,
        )

    @strawberry.field(description="The sender's display name.")
    async def sender_name(self, info: Info) -> str:
        if self._m.sender_role is models.enums.Role.COACH:
            return (await info.context.loaders.coach.load(self._conversation.coach_id)).name
        client = await info.context.loaders.client.load(self._conversation.client_id)
        return client.name if client else DELETED_NAME

    @strawberry.field(description="The conversation it belongs to.")
    def conversation(self) -> "Conversation":
        return Conversation.from_model(self._conversation)

    @strawberry.field(description="The session this message follows up on, if any.")
    async def session(self, info: Info) -> Annotated["Session", strawberry.lazy("schema.sessions.types")] | None:
        if self._m.session_id is None:
            return None
        row = await info.context.loaders.session.load(self._m.session_id)
        return session_type().from_model(row) if row else None


async def messages_with_bodies(
    info: Info, conversation: models.Conversation, rows: list[models.Message]
) -> list[Message]:
    cipher = await info.context.loaders.cipher.load(conversation.client_id)
    return [Message.from_model(r, conversation, (cipher.decrypt(r.body_enc) or "") if cipher else "") for r in rows]


@strawberry.type(description="A page of messages, newest first.", name="MessageConnection")
class MessageConnection(Connection[Message]):
    pass


@strawberry.type(
    description="The one conversation between a coach and a client, seen by those two only. It starts with the first message; a client's first message to a coach makes a PROSPECTIVE relationship."
)
class Conversation(Entity):
    _m: strawberry.Private[models.Conversation]

    @classmethod
    def from_model(cls, m: models.Conversation) -> "Conversation":
        return cls(uid=str(m.id), _m=m)

    @strawberry.field(description="The coach.")
    async def coach(self, info: Info) -> Coach:
        return Coach.from_model(await info.context.loaders.coach.load(self._m.coach_id))

    @strawberry.field(description="The client; null once the client was deleted.")
    async def client(self, info: Info) -> Annotated["Client", strawberry.lazy("schema.clients.types")] | None:
        row = await info.context.loaders.client.load(self._m.client_id)
        return client_type().from_model(row) if row else None

    @strawberry.field(description="Its messages, newest first.")
    async def messages(self, info: Info, first: int | None = 50, after: str | None = None) -> MessageConnection:
        page = await paginate(
            message_reads.in_conversation(self._m), NEWEST_FIRST, first, after, viewer=info.context.signed_in_viewer
        )
        return MessageConnection.of(page, await messages_with_bodies(info, self._m, list(page.rows)))

    @strawberry.field(description="The latest message.")
    async def last_message(self, info: Info) -> Message | None:
        row = await info.context.loaders.latest_message.load(self._m.id)
        return (await messages_with_bodies(info, self._m, [row]))[0] if row else None

    @strawberry.field(description="Messages from the other side the viewer has not read.")
    async def unread_count(self, info: Info) -> int:
        return await info.context.loaders.unread_count.load(self._m.id)


@strawberry.type(description="A page of conversations, the most recently active first.", name="ConversationConnection")
class ConversationConnection(Connection[Conversation]):
    pass


@strawberry.type(
    description="Body placeholders: {{client_first_name}}, {{client_name}}, {{coach_name}}, {{next_session}}, {{service}}."
)
class MessageTemplate(Entity):
    name: str = strawberry.field(description="The template's name, for the coach.")
    kind: TemplateKind = strawberry.field(description="When it is meant to be used.")
    body: str = strawberry.field(description="The text with placeholders.")

    @classmethod
    def from_model(cls, m: models.MessageTemplate) -> "MessageTemplate":
        return cls(uid=str(m.id), name=m.name, kind=m.kind, body=m.body)


@strawberry.input(
    description="A message: give `body`, or (coaches) `templateId` to send a template filled in for the client."
)
class SendMessageInput:
    client_id: strawberry.ID | None = strawberry.field(
        default=None, description="Coach senders name the client; client senders name the coach."
    )
    coach_id: strawberry.ID | None = strawberry.field(default=None, description="The coach, when a client sends.")
    body: str | None = multiline(description="The text; required without templateId.", default=None)
    template_id: strawberry.ID | None = strawberry.field(
        default=None, description="One of the coach's templates, filled in server-side (coaches only)."
    )
    session_id: strawberry.ID | None = strawberry.field(
        default=None, description="A session of the two this message follows up on."
    )


@strawberry.type(description="The result of sendMessage.")
class MessagePayload:
    message: Message | None = strawberry.field(default=None, description="The message sent.")
    user_errors: list[UserError] = strawberry.field(description="Why nothing was sent, if so.", default_factory=list)


@strawberry.input(description="The conversation to mark read.")
class MarkConversationReadInput:
    conversation_id: strawberry.ID = strawberry.field(description="One of the viewer's conversations.")


@strawberry.type(description="The result of markConversationRead.")
class ConversationPayload:
    conversation: Conversation | None = strawberry.field(default=None, description="The conversation, now read.")
    user_errors: list[UserError] = strawberry.field(description="Why nothing changed, if so.", default_factory=list)


@strawberry.input(description="A new message template of the signed-in coach.")
class CreateMessageTemplateInput:
    name: str = strawberry.field(description="The template's name.")
    kind: TemplateKind = strawberry.field(description="When it is meant to be used.")
    body: str = multiline(
        description="The text; placeholders {{client_first_name}}, {{client_name}}, {{coach_name}}, {{next_session}}, {{service}}."
    )


@strawberry.input(description="Changes to one of the coach's templates: only the fields given change.")
class UpdateMessageTemplateInput:
    template_id: strawberry.ID = strawberry.field(description="The template.")
    name: str | None = strawberry.field(default=strawberry.UNSET, description="The template's name.")
    kind: TemplateKind | None = strawberry.field(default=strawberry.UNSET, description="When it is meant to be used.")
    body: str | None = multiline(description="The text with placeholders.", default=strawberry.UNSET)


@strawberry.input(description="The template to delete.")
class DeleteMessageTemplateInput:
    template_id: strawberry.ID = strawberry.field(description="One of the coach's templates.")


@strawberry.type(description="The result of a change to a template.")
class MessageTemplatePayload:
    template: MessageTemplate | None = strawberry.field(default=None, description="The template as it is now.")
    user_errors: list[UserError] = strawberry.field(description="Why nothing changed, if so.", default_factory=list)


async def client_conversation(info: Info, client_id: UUID) -> Conversation | None:
    """Client.conversation: the viewing coach's conversation with this client."""
    row = await message_reads.with_client(info.context.signed_in_viewer, client_id)
    return Conversation.from_model(row) if row else None


def client_last_message(info: Info, client_id: UUID) -> Any:
    """Client.lastMessage: the latest message the viewer may read about this client (batched per
    page); the value, or an awaitable of it (schema.loaders.resolved)."""

    def read(found) -> Message | None:
        if found is None:
            return None
        row, conversation, wrapped_key = found
        cipher = encryption.cipher_from_wrapped(wrapped_key)
        return Message.from_model(row, conversation, (cipher.decrypt(row.body_enc) or "") if cipher else "")

    return resolved(info.context.loaders.last_message, client_id, read)


@loads_nodes("Conversation")
async def load_conversations(info: Info, ids: list[UUID]) -> list[Conversation | None]:
    rows = {c.id: c for c in await message_reads.visible_many(info.context.signed_in_viewer, ids)}
    return [Conversation.from_model(rows[i]) if i in rows else None for i in ids]


@loads_nodes("Message")
async def load_messages(info: Info, ids: list[UUID]) -> list[Message | None]:
    found = {}
    for row in await message_reads.messages_many(info.context.signed_in_viewer, ids):
        found[row.id] = (await messages_with_bodies(info, row.conversation, [row]))[0]
    return [found.get(i) for i in ids]


@loads_nodes("MessageTemplate")
async def load_templates(info: Info, ids: list[UUID]) -> list[MessageTemplate | None]:
    rows = {t.id: t for t in await message_reads.own_templates(info.context.signed_in_viewer, ids)}
    return [MessageTemplate.from_model(rows[i]) if i in rows else None for i in ids]
