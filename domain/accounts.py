"""Invitations and passwords (docs/RULES.md, "Accounts and sign-in").

A login joins an existing client profile only when the client accepts an invitation and chooses
their own password; nobody else ever chooses a password for someone else's profile. Invitation
and reset tokens are single-use random strings; only their SHA-256 is stored. The e-mail that
carries one is an e-mail-only notification (no user, so no viewer ever lists it) whose token waits
for the e-mail worker sealed with the master keys in `account_tokens.sealed_token`, and is erased
once e-mailed, given up, used or replaced (domain/notifications.py). So no API answer, stored
notification text or log line holds a token.

Decisions written down here and in the README:
- Accepting an invitation for a client who meanwhile got a login is refused (CONFLICT); the
  existing login keeps its password (the client can reset it). Inviting such a client is refused too.
- A newer invitation (or reset request) voids the older open ones of the same client (or user).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from enum import Enum
from uuid import UUID

from tortoise.exceptions import IntegrityError

import models
from domain import (
    access,
    activity,
    clock,
    credentials,
    encryption,
    locks,
    notifications,
    passwords,
    validation,
)
from domain.errors import DomainError, ErrorCode, forbidden, invalid
from domain.locks import retrying
from domain.transactions import transaction
from domain.viewer import Viewer
from models.enums import AccountTokenKind, ActivityKind, NotificationKind, Role

INVITATION_LIFETIME = timedelta(days=7)
RESET_LIFETIME = timedelta(hours=1)

INVALID_INVITATION = "This invitation is not valid: it was used, replaced by a newer one, or it expired."
INVALID_RESET = "This reset code is not valid: it was used, replaced by a newer one, or it expired."
HAS_LOGIN = "This client already has a login: they sign in, or reset their password."
EMAIL_TAKEN = "An account with this e-mail already exists."
NO_ADDRESS = "This client has no e-mail address on file: give one."
NOT_ON_FILE = "Invitations go to the client's e-mail on file; change it with updateClient first."

INVITATION_TITLE = "You are invited to Caseload"
INVITATION_BODY = (
    "You have been invited to sign in to Caseload, where you see your sessions, your messages and "
    "the notes your coach shares with you. Choose your own password with the invitation code below; "
    "it works once, for 7 days."
)
RESET_TITLE = "Reset your Caseload password"
RESET_BODY = (
    "Someone (we hope you) asked to reset the password of your Caseload account. Choose a new password "
    "with the reset code below; it works once, for 1 hour. If it was not you, ignore this e-mail: "
    "your password stays as it is."
)


class ResetAllowance(Enum):
    """What the reset throttle allows a request (app.auth counts them)."""

    SEND = "send"  # e-mail a code when the address has an account
    QUIET = "quiet"  # answer as usual, send nothing: the named address had its share
    REFUSED = "refused"  # RATE_LIMITED: the caller had its share, or the throttle could not tell


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _usable(row: models.AccountToken | None, kind: AccountTokenKind) -> bool:
    return (
        row is not None
        and row.kind is kind
        and row.used_at is None
        and row.voided_at is None
        and row.expires_at > clock.now()
    )


async def _lookup(token: str, kind: AccountTokenKind, message: str) -> models.AccountToken:
    """A token still usable, read without a lock (checked again under one); else INVALID."""
    if not token or len(token) > 200:
        raise invalid(message, "token")
    row = await models.AccountToken.get_or_none(token_hash=_digest(token))
    if not _usable(row, kind):
        raise invalid(message, "token")
    assert row is not None
    return row


async def _void_open(kind: AccountTokenKind, *, client_id: UUID | None = None, user_id: UUID | None = None) -> None:
    scope = models.AccountToken.filter(kind=kind, used_at__isnull=True, voided_at__isnull=True)
    scope = scope.filter(client_id=client_id) if client_id is not None else scope.filter(user_id=user_id)
    await scope.update(voided_at=clock.now(), sealed_token=None)


async def _issue(
    kind: AccountTokenKind,
    email: str,
    lifetime: timedelta,
    *,
    client_id: UUID | None = None,
    user_id: UUID | None = None,
    created_by_id: UUID | None = None,
) -> tuple[models.AccountToken, str]:
    """A new token and its e-mail, in the caller's transaction (older open ones voided first)."""
    await _void_open(kind, client_id=client_id, user_id=user_id)
    token = secrets.token_urlsafe(32)
    now = clock.now()
    row = await models.AccountToken.create(
        kind=kind,
        token_hash=_digest(token),
        email=email,
        client_id=client_id,
        user_id=user_id,
        created_by_id=created_by_id,
        created_at=now,
        expires_at=now + lifetime,
        sealed_token=encryption.seal(token),
    )
    if kind is AccountTokenKind.INVITATION:
        await notifications.account_email(NotificationKind.INVITATION, row.id, INVITATION_TITLE, INVITATION_BODY)
    else:
        await notifications.account_email(NotificationKind.PASSWORD_RESET, row.id, RESET_TITLE, RESET_BODY)
    return row, token


# ---------------------------------------------------------------------------- invitations


