"""Client profiles and coach-client relationships: create, update, activate."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from tortoise import connections

import models
from domain import accounts, activity, clock, credentials, encryption, locks, validation
from domain.errors import forbidden, not_found
from domain.locks import retrying
from domain.transactions import transaction
from domain.viewer import Viewer
from domain.webhooks import events as webhook_events
from models.enums import ActivityKind, ClientCategory, CreditPoolKind, Role

# The profile fields a create or update may carry, with their API names (for error paths).
PROFILE_FIELDS = {
    "name": "name",
    "email": "email",
    "phone": "phone",
    "whatsapp": "whatsapp",
    "address": "address",
    "birth_date": "birthDate",
    "tags": "tags",
    "focus_areas": "focusAreas",
}
# Address keys as stored, with their API names (for error paths).
ADDRESS_KEYS = {"street": "street", "city": "city", "state": "state", "postal_code": "postalCode", "country": "country"}
MAX_PRIVATE_TEXT = 20000


def _clean_address(address: dict[str, Any] | None, checks: validation.Checks) -> dict[str, str] | None:
    if address is None:
        return None
    cleaned = {}
    for key, api_name in ADDRESS_KEYS.items():
        value = checks(validation.text, address.get(key), f"address.{api_name}", max_length=200)
        if value:
            cleaned[key] = value
    return cleaned or None


def clean_profile(values: dict[str, Any], checks: validation.Checks | None = None) -> dict[str, Any]:
    """Validate the profile fields present in `values` (absent keys are left alone). Every
    failing field is reported, not only the first; pass `checks` to add the caller's own."""
    own = checks is None
    checks = checks or validation.Checks()
    cleaned: dict[str, Any] = {}
    if "name" in values:
        cleaned["name"] = checks(validation.text, values["name"], "name", max_length=200, required=True)
    if "email" in values:
        cleaned["email"] = checks(validation.email, values["email"])
    for key in ("phone", "whatsapp"):
        if key in values:
            cleaned[key] = checks(validation.phone, values[key], key)
    if "address" in values:
        cleaned["address"] = _clean_address(values["address"], checks)
    if "birth_date" in values:
        cleaned["birth_date"] = checks(validation.birth_date, values["birth_date"])
    if "tags" in values:
        cleaned["tags"] = checks(validation.tags, values["tags"], "tags") or []
    if "focus_areas" in values:
        cleaned["focus_areas"] = checks(validation.tags, values["focus_areas"], "focusAreas") or []
    if own:
        checks.done()
    return cleaned


def _check_role_fields(viewer: Viewer, given: set[str]) -> None:
    """Some fields belong to one role: the client shares their health context, a coach keeps
    private notes. (Which clients a viewer may touch at all is domain/access.py's rule.)"""
    if "health_context" in given and viewer.role is not Role.CLIENT:
        raise forbidden("Only the client shares their health context.", "healthContext")
    if "private_notes" in given and viewer.role is not Role.COACH:
        raise forbidden("Only a coach keeps private notes on a client.", "privateNotes")


async def _organisation_for_new_client(viewer: Viewer, organisation_id: UUID | None) -> UUID | None:
    """Which organisation a new client joins, by who creates it."""
    if viewer.role is Role.ORG_ADMIN:
        if organisation_id not in (None, viewer.organisation_id):
            raise not_found("Organisation", "organisationId")
        return viewer.organisation_id
    if viewer.role is Role.COACH:
        # A coach may place a client only in their own organisation (INTERNAL coaches).
        if organisation_id is None:
            return viewer.organisation_id
        if organisation_id != viewer.organisation_id:
            raise not_found("Organisation", "organisationId")
        return organisation_id
    if organisation_id is not None and not await models.Organisation.exists(id=organisation_id):
        raise not_found("Organisation", "organisationId")
    return organisation_id


@retrying
async def create_client(
    viewer: Viewer,
    values: dict[str, Any],
    *,
    organisation_id: UUID | None = None,
    private_notes: str | None = None,
    user_id: UUID | None = None,
    connection=None,
) -> models.Client:
    """A new client profile with its credit pool and data key; a coach creating it starts the
    relationship. Runs in one transaction (or in the caller's `connection`)."""
    if viewer.role is Role.CLIENT:
        raise forbidden("Clients cannot create client profiles.")
    _check_role_fields(viewer, {"private_notes"} if private_notes is not None else set())
    checks = validation.Checks()
    profile = clean_profile(values, checks)
    private_notes = checks(validation.text, private_notes, "privateNotes", max_length=MAX_PRIVATE_TEXT)
    checks.done()
    organisation_id = await _organisation_for_new_client(viewer, organisation_id)

    async def write(conn) -> models.Client:
        client = await models.Client.create(**profile, organisation_id=organisation_id, user_id=user_id, using_db=conn)
        await models.CreditPool.create(kind=CreditPoolKind.CLIENT, client_id=client.id, balance=0, using_db=conn)
        cipher = await encryption.cipher_for(client.id, create=True)
        if viewer.role is Role.COACH:
            await models.CoachClient.create(
                coach_id=viewer.coach_id,
                client_id=client.id,
                created_at=clock.now(),  # relationshipSince, milestones: on the domain's clock
                private_notes_enc=cipher.encrypt(private_notes) if private_notes else None,
                using_db=conn,
            )
        await activity.record(
            ActivityKind.PROFILE_CREATED,
            client_id=client.id,
            actor=viewer,
            summary=f"Profile created by {viewer.name}",
            using_db=conn,
        )
        await webhook_events.client_event(webhook_events.Type.CLIENT_CREATED, client.id, createdBy=viewer.role.value)
        return client

    if connection is not None:
        return await write(connection)
    async with transaction() as conn:
        return await write(conn)


