"""Messages: sending, read receipts, and a coach's templates."""

from __future__ import annotations

import strawberry

from domain import messages
from domain.errors import not_found
from models.enums import Role
from resolvers import messages as message_reads
from schema.context import Info
from schema.errors import forbidden
from schema.messages.types import (
    Conversation,
    ConversationPayload,
    CreateMessageTemplateInput,
    DeleteMessageTemplateInput,
    MarkConversationReadInput,
    Message,
    MessagePayload,
    MessageTemplate,
    MessageTemplatePayload,
    SendMessageInput,
    UpdateMessageTemplateInput,
)
from schema.node import in_scope, uuid_of, uuid_or_not_found
from schema.notes.types import DeletePayload
from schema.payloads import given, returns
from schema.permissions import signed_in


async def _own_template(info: Info, template_id: str):
    uid = uuid_of(template_id, "MessageTemplate")
    row = await message_reads.own_template(info.context.signed_in_viewer, uid) if uid is not None else None
    if row is None:
        raise not_found("Template", "templateId")
    return row


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Coach (to one of their clients, by clientId) or client (to any coach they may book, by coachId): sends a message in the pair's one conversation, starting it if needed; a client's first message makes a PROSPECTIVE relationship. Pushed to both sides' messageReceived subscriptions and notified to the recipient.",
        permission_classes=signed_in(Role.COACH, Role.CLIENT),
    )
    @returns(MessagePayload)
    async def send_message(self, info: Info, input: SendMessageInput) -> MessagePayload:
        request = messages.Outgoing(
            client_id=uuid_or_not_found(input.client_id, "Client", "clientId"),
            coach_id=uuid_or_not_found(input.coach_id, "Coach", "coachId"),
            body=input.body,
            template_id=uuid_or_not_found(input.template_id, "MessageTemplate", "templateId"),
            session_id=uuid_or_not_found(input.session_id, "Session", "sessionId"),
        )
        row, body = await messages.send(info.context.viewer, request)
        conversation = await message_reads.visible(info.context.signed_in_viewer, row.conversation_id)
        if conversation is None:  # the sender is one of its two people, so never
            raise forbidden("You are not in this conversation.")
        return MessagePayload(message=Message.from_model(row, conversation, body))

    @strawberry.mutation(
        description="Coach or client: marks every message from the other side in one of their conversations read.",
        permission_classes=signed_in(Role.COACH, Role.CLIENT),
    )
    @returns(ConversationPayload)
    async def mark_conversation_read(self, info: Info, input: MarkConversationReadInput) -> ConversationPayload:
        row = await in_scope(message_reads.visible, info, input.conversation_id, "Conversation", "conversationId")
        await messages.mark_read(info.context.signed_in_viewer, row)
        return ConversationPayload(conversation=Conversation.from_model(row))

    @strawberry.mutation(description="Coach: a new template of their own.", permission_classes=signed_in(Role.COACH))
    @returns(MessageTemplatePayload)
    async def create_message_template(self, info: Info, input: CreateMessageTemplateInput) -> MessageTemplatePayload:
        values = {"name": input.name, "kind": input.kind.value, "body": input.body}
        return MessageTemplatePayload(
            template=MessageTemplate.from_model(await messages.create_template(info.context.signed_in_viewer, values))
        )

    @strawberry.mutation(
        description="Coach: changes one of their own templates.", permission_classes=signed_in(Role.COACH)
    )
    @returns(MessageTemplatePayload)
    async def update_message_template(self, info: Info, input: UpdateMessageTemplateInput) -> MessageTemplatePayload:
        row = await _own_template(info, input.template_id)
        values = given(input, "name", "kind", "body")
        if values.get("kind") is not None:
            values["kind"] = values["kind"].value
        return MessageTemplatePayload(
            template=MessageTemplate.from_model(
                await messages.update_template(info.context.signed_in_viewer, row, values)
            )
        )

    @strawberry.mutation(
        description="Coach: deletes one of their own templates.", permission_classes=signed_in(Role.COACH)
    )
    @returns(DeletePayload)
    async def delete_message_template(self, info: Info, input: DeleteMessageTemplateInput) -> DeletePayload:
        await messages.delete_template(info.context.signed_in_viewer, await _own_template(info, input.template_id))
        return DeletePayload(deleted_id=input.template_id)
