"""Invitations and passwords: input → domain → payload. Tokens leave only by e-mail; the answers
here carry an invitation row or a fresh sign-in token, never an invitation or reset code."""

from __future__ import annotations

import asyncio
import time

from domain import accounts
from domain.accounts import ResetAllowance
from domain.errors import DomainError, ErrorCode
from resolvers import clients as client_reads
from schema.node import in_scope
from schema.payloads import returns
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
from schema.accounts.types import LoginPayload, User

RESET_THROTTLED = "Too many password reset requests; try again later."
RESET_ANSWER_SECONDS = 0.25
WRONG_PASSWORD_THROTTLED = "Too many wrong passwords; wait a minute and try again."


@returns(InvitationPayload)
async def invite_client(info, input: InviteClientInput) -> InvitationPayload:  # noqa: A002
    client = await in_scope(client_reads.visible, info, input.client_id, "Client", "clientId")
    row = await accounts.invite_client(info.context.viewer, client, input.email)
    return InvitationPayload(invitation=Invitation.from_model(row))


@returns(LoginPayload)
async def accept_invitation(info, input: AcceptInvitationInput) -> LoginPayload:  # noqa: A002
    user = await accounts.accept_invitation(input.token, input.password)
    return LoginPayload(token=info.context.auth.issue_token(user), user=User.from_model(user))


@returns(LoginPayload)
async def change_password(info, input: ChangePasswordInput) -> LoginPayload:  # noqa: A002
    """Guesses of the current password count like failed sign-ins of the account (a stolen token
    must not become a way to learn the password that outlives it)."""
    viewer, auth, address = info.context.viewer, info.context.auth, info.context.client_address
    email = await accounts.email_of(viewer)
    if not await auth.reserve_login_attempt(email, address):
        raise DomainError(ErrorCode.RATE_LIMITED, WRONG_PASSWORD_THROTTLED)
    user = await accounts.change_password(viewer, input.current_password, input.new_password)
    await auth.forget_login_attempt(email, address)
    return LoginPayload(token=auth.issue_token(user), user=User.from_model(user))


@returns(RequestPasswordResetPayload)
async def request_password_reset(info, input: RequestPasswordResetInput) -> RequestPasswordResetPayload:  # noqa: A002
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


@returns(LoginPayload)
async def reset_password(info, input: ResetPasswordInput) -> LoginPayload:  # noqa: A002
    user = await accounts.reset_password(input.token, input.new_password)
    return LoginPayload(token=info.context.auth.issue_token(user), user=User.from_model(user))
