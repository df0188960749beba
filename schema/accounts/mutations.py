"""Accounts: signing in, creating users, invitations, passwords and API keys. Tokens leave only by
e-mail; the answers here carry an invitation row or a fresh sign-in token, never an invitation or
reset code."""

from __future__ import annotations

import asyncio
import time

import strawberry

from domain import accounts, api_keys, users
from domain.accounts import ResetAllowance
from domain.errors import DomainError, ErrorCode, not_found
from models.enums import Role
from resolvers import accounts as account_reads
from resolvers import clients as client_reads
from schema.accounts.api_keys import ApiKey, ApiKeyPayload, CreateApiKeyInput, CreateApiKeyPayload, RevokeApiKeyInput
from schema.accounts.invitations import (
    AcceptInvitationInput,
    ChangePasswordInput,
    Invitation,
    InvitationPayload,
    InviteClientInput,
    RequestPasswordResetInput,
    RequestPasswordResetPayload,
    ResetPasswordInput,
)
from schema.accounts.types import CreateUserInput, LoginInput, LoginPayload, User, UserPayload
from schema.context import Info
from schema.node import in_scope, uuid_of, uuid_or_not_found
from schema.payloads import returns
from schema.permissions import signed_in

ADMINS = (Role.ADMIN, Role.ORG_ADMIN)
STAFF = (Role.ADMIN, Role.ORG_ADMIN, Role.COACH)

BAD_CREDENTIALS = "E-mail or password is not right."
RESET_THROTTLED = "Too many password reset requests; try again later."
RESET_ANSWER_SECONDS = 0.25
WRONG_PASSWORD_THROTTLED = "Too many wrong passwords; wait a minute and try again."


