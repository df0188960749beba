"""Accounts: creation by admins and organisation admins, password sign-in, and ending a user's
sessions. A login joins an existing client profile only through an invitation the client
accepts (domain/accounts.py); nobody chooses a password for someone else's profile."""

from __future__ import annotations

from uuid import UUID

from tortoise import connections
from tortoise.exceptions import IntegrityError

import models
from domain import access, clients, passwords, validation
from domain.errors import DomainError, ErrorCode, forbidden, invalid, not_found
from domain.locks import retrying
from domain.transactions import transaction
from domain.viewer import Viewer
from models.enums import CoachKind, Role

ATTACH_REFUSED = (
    "A login joins an existing client profile only through an invitation the client accepts: use inviteClient."
)


def _check_may_create(viewer: Viewer, role: Role, organisation_id: UUID | None) -> UUID | None:
    """ADMIN creates any account; ORG_ADMIN creates CLIENT and ORG_ADMIN accounts in its own
    organisation. Returns the organisation the account belongs to."""
    if access.is_platform_admin(viewer):
        return organisation_id
    if viewer.role is Role.ORG_ADMIN:
        if role not in (Role.CLIENT, Role.ORG_ADMIN):
            raise forbidden("Organisation admins create client and organisation admin accounts only.", "role")
        if organisation_id not in (None, viewer.organisation_id):
            raise not_found("Organisation", "organisationId")
        return viewer.organisation_id
    raise forbidden("You may not create accounts.")


@retrying
async def create_user(
    viewer: Viewer,
    *,
    email: str,
    name: str,
    password: str,
    role: Role,
    organisation_id: UUID | None = None,
    client_id: object = None,
    coach_kind: CoachKind | None = None,
) -> models.User:
    """A new person. `client_id` (any value) is refused for every caller: attaching a login to an
    existing client profile with a password the caller chose was a takeover (found by the November 2026 outside attack)."""
    if client_id is not None:
        raise DomainError(ErrorCode.FORBIDDEN, ATTACH_REFUSED, "clientId")
    organisation_id = _check_may_create(viewer, role, organisation_id)
    email = validation.email(email, required=True)
    name = validation.text(name, "name", max_length=200, required=True)
    passwords.check(password)
    if organisation_id is not None and not await models.Organisation.exists(id=organisation_id):
        raise not_found("Organisation", "organisationId")
    if role is Role.ORG_ADMIN and organisation_id is None:
        raise invalid("An organisation admin belongs to an organisation.", "organisationId")
    if role is Role.COACH:
        coach_kind = coach_kind or (CoachKind.INTERNAL if organisation_id else CoachKind.GLOBAL)
        if coach_kind is CoachKind.INTERNAL and organisation_id is None:
            raise invalid("An INTERNAL coach belongs to an organisation.", "organisationId")
        if coach_kind is CoachKind.GLOBAL:
            organisation_id = None
    elif coach_kind is not None:
        raise invalid("coachKind applies to coach accounts only.", "coachKind")
    if await models.User.exists(email=email):
        raise DomainError(ErrorCode.CONFLICT, "An account with this e-mail already exists.", "email")

    password_hash = await passwords.hash_password(password)
    try:
        async with transaction() as conn:
            user = await models.User.create(
                email=email,
                name=name,
                password_hash=password_hash,
                role=role,
                organisation_id=organisation_id if role in (Role.ORG_ADMIN, Role.CLIENT) else None,
            )
            if role is Role.COACH:
                await models.Coach.create(user_id=user.id, name=name, kind=coach_kind, organisation_id=organisation_id)
            elif role is Role.CLIENT:
                await clients.create_client(
                    viewer,
                    {"name": user.name, "email": user.email},
                    organisation_id=organisation_id,
                    user_id=user.id,
                    connection=conn,
                )
    except IntegrityError:
        raise DomainError(ErrorCode.CONFLICT, "An account with this e-mail already exists.", "email") from None
    return user


async def authenticate(email: str, password: str) -> models.User | None:
    """The user when e-mail and password match an active account, else None. An unknown e-mail
    costs the same hash check as a wrong password."""
    address = (email or "").strip().lower()
    # No account has a longer address (and the column refuses one): unknown, at the same cost.
    user = await models.User.get_or_none(email=address) if len(address) <= validation.MAX_EMAIL_LENGTH else None
    ok = await passwords.verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = await passwords.hash_password(password)
        await user.save(update_fields=["password_hash"])
    return user


_VIEWER_SQL = """
SELECT u.id, u.role, u.name, u.active, u.token_version, u.organisation_id,
       co.id AS coach_id, co.organisation_id AS coach_organisation_id,
       cl.id AS client_id, cl.organisation_id AS client_organisation_id
FROM users u
LEFT JOIN coaches co ON co.user_id = u.id
LEFT JOIN clients cl ON cl.user_id = u.id
WHERE u.id = $1
"""


async def viewer_by_id(user_id: UUID, token_version: int | None = None) -> Viewer | None:
    """The viewer a signed-in user acts as, with the ids their role scopes by, in one query (it
    runs on every request). None for an unknown or deactivated user, or when `token_version` is
    given and the user's is newer (password changed, deactivated and back)."""
    rows = await connections.get("default").execute_query_dict(_VIEWER_SQL, [user_id])
    if not rows:
        return None
    row = rows[0]
    if not row["active"] or (token_version is not None and row["token_version"] != token_version):
        return None
    role = Role(row["role"])
    organisation_id = row["organisation_id"]
    if role is Role.COACH:
        organisation_id = row["coach_organisation_id"]
    elif role is Role.CLIENT:
        organisation_id = row["client_organisation_id"]
    return Viewer(
        user_id=row["id"],
        role=role,
        name=row["name"],
        coach_id=row["coach_id"] if role is Role.COACH else None,
        client_id=row["client_id"] if role is Role.CLIENT else None,
        organisation_id=organisation_id,
    )


async def viewer_for(user: models.User) -> Viewer:
    viewer = await viewer_by_id(user.id)
    if viewer is None:
        raise not_found("User")
    return viewer