@retrying
async def invite_client(viewer: Viewer, client: models.Client, email: str | None) -> models.AccountToken:
    """E-mail the client (already in the viewer's scope) a single-use invitation, valid 7 days.
    The token goes only into the e-mail; the caller gets the invitation row.

    The invitation goes to the e-mail on file: whoever could send it to another address would
    choose the password of someone else's profile. `email` only fills in a profile that has no
    address yet (recorded in the client's timeline, like any profile change); changing an address
    on file is an updateClient, which voids open invitations."""
    if not access.may_invite_client(viewer):
        raise forbidden("You may not invite clients.", "clientId")
    given = validation.email(email, "email")
    async with transaction():
        # The client's row lock serialises invitations and acceptances of one client (the same
        # order everywhere: client, then its tokens).
        locked = await locks.client(client.id)
        if locked is None or locked.user_id is not None:
            raise DomainError(ErrorCode.CONFLICT, HAS_LOGIN, "clientId")
        address = locked.email if locked.email is not None else given
        if address is None:
            raise invalid(NO_ADDRESS, "email")
        if given is not None and given != address:
            raise invalid(NOT_ON_FILE, "email")
        if locked.email is None:
            locked.email = address
            await locked.save(update_fields=["email"])
            await activity.record(
                ActivityKind.PROFILE_UPDATED,
                client_id=locked.id,
                actor=viewer,
                summary="Profile updated: email (for an invitation)",
            )
        # Whether the address already has an account is told only to the invitee, at acceptance:
        # answering it here would let any inviter test addresses.
        row, _token = await _issue(
            AccountTokenKind.INVITATION,
            address,
            INVITATION_LIFETIME,
            client_id=client.id,
            created_by_id=viewer.user_id,
        )
    return row


async def void_invitations(client_id: UUID) -> None:
    """In the caller's transaction: the client's e-mail on file changed, so open invitations,
    sent to the old address, end."""
    await _void_open(AccountTokenKind.INVITATION, client_id=client_id)


@retrying
async def accept_invitation(token: str, password: str) -> models.User:
    """Anonymous: the invitee chooses their password; a new CLIENT login joins the profile."""
    passwords.check(password)
    found = await _lookup(token, AccountTokenKind.INVITATION, INVALID_INVITATION)
    assert found.client_id is not None  # every invitation names its client
    password_hash = await passwords.hash_password(password)  # outside the transaction: it is slow
    try:
        async with transaction():
            # FOR UPDATE: the login's id goes into the client's unique user_id.
            client = await locks.client(found.client_id, delete=True)
            row = await models.AccountToken.select_for_update().get_or_none(id=found.id)
            if client is None or row is None or not _usable(row, AccountTokenKind.INVITATION):
                raise invalid(INVALID_INVITATION, "token")
            if client.user_id is not None:
                raise DomainError(ErrorCode.CONFLICT, HAS_LOGIN, "token")
            if await models.User.exists(email=row.email):
                raise DomainError(ErrorCode.CONFLICT, EMAIL_TAKEN, "token")
            user = await models.User.create(
                email=row.email,
                name=client.name,
                password_hash=password_hash,
                role=Role.CLIENT,
                organisation_id=client.organisation_id,
            )
            client.user_id = user.id
            client.email = client.email or row.email
            await client.save(update_fields=["user_id", "email"])
            row.used_at = clock.now()
            row.sealed_token = None
            await row.save(update_fields=["used_at", "sealed_token"])
    except IntegrityError:  # the e-mail taken by a concurrent sign-up
        raise DomainError(ErrorCode.CONFLICT, EMAIL_TAKEN, "token") from None
    return user


# ---------------------------------------------------------------------------- passwords


async def email_of(viewer: Viewer) -> str:
    """The signed-in user's address (the throttle of password guesses counts by it)."""
    if viewer.user_id is None:
        raise forbidden("An API key has no password.")
    user = await models.User.get(id=viewer.user_id)
    return user.email


@retrying
async def change_password(viewer: Viewer, current_password: str, new_password: str) -> models.User:
    """A new password for the signed-in user; every earlier token of theirs ends."""
    if viewer.user_id is None:
        raise forbidden("An API key has no password.")
    passwords.check(new_password, "newPassword")
    user = await models.User.get(id=viewer.user_id)
    if not await passwords.verify_password(user.password_hash, current_password):
        raise invalid("The current password is not right.", "currentPassword")
    password_hash = await passwords.hash_password(new_password)
    async with transaction():
        await models.User.filter(id=user.id).update(password_hash=password_hash)
        await _void_open(AccountTokenKind.PASSWORD_RESET, user_id=user.id)
        await credentials.end_sessions(user.id)
    return await models.User.get(id=user.id)


def reset_address(email: str) -> str:
    """The address a reset request names, checked and normalised (INVALID when malformed)."""
    address = validation.email(email, "email", required=True)
    assert address is not None
    return address


@retrying
async def request_password_reset(address: str) -> None:
    """E-mail a reset code, valid 1 hour, when `address` (from reset_address) belongs to an
    active account; nothing otherwise. The caller answers the same either way."""
    user = await models.User.get_or_none(email=address, active=True)
    if user is None:
        return
    async with transaction():
        await _issue(AccountTokenKind.PASSWORD_RESET, user.email, RESET_LIFETIME, user_id=user.id)


@retrying
async def reset_password(token: str, new_password: str) -> models.User:
    """Anonymous: the holder of a reset code sets a new password; every earlier token ends."""
    passwords.check(new_password, "newPassword")
    found = await _lookup(token, AccountTokenKind.PASSWORD_RESET, INVALID_RESET)
    password_hash = await passwords.hash_password(new_password)
    async with transaction():
        # Lock order as in change_password: the user, then their tokens.
        await models.User.select_for_update().filter(id=found.user_id).first()
        used = await models.AccountToken.filter(
            id=found.id, used_at__isnull=True, voided_at__isnull=True, expires_at__gt=clock.now()
        ).update(used_at=clock.now(), sealed_token=None)
        changed = (
            await models.User.filter(id=found.user_id, active=True).update(password_hash=password_hash) if used else 0
        )
        if not changed:
            raise invalid(INVALID_RESET, "token")
        await _void_open(AccountTokenKind.PASSWORD_RESET, user_id=found.user_id)
        await credentials.end_sessions(found.user_id)
    return await models.User.get(id=found.user_id)
