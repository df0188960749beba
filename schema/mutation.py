from __future__ import annotations

import strawberry

from models.enums import Role
from resolvers import accounts, api_keys, clients, coaches, credits, goals, organisations, sessions, users
from schema.permissions import signed_in
from schema.accounts.invitations import (
    AcceptInvitationInput, ChangePasswordInput, InvitationPayload, InviteClientInput, RequestPasswordResetInput,
    RequestPasswordResetPayload, ResetPasswordInput,
)
from schema.accounts.api_keys import ApiKeyPayload, CreateApiKeyInput, CreateApiKeyPayload, RevokeApiKeyInput
from schema.clients.types import (
    ClientDataInput, ClientPayload, CreateClientInput, DeleteClientInput, DeleteClientPayload, EraseClientPayload,
    ExportClientDataPayload, SetClientActiveInput, UpdateClientInput,
)
from schema.coaches.types import (
    AddTimeOffInput, CoachPayload, CreateServiceInput, RemoveTimeOffInput, ServicePayload, SetAvailabilityInput,
    UpdateCoachSettingsInput, UpdateServiceInput,
)
from schema.credits.types import CreditTransactionPayload, GrantClientCreditsInput, GrantOrganisationCreditsInput
from schema.sessions.types import (
    BookSessionInput, CancelSessionInput, DeclineSessionInput, ProposalPayload, ProposeRescheduleInput,
    RecordPastSessionInput, RespondToProposalInput, SessionInput, SessionPayload,
)
from schema.goals.types import (
    ActionItemPayload, AddActionItemInput, CreateGoalInput, GoalPayload, SetActionItemDoneInput, UpdateGoalInput,
)
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
