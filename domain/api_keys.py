"""API keys for partner automation: each acts as ORG_ADMIN of its organisation. Only a SHA-256
of the key is stored (keys are long random strings, so a slow hash adds nothing); the key is
shown once."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from uuid import UUID

from tortoise import connections

import models
from domain import access, clock, events, validation
from domain.errors import forbidden, invalid, not_found
from domain.locks import retrying
from domain.transactions import transaction
from domain.viewer import Viewer
from models.enums import Role

KEY_PREFIX = "cl_"


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


async def create(viewer: Viewer, name: str, organisation_id: UUID | None) -> tuple[models.ApiKey, str]:
    name = validation.text(name, "name", max_length=200, required=True)
    if viewer.role is Role.ORG_ADMIN:
        if organisation_id not in (None, viewer.organisation_id):
            raise not_found("Organisation", "organisationId")
        organisation_id = viewer.organisation_id
    elif access.is_platform_admin(viewer):
        if organisation_id is None:
            raise invalid("An API key acts for one organisation.", "organisationId")
        if not await models.Organisation.exists(id=organisation_id):
            raise not_found("Organisation", "organisationId")
    else:
        raise forbidden("You may not create API keys.")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    api_key = await models.ApiKey.create(
        name=name,
        prefix=key[:10],
        key_hash=_digest(key),
        organisation_id=organisation_id,
        created_by_id=viewer.user_id,
    )
    return api_key, key


@retrying
async def revoke(viewer: Viewer, api_key: models.ApiKey) -> models.ApiKey:
    """Ends the key for requests at once, and closes the sockets opened with it."""
    if api_key.revoked_at is None:
        async with transaction():
            api_key.revoked_at = clock.now()
            await api_key.save(update_fields=["revoked_at"])
            await events.credentials_ended(events.API_KEY_CREDENTIALS, api_key.id)
    return api_key


async def why_unusable(api_key_id: UUID) -> str | None:
    """None while a key works; else why not (an open socket asks before each delivery)."""
    rows = await connections.get("default").execute_query_dict(
        "SELECT k.revoked_at IS NOT NULL AS revoked, o.active FROM api_keys k JOIN organisations o ON o.id = k.organisation_id "
        "WHERE k.id = $1",
        [api_key_id],
    )
    if not rows or rows[0]["revoked"]:
        return "API key revoked"
    return None if rows[0]["active"] else "Organisation deactivated"


async def viewer_for_key(key: str) -> Viewer | None:
    if not key.startswith(KEY_PREFIX):
        return None
    api_key = await models.ApiKey.get_or_none(key_hash=_digest(key), revoked_at__isnull=True).prefetch_related(
        "organisation"
    )
    if api_key is None or not api_key.organisation.active:
        return None
    now = clock.now()
    if api_key.last_used_at is None or now - api_key.last_used_at > timedelta(minutes=1):
        # Recorded at most once a minute: a busy integration does not write on every request.
        await models.ApiKey.filter(id=api_key.id).update(last_used_at=now)
    return Viewer(
        user_id=None,
        role=Role.ORG_ADMIN,
        name=f"API key {api_key.name}",
        organisation_id=api_key.organisation_id,
        api_key_id=api_key.id,
    )