def _signed_in(info: Info, user) -> LoginPayload:
    return LoginPayload(token=info.context.auth.issue_token(user), user=User.from_model(user))


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Anonymous: signs in with e-mail and password and returns a bearer token (valid 60 minutes by default). A wrong e-mail and a wrong password get the same INVALID answer; repeated failures are RATE_LIMITED."
    )
    @returns(LoginPayload)
    async def login(self, info: Info, input: LoginInput) -> LoginPayload:
        auth, address = info.context.auth, info.context.client_address
        if not await auth.reserve_login_attempt(input.email, address):
            raise DomainError(ErrorCode.RATE_LIMITED, "Too many failed sign-ins; wait a minute and try again.")
        user = await users.authenticate(input.email, input.password)
        if user is None:
            # The same answer for an unknown e-mail and a wrong password.
            raise DomainError(ErrorCode.INVALID, BAD_CREDENTIALS, "password")
        await auth.forget_login_attempt(input.email, address)
        return _signed_in(info, user)

    @strawberry.mutation(
        description="Admin (any account) or organisation admin (CLIENT and ORG_ADMIN accounts of its own organisation): a new login; for role CLIENT with a new client profile, for COACH with a coach profile.",
        permission_classes=signed_in(*ADMINS),
    )
    @returns(UserPayload)
    async def create_user(self, info: Info, input: CreateUserInput) -> UserPayload:
        row = await users.create_user(
            info.context.viewer,
            email=input.email,
            name=input.name,
            password=input.password,
            role=input.role,
            organisation_id=uuid_or_not_found(input.organisation_id, "Organisation", "organisationId"),
            client_id=input.client_id,
            coach_kind=input.coach_kind,
        )
        return UserPayload(user=User.from_model(row))

    @strawberry.mutation(
        permission_classes=signed_in(*STAFF),
        description="Admin, the client's organisation admin, or a coach of the client: e-mails a single-use link, valid 7 days; a newer invitation voids older ones.",
    )
    @returns(InvitationPayload)
    async def invite_client(self, info: Info, input: InviteClientInput) -> InvitationPayload:
        client = await in_scope(client_reads.visible, info, input.client_id, "Client", "clientId")
        row = await accounts.invite_client(info.context.viewer, client, input.email)
        return InvitationPayload(invitation=Invitation.from_model(row))

    @strawberry.mutation(description="Anonymous: sets the password, attaches the login to the profile and signs in.")
    @returns(LoginPayload)
    async def accept_invitation(self, info: Info, input: AcceptInvitationInput) -> LoginPayload:
        return _signed_in(info, await accounts.accept_invitation(input.token, input.password))

    @strawberry.mutation(
        permission_classes=signed_in(),
        description="Signed in: a new password; every other token and socket of the user stops working. Returns a fresh token.",
    )
    @returns(LoginPayload)
    async def change_password(self, info: Info, input: ChangePasswordInput) -> LoginPayload:
        # Guesses of the current password count like failed sign-ins of the account (a stolen token
        # must not become a way to learn the password that outlives it).
        viewer, auth, address = info.context.signed_in_viewer, info.context.auth, info.context.client_address
        email = await accounts.email_of(viewer)
        if not await auth.reserve_login_attempt(email, address):
            raise DomainError(ErrorCode.RATE_LIMITED, WRONG_PASSWORD_THROTTLED)
        user = await accounts.change_password(viewer, input.current_password, input.new_password)
        await auth.forget_login_attempt(email, address)
        return _signed_in(info, user)

    @strawberry.mutation(
        description="Anonymous: e-mails a single-use reset link, valid 1 hour, when the address has an account."
    )
    @returns(RequestPasswordResetPayload)
    async def request_password_reset(
        self,
        info: Info,
        input: RequestPasswordResetInput,
    ) -> RequestPasswordResetPayload:
        started = time.monotonic()
        address = accounts.reset_address(input.email)
        allowance = await info.context.auth.reserve_password_reset(address, info.context.client_address)
        if allowance is ResetAllowance.REFUSED:
            raise DomainError(ErrorCode.RATE_LIMITED, RESET_THROTTLED)
        if allowance is ResetAllowance.SEND:
            await accounts.request_password_reset(address)
        # A known address costs a transaction and an e-mail job, an unknown one nothing: answer both
        # after the same delay, so the time taken does not tell either.
        await asyncio.sleep(max(0.0, RESET_ANSWER_SECONDS - (time.monotonic() - started)))
        return RequestPasswordResetPayload(accepted=True)

    @strawberry.mutation(
        description="Anonymous: sets the new password, ends every earlier token and socket, and signs in."
    )
    @returns(LoginPayload)
    async def reset_password(self, info: Info, input: ResetPasswordInput) -> LoginPayload:
        return _signed_in(info, await accounts.reset_password(input.token, input.new_password))

    @strawberry.mutation(
        description="Admin or organisation admin: a new API key for an organisation; the full key is in the payload's `secret`, once.",
        permission_classes=signed_in(*ADMINS),
    )
    @returns(CreateApiKeyPayload)
    async def create_api_key(self, info: Info, input: CreateApiKeyInput) -> CreateApiKeyPayload:
        organisation_id = uuid_or_not_found(input.organisation_id, "Organisation", "organisationId")
        row, secret = await api_keys.create(info.context.signed_in_viewer, input.name, organisation_id)
        return CreateApiKeyPayload(api_key=ApiKey.from_model(row), secret=secret)

    @strawberry.mutation(
        description="Admin or the key's organisation admin: the key stops working at once and its open sockets close with 4403.",
        permission_classes=signed_in(*ADMINS),
    )
    @returns(ApiKeyPayload)
    async def revoke_api_key(self, info: Info, input: RevokeApiKeyInput) -> ApiKeyPayload:
        uid = uuid_of(input.api_key_id, "ApiKey")
        row = await account_reads.api_key(info.context.signed_in_viewer, uid) if uid else None
        if row is None:
            raise not_found("API key", "apiKeyId")
        row = await api_keys.revoke(info.context.viewer, row)
        return ApiKeyPayload(api_key=ApiKey.from_model(row))
