"""Sign-in, accounts and the viewer."""

from __future__ import annotations

import models
from domain import users as user_domain
from domain.errors import DomainError, ErrorCode, not_found
from schema.payloads import returns
from schema.node import uuid_of
from schema.accounts.types import CreateUserInput, LoginInput, LoginPayload, User, UserPayload, Viewer

BAD_CREDENTIALS = "E-mail or password is not right."


async def viewer(info) -> Viewer:
    v = info.context.viewer
    if v.api_key_id is not None:
        # An API key has no user of its own; it appears as its organisation's automation.
        user = User(uid=str(v.api_key_id), email="", name=v.name, role=v.role, created_at=None)  # type: ignore[arg-type]
        key = await models.ApiKey.get(id=v.api_key_id)
        user.created_at = key.created_at
        return Viewer(user=user, role=v.role, _viewer=v)
    row = await models.User.get(id=v.user_id)
    return Viewer(user=User.from_model(row), role=v.role, _viewer=v)


@returns(LoginPayload)
async def login(info, input: LoginInput) -> LoginPayload:  # noqa: A002
    auth = info.context.auth
    address = info.context.client_address
    if not await auth.reserve_login_attempt(input.email, address):
        raise DomainError(ErrorCode.RATE_LIMITED, "Too many failed sign-ins; wait a minute and try again.")
    user = await user_domain.authenticate(input.email, input.password)
    if user is None:
        # The same answer for an unknown e-mail and a wrong password.
        raise DomainError(ErrorCode.INVALID, BAD_CREDENTIALS, "password")
    await auth.forget_login_attempt(input.email, address)
    return LoginPayload(token=auth.issue_token(user), user=User.from_model(user))


@returns(UserPayload)
async def create_user(info, input: CreateUserInput) -> UserPayload:  # noqa: A002
    organisation_id = None
    if input.organisation_id is not None:
        organisation_id = uuid_of(input.organisation_id, "Organisation")
        if organisation_id is None:
            raise not_found("Organisation", "organisationId")
    row = await user_domain.create_user(
        info.context.viewer, email=input.email, name=input.name, password=input.password, role=input.role,
        organisation_id=organisation_id, client_id=input.client_id, coach_kind=input.coach_kind,
    )
    return UserPayload(user=User.from_model(row))
