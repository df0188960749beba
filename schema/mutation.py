from __future__ import annotations

import strawberry

from models.enums import Role
from resolvers import accounts, api_keys, credits, messages, notifications, organisations, users
from schema.credits.types import CreditTransactionPayload, GrantClientCreditsInput, GrantOrganisationCreditsInput
from schema.permissions import signed_in
from schema.accounts.invitations import (
    AcceptInvitationInput, ChangePasswordInput, InvitationPayload, InviteClientInput, RequestPasswordResetInput,
    RequestPasswordResetPayload, ResetPasswordInput,
)
from schema.accounts.api_keys import ApiKeyPayload, CreateApiKeyInput, CreateApiKeyPayload, RevokeApiKeyInput
from schema.messages.types import (
    ConversationPayload, CreateMessageTemplateInput, DeleteMessageTemplateInput, MarkConversationReadInput,
    MessagePayload, MessageTemplatePayload, SendMessageInput, UpdateMessageTemplateInput,
)
from schema.notifications.types import (
    FeedbackPayload, LeaveFeedbackInput, MarkNotificationsReadInput, MarkNotificationsReadPayload, RequestReviewInput,
    RequestReviewPayload,
)
from schema.notes.types import DeletePayload
from schema.organisations.types import CreateOrganisationInput, OrganisationPayload, UpdateOrganisationInput
from schema.accounts.types import CreateUserInput, LoginInput, LoginPayload, UserPayload

ADMINS = (Role.ADMIN, Role.ORG_ADMIN)
STAFF = (Role.ADMIN, Role.ORG_ADMIN, Role.COACH)


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def login(self, info: strawberry.Info, input: LoginInput) -> LoginPayload:  # noqa: A002
        return await users.login(info, input)

    @strawberry.mutation(permission_classes=signed_in(*ADMINS))
    async def create_user(self, info: strawberry.Info, input: CreateUserInput) -> UserPayload:  # noqa: A002
        return await users.create_user(info, input)

    @strawberry.mutation(
        permission_classes=signed_in(*STAFF),
        description="Admin, the client's organisation admin, or a coach of the client: e-mails a single-use link, valid 7 days; a newer invitation voids older ones.",
    )
    async def invite_client(self, info: strawberry.Info, input: InviteClientInput) -> InvitationPayload:  # noqa: A002
        return await accounts.invite_client(info, input)

    @strawberry.mutation(description="Anonymous: sets the password, attaches the login to the profile and signs in.")
    async def accept_invitation(self, info: strawberry.Info, input: AcceptInvitationInput) -> LoginPayload:  # noqa: A002
        return await accounts.accept_invitation(info, input)

    @strawberry.mutation(
        permission_classes=signed_in(),
        description="Signed in: a new password; every other token and socket of the user stops working. Returns a fresh token.",
    )
    async def change_password(self, info: strawberry.Info, input: ChangePasswordInput) -> LoginPayload:  # noqa: A002
        return await accounts.change_password(info, input)

    @strawberry.mutation(description="Anonymous: e-mails a single-use reset link, valid 1 hour, when the address has an account.")
    async def request_password_reset(
        self, info: strawberry.Info, input: RequestPasswordResetInput  # noqa: A002
    ) -> RequestPasswordResetPayload:
        return await accounts.request_password_reset(info, input)

    @strawberry.mutation(description="Anonymous: sets the new password, ends every earlier token and socket, and signs in.")
    async def reset_password(self, info: strawberry.Info, input: ResetPasswordInput) -> LoginPayload:  # noqa: A002
        return await accounts.reset_password(info, input)


    @strawberry.mutation(permission_classes=signed_in(Role.ADMIN))
    async def create_organisation(self, info: strawberry.Info, input: CreateOrganisationInput) -> OrganisationPayload:  # noqa: A002
        return await organisations.create_organisation(info, input)

    @strawberry.mutation(permission_classes=signed_in(*ADMINS))
    async def update_organisation(self, info: strawberry.Info, input: UpdateOrganisationInput) -> OrganisationPayload:  # noqa: A002
        return await organisations.update_organisation(info, input)

    @strawberry.mutation(permission_classes=signed_in(*ADMINS))
    async def create_api_key(self, info: strawberry.Info, input: CreateApiKeyInput) -> CreateApiKeyPayload:  # noqa: A002
        return await api_keys.create_api_key(info, input)

    @strawberry.mutation(permission_classes=signed_in(*ADMINS))
    async def revoke_api_key(self, info: strawberry.Info, input: RevokeApiKeyInput) -> ApiKeyPayload:  # noqa: A002
        return await api_keys.revoke_api_key(info, input)

    # Coaches read balances and never move credits (DESIGN "Roles"); domain/access.py decides
    # which clients an admin or organisation may grant to.
    @strawberry.mutation(permission_classes=signed_in(*ADMINS))
    async def grant_client_credits(self, info: strawberry.Info, input: GrantClientCreditsInput) -> CreditTransactionPayload:  # noqa: A002
        return await credits.grant_client_credits(info, input)

    @strawberry.mutation(permission_classes=signed_in(Role.ADMIN))
    async def grant_organisation_credits(
        self, info: strawberry.Info, input: GrantOrganisationCreditsInput  # noqa: A002
    ) -> CreditTransactionPayload:
        return await credits.grant_organisation_credits(info, input)

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
