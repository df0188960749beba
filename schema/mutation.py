from __future__ import annotations

import strawberry

from models.enums import Role
from resolvers import messages, notifications
from schema.permissions import signed_in
from schema.messages.types import (
    ConversationPayload, CreateMessageTemplateInput, DeleteMessageTemplateInput, MarkConversationReadInput,
    MessagePayload, MessageTemplatePayload, SendMessageInput, UpdateMessageTemplateInput,
)
from schema.notifications.types import (
    FeedbackPayload, LeaveFeedbackInput, MarkNotificationsReadInput, MarkNotificationsReadPayload, RequestReviewInput,
    RequestReviewPayload,
)
from schema.notes.types import DeletePayload

STAFF = (Role.ADMIN, Role.ORG_ADMIN, Role.COACH)


@strawberry.type
class Mutation:

    @strawberry.mutation(permission_classes=signed_in(Role.COACH, Role.CLIENT))
    async def send_message(self, info: strawberry.Info, input: SendMessageInput) -> MessagePayload:  # noqa: A002
        return await messages.send_message(info, input)

    @strawberry.mutation(permission_classes=signed_in(Role.COACH, Role.CLIENT))
    async def mark_conversation_read(self, info: strawberry.Info, input: MarkConversationReadInput) -> ConversationPayload:  # noqa: A002
        return await messages.mark_conversation_read(info, input)

    @strawberry.mutation(permission_classes=signed_in(Role.COACH))
    async def create_message_template(
        self, info: strawberry.Info, input: CreateMessageTemplateInput  # noqa: A002
    ) -> MessageTemplatePayload:
        return await messages.create_message_template(info, input)

    @strawberry.mutation(permission_classes=signed_in(Role.COACH))
    async def update_message_template(
        self, info: strawberry.Info, input: UpdateMessageTemplateInput  # noqa: A002
    ) -> MessageTemplatePayload:
        return await messages.update_message_template(info, input)

    @strawberry.mutation(permission_classes=signed_in(Role.COACH))
    async def delete_message_template(self, info: strawberry.Info, input: DeleteMessageTemplateInput) -> DeletePayload:  # noqa: A002
        return await messages.delete_message_template(info, input)

    @strawberry.mutation(permission_classes=signed_in(Role.CLIENT))
    async def leave_feedback(self, info: strawberry.Info, input: LeaveFeedbackInput) -> FeedbackPayload:  # noqa: A002
        return await notifications.leave_feedback(info, input)

    @strawberry.mutation(permission_classes=signed_in(Role.COACH))
    async def request_review(self, info: strawberry.Info, input: RequestReviewInput) -> RequestReviewPayload:  # noqa: A002
        return await notifications.request_review(info, input)

    @strawberry.mutation(permission_classes=signed_in())
    async def mark_notifications_read(
        self, info: strawberry.Info, input: MarkNotificationsReadInput  # noqa: A002
    ) -> MarkNotificationsReadPayload:
        return await notifications.mark_notifications_read(info, input)
