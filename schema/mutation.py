from __future__ import annotations

import strawberry

from models.enums import Role
from resolvers import clients, coaches, goals, messages, notifications, sessions
from schema.permissions import signed_in
from schema.clients.types import (
    ClientDataInput, ClientPayload, CreateClientInput, DeleteClientInput, DeleteClientPayload, EraseClientPayload,
    ExportClientDataPayload, SetClientActiveInput, UpdateClientInput,
)
from schema.coaches.types import (
    AddTimeOffInput, CoachPayload, CreateServiceInput, RemoveTimeOffInput, ServicePayload, SetAvailabilityInput,
    UpdateCoachSettingsInput, UpdateServiceInput,
)
from schema.sessions.types import (
    BookSessionInput, CancelSessionInput, DeclineSessionInput, ProposalPayload, ProposeRescheduleInput,
    RecordPastSessionInput, RespondToProposalInput, SessionInput, SessionPayload,
)
from schema.goals.types import (
    ActionItemPayload, AddActionItemInput, CreateGoalInput, GoalPayload, SetActionItemDoneInput, UpdateGoalInput,
)
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
    @strawberry.mutation(permission_classes=signed_in(*STAFF))
    async def create_client(self, info: strawberry.Info, input: CreateClientInput) -> ClientPayload:  # noqa: A002
        return await clients.create_client(info, input)

    @strawberry.mutation(permission_classes=signed_in())
    async def update_client(self, info: strawberry.Info, input: UpdateClientInput) -> ClientPayload:  # noqa: A002
        return await clients.update_client(info, input)

    @strawberry.mutation(permission_classes=signed_in(*STAFF))
    async def set_client_active(self, info: strawberry.Info, input: SetClientActiveInput) -> ClientPayload:  # noqa: A002
        return await clients.set_client_active(info, input)

    @strawberry.mutation(permission_classes=signed_in(Role.COACH))
    async def update_coach_settings(self, info: strawberry.Info, input: UpdateCoachSettingsInput) -> CoachPayload:  # noqa: A002
        return await coaches.update_coach_settings(info, input)

    @strawberry.mutation(permission_classes=signed_in(Role.COACH))
    async def create_service(self, info: strawberry.Info, input: CreateServiceInput) -> ServicePayload:  # noqa: A002
        return await coaches.create_service(info, input)

    @strawberry.mutation(permission_classes=signed_in(Role.COACH))
    async def update_service(self, info: strawberry.Info, input: UpdateServiceInput) -> ServicePayload:  # noqa: A002
        return await coaches.update_service(info, input)

    @strawberry.mutation(permission_classes=signed_in(Role.COACH))
    async def set_availability(self, info: strawberry.Info, input: SetAvailabilityInput) -> CoachPayload:  # noqa: A002
        return await coaches.set_availability(info, input)

    @strawberry.mutation(permission_classes=signed_in(Role.COACH))
    async def add_time_off(self, info: strawberry.Info, input: AddTimeOffInput) -> CoachPayload:  # noqa: A002
        return await coaches.add_time_off(info, input)

    @strawberry.mutation(permission_classes=signed_in(Role.COACH))
    async def remove_time_off(self, info: strawberry.Info, input: RemoveTimeOffInput) -> CoachPayload:  # noqa: A002
        return await coaches.remove_time_off(info, input)

    @strawberry.mutation(permission_classes=signed_in(Role.COACH, Role.CLIENT, Role.ADMIN))
    async def book_session(self, info: strawberry.Info, input: BookSessionInput) -> SessionPayload:  # noqa: A002
        return await sessions.book_session(info, input)

    @strawberry.mutation(permission_classes=signed_in(Role.COACH))
    async def confirm_session(self, info: strawberry.Info, input: SessionInput) -> SessionPayload:  # noqa: A002
        return await sessions.confirm_session(info, input)

    @strawberry.mutation(permission_classes=signed_in(Role.COACH, Role.CLIENT, Role.ADMIN))
    async def cancel_session(self, info: strawberry.Info, input: CancelSessionInput) -> SessionPayload:  # noqa: A002
        return await sessions.cancel_session(info, input)

    @strawberry.mutation(permission_classes=signed_in(Role.COACH))
    async def complete_session(self, info: strawberry.Info, input: SessionInput) -> SessionPayload:  # noqa: A002
        return await sessions.complete_session(info, input)

    @strawberry.mutation(permission_classes=signed_in(Role.COACH))
    async def mark_no_show(self, info: strawberry.Info, input: SessionInput) -> SessionPayload:  # noqa: A002
        return await sessions.mark_no_show(info, input)

    @strawberry.mutation(permission_classes=signed_in(Role.COACH))
    async def record_past_session(self, info: strawberry.Info, input: RecordPastSessionInput) -> SessionPayload:  # noqa: A002
        return await sessions.record_past_session(info, input)

    @strawberry.mutation(permission_classes=signed_in(Role.COACH))
    async def decline_session(self, info: strawberry.Info, input: DeclineSessionInput) -> SessionPayload:  # noqa: A002
        return await sessions.decline_session(info, input)

    @strawberry.mutation(permission_classes=signed_in(Role.COACH, Role.CLIENT))
    async def propose_reschedule(self, info: strawberry.Info, input: ProposeRescheduleInput) -> ProposalPayload:  # noqa: A002
        return await sessions.propose_reschedule(info, input)

    @strawberry.mutation(permission_classes=signed_in(Role.COACH, Role.CLIENT))
    async def respond_to_proposal(self, info: strawberry.Info, input: RespondToProposalInput) -> ProposalPayload:  # noqa: A002
        return await sessions.respond_to_proposal(info, input)

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

    @strawberry.mutation(permission_classes=signed_in(Role.COACH, Role.CLIENT))
    async def create_goal(self, info: strawberry.Info, input: CreateGoalInput) -> GoalPayload:  # noqa: A002
        return await goals.create_goal(info, input)

    @strawberry.mutation(permission_classes=signed_in(Role.COACH, Role.CLIENT))
    async def update_goal(self, info: strawberry.Info, input: UpdateGoalInput) -> GoalPayload:  # noqa: A002
        return await goals.update_goal(info, input)

    @strawberry.mutation(permission_classes=signed_in(Role.COACH, Role.CLIENT))
    async def add_action_item(self, info: strawberry.Info, input: AddActionItemInput) -> ActionItemPayload:  # noqa: A002
        return await goals.add_action_item(info, input)

    @strawberry.mutation(permission_classes=signed_in(Role.COACH, Role.CLIENT))
    async def set_action_item_done(self, info: strawberry.Info, input: SetActionItemDoneInput) -> ActionItemPayload:  # noqa: A002
        return await goals.set_action_item_done(info, input)

    @strawberry.mutation(permission_classes=signed_in(Role.COACH))
    async def delete_client(self, info: strawberry.Info, input: DeleteClientInput) -> DeleteClientPayload:  # noqa: A002
        return await clients.delete_client(info, input)

    @strawberry.mutation(permission_classes=signed_in(Role.ADMIN, Role.COACH, Role.CLIENT, Role.ORG_ADMIN))
    async def export_client_data(self, info: strawberry.Info, input: ClientDataInput) -> ExportClientDataPayload:  # noqa: A002
        return await clients.export_client_data(info, input)

    @strawberry.mutation(permission_classes=signed_in(Role.ADMIN, Role.CLIENT))
    async def erase_client(self, info: strawberry.Info, input: ClientDataInput) -> EraseClientPayload:  # noqa: A002
        return await clients.erase_client(info, input)