@retrying
async def update_client(viewer: Viewer, client: models.Client, values: dict[str, Any]) -> models.Client:
    """`values` holds only the fields the request set. One transaction, one timeline event."""
    private_notes_given = "private_notes" in values
    health_given = "health_context" in values
    _check_role_fields(viewer, set(values))
    checks = validation.Checks()
    profile = clean_profile(values, checks)
    private_notes = checks(validation.text, values.get("private_notes"), "privateNotes", max_length=MAX_PRIVATE_TEXT)
    health_context = checks(validation.text, values.get("health_context"), "healthContext", max_length=MAX_PRIVATE_TEXT)
    checks.done()

    async with transaction() as conn:
        # Lock the row so two concurrent edits do not interleave their timeline entries.
        locked = await locks.client(client.id)
        if locked is None:
            raise not_found("Client", "clientId")
        client = locked
        cipher = await encryption.cipher_for(client.id, create=True)
        changed = [PROFILE_FIELDS[k] for k, v in profile.items() if getattr(client, k) != v]
        for key, value in profile.items():
            setattr(client, key, value)
        if health_given:
            client.health_context_enc = cipher.encrypt(health_context) if health_context else None
            changed.append("healthContext")
        await client.save(using_db=conn)
        if "email" in profile and "email" in changed and client.user_id is None:
            await accounts.void_invitations(client.id)
        if private_notes_given:
            locks.taking(locks.Level.RELATIONSHIPS)
            updated = (
                await models.CoachClient.filter(coach_id=viewer.coach_id, client_id=client.id)
                .using_db(conn)
                .update(private_notes_enc=cipher.encrypt(private_notes) if private_notes else None)
            )
            if not updated:
                raise not_found("Client", "clientId")
            await activity.record(
                ActivityKind.PROFILE_UPDATED,
                client_id=client.id,
                actor=viewer,
                coach_id=viewer.coach_id,
                visible_to_client=False,
                summary="Private notes updated",
                using_db=conn,
            )
        if changed:
            await activity.record(
                ActivityKind.PROFILE_UPDATED,
                client_id=client.id,
                actor=viewer,
                summary=f"Profile updated: {', '.join(changed)}",
                using_db=conn,
            )
        # Partners hear which profile fields changed; health context is not theirs to know of.
        if profile_changed := [name for name in changed if name in PROFILE_FIELDS.values()]:
            await webhook_events.client_event(
                webhook_events.Type.CLIENT_UPDATED, client.id, changedFields=profile_changed, active=client.active
            )
    return client


@retrying
async def set_active(viewer: Viewer, client: models.Client, active: bool) -> models.Client:
    """Admins and the client's organisation admins; coaches for clients with no organisation
    (an organisation decides about its own members)."""
    if viewer.role is Role.CLIENT or (viewer.role is Role.COACH and client.organisation_id is not None):
        raise forbidden("You may not change whether this client is active.", "active")
    if client.active == active:
        return client
    async with transaction() as conn:
        await models.Client.filter(id=client.id).using_db(conn).update(active=active)
        if client.user_id is not None:
            # The client's login follows the profile: deactivated, it signs in no more and every
            # token it holds ends now; reactivated, it signs in again (old tokens stay ended).
            await models.User.filter(id=client.user_id).using_db(conn).update(active=active)
            if not active:
                await credentials.end_sessions(client.user_id)
        await activity.record(
            ActivityKind.PROFILE_UPDATED,
            client_id=client.id,
            actor=viewer,
            summary="Client activated" if active else "Client deactivated",
            using_db=conn,
        )
        await webhook_events.client_event(
            webhook_events.Type.CLIENT_UPDATED, client.id, changedFields=["active"], active=active
        )
    client.active = active
    return client


async def ensure_relationship(coach_id: UUID, client_id: UUID) -> None:
    """Start a coach-client relationship if there is none (a booking, a first message): one
    statement, safe under concurrency."""
    locks.taking(locks.Level.RELATIONSHIPS)
    await connections.get("default").execute_query(
        "INSERT INTO coach_clients (id, coach_id, client_id, category, created_at) "
        "VALUES (gen_random_uuid(), $1, $2, $3, $4) ON CONFLICT (coach_id, client_id) DO NOTHING",
        [coach_id, client_id, ClientCategory.PROSPECTIVE.value, clock.now()],
    )
