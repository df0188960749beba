"""Invitations and passwords: input → domain → payload. Tokens leave only by e-mail; the answers
here carry an invitation row or a fresh sign-in token, never an invitation or reset code."""

from __future__ import annotations

from domain import accounts
from domain.errors import DomainError, ErrorCode
from resolvers.clients import visible_client
from resolvers.payloads import returns
from schema.types.account import (
    AcceptInvitationInput, ChangePasswordInput, Invitation, InvitationPayload, InviteClientInput,
    RequestPasswordResetInput, RequestPasswordResetPayload, ResetPasswordInput,
)
from schema.types.user import LoginPayload, User

RESET_THROTTLED = "Too many password reset requests; try again later."


@returns(InvitationPayload)
async def invite_client(info, input: InviteClientInput) -> InvitationPayload:  # noqa: A002
    client = await visible_client(info, input.client_id)
    row = await accounts.invite_client(info.context.viewer, client, input.email)
    return InvitationPayload(invitation=Invitation.from_model(row))


@returns(LoginPayload)
async def accept_invitation(info, input: AcceptInvitationInput) -> LoginPayload:  # noqa: A002
    user = await accounts.accept_invitation(input.token, input.password)
    return LoginPayload(token=info.context.auth.issue_token(user), user=User.from_model(user))


@returns(LoginPayload)
async def change_password(info, input: ChangePasswordInput) -> LoginPayload:  # noqa: A002
    user = await accounts.change_password(info.context.viewer, input.current_password, input.new_password)
    return LoginPayload(token=info.context.auth.issue_token(user), user=User.from_model(user))


@returns(RequestPasswordResetPayload)
async def request_password_reset(info, input: RequestPasswordResetInput) -> RequestPasswordResetPayload:  # noqa: A002
    address = accounts.reset_address(input.email)
    if not await info.context.auth.reserve_password_reset(address, info.context.client_address):
        raise DomainError(ErrorCode.RATE_LIMITED, RESET_THROTTLED)
    await accounts.request_password_reset(address)
    return RequestPasswordResetPayload(accepted=True)


@returns(LoginPayload)
async def reset_password(info, input: ResetPasswordInput) -> LoginPayload:  # noqa: A002
    user = await accounts.reset_password(input.token, input.new_password)
    return LoginPayload(token=info.context.auth.issue_token(user), user=User.from_model(user))
