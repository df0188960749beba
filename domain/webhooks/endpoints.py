"""Webhook endpoints and their log: create, update (enable, disable), rotate the secret, delete,
ping, redeliver, replay. Who owns which endpoint is domain.access's rule (webhook_endpoints);
callers pass endpoints and deliveries already read in the viewer's scope. The address rules
(https in production, no private addresses) are domain.webhooks.addresses'; the secret and its
24 hours of overlap after a rotation are domain.webhooks.signing's."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import models
from domain import access, clock, encryption, validation
from domain.errors import forbidden, invalid, not_found
from domain.locks import retrying
from domain.transactions import transaction
from domain.viewer import Viewer
from domain.webhooks import addresses, delivery, signing
from domain.webhooks import events as webhook_events
from models.enums import Role, WebhookDeliveryStatus, WebhookEventType, WebhookOwnerKind

MAX_ENDPOINTS_PER_OWNER = 20
DISABLED_BY_HAND = "Disabled by hand"


def _event_types(types: Sequence[WebhookEventType] | None) -> list[str]:
    """Stored sorted and once each; empty means every type the owner may receive."""
    return sorted({t.value for t in types or ()})


async def _owner(viewer: Viewer, organisation_id: UUID | None) -> dict:
    """The owner columns of a new endpoint, from who creates it."""
    if access.is_platform_admin(viewer):
        if organisation_id is None:
            return {"owner_kind": WebhookOwnerKind.PLATFORM}
        if not await models.Organisation.exists(id=organisation_id):
            raise not_found("Organisation", "organisationId")
        return {"owner_kind": WebhookOwnerKind.ORGANISATION, "organisation_id": organisation_id}
    if viewer.role is Role.ORG_ADMIN:
        if organisation_id not in (None, viewer.organisation_id):
            raise not_found("Organisation", "organisationId")
        return {"owner_kind": WebhookOwnerKind.ORGANISATION, "organisation_id": viewer.organisation_id}
    if viewer.role is Role.COACH:
        if organisation_id is not None:
            raise not_found("Organisation", "organisationId")
        return {"owner_kind": WebhookOwnerKind.COACH, "coach_id": viewer.coach_id}
    raise forbidden("Your role may not own webhook endpoints.")


@retrying
async def create(
    viewer: Viewer,
    url: str,
    description: str | None,
    event_types: Sequence[WebhookEventType] | None,
    organisation_id: UUID | None,
    policy: addresses.AddressPolicy,
) -> tuple[models.WebhookEndpoint, str]:
    """A new enabled endpoint and its secret (returned once, stored sealed)."""
    owner = await _owner(viewer, organisation_id)
    description = validation.text(description, "description", max_length=500)
    url = await addresses.validate(url, policy, field="url")
    secret = signing.new_secret()
    now = clock.now()
    async with transaction():
        if await models.WebhookEndpoint.filter(**owner).count() >= MAX_ENDPOINTS_PER_OWNER:
            raise invalid(f"At most {MAX_ENDPOINTS_PER_OWNER} webhook endpoints per owner.", "url")
        endpoint = await models.WebhookEndpoint.create(
            **owner,
            created_by_id=viewer.user_id,
            created_by_api_key_id=viewer.api_key_id,
            url=url,
            description=description,
            event_types=_event_types(event_types),
            enabled=True,
            sealed_secret=encryption.seal(secret),
            created_at=now,
            updated_at=now,
        )
    return endpoint, secret


@retrying
async def update(
    viewer: Viewer,
    endpoint: models.WebhookEndpoint,
    changes: dict,
    policy: addresses.AddressPolicy,
) -> models.WebhookEndpoint:
    """`changes` holds only what the request set: url, description, event_types, enabled.
    Enabling clears the reason it was disabled and its run of failures; deliveries still
    pending go out again."""
    values: dict = {}
    if changes.get("url") is not None:
        values["url"] = await addresses.validate(changes["url"], policy, field="url")
    if "description" in changes:
        values["description"] = validation.text(changes["description"], "description", max_length=500)
    if changes.get("event_types") is not None:
        values["event_types"] = _event_types(changes["event_types"])
    if changes.get("enabled") is not None and changes["enabled"] != endpoint.enabled:
        values["enabled"] = changes["enabled"]
        values["disabled_reason"] = None if changes["enabled"] else DISABLED_BY_HAND
        values["failing_since"] = None
    if not values:
        return endpoint
    values["updated_at"] = clock.now()
    async with transaction():
        if not await models.WebhookEndpoint.filter(id=endpoint.id).update(**values):
            raise not_found("WebhookEndpoint", "endpointId")
        if values.get("enabled"):
            await _send_pending_again(endpoint.id)
    endpoint.update_from_dict(values)
    return endpoint


async def _send_pending_again(endpoint_id: UUID) -> None:
    """An endpoint enabled again: what waited for it goes out now."""
    ids = await models.WebhookDelivery.filter(
        endpoint_id=endpoint_id, status=WebhookDeliveryStatus.PENDING
    ).values_list("id", flat=True)
    if ids:
        await models.WebhookDelivery.filter(id__in=list(ids)).update(next_attempt_at=clock.now())
        await delivery.enqueue(list(ids))  # type: ignore[arg-type]  # values_list(flat=True) is typed as tuples


@retrying
async def rotate(viewer: Viewer, endpoint: models.WebhookEndpoint) -> tuple[models.WebhookEndpoint, str]:
    """A new secret; the one it replaces keeps signing, as a second signature, for
    signing.ROTATION_OVERLAP. Rotating again within that time keeps only the newest previous."""
    secret = signing.new_secret()
    now = clock.now()
    async with transaction():
        current = await models.WebhookEndpoint.filter(id=endpoint.id).select_for_update().first()
        if current is None:
            raise not_found("WebhookEndpoint", "endpointId")
        current.sealed_previous_secret = current.sealed_secret
        current.previous_secret_expires_at = now + signing.ROTATION_OVERLAP
        current.sealed_secret = encryption.seal(secret)
        current.updated_at = now
        await current.save(
            update_fields=["sealed_previous_secret", "previous_secret_expires_at", "sealed_secret", "updated_at"]
        )
    return current, secret


async def delete(viewer: Viewer, endpoint: models.WebhookEndpoint) -> None:
    """The endpoint, its deliveries and their attempts (its events stay in the feed)."""
    await models.WebhookEndpoint.filter(id=endpoint.id).delete()


@retrying
async def ping(viewer: Viewer, endpoint: models.WebhookEndpoint) -> models.WebhookDelivery:
    """A PING event for this endpoint alone, sent now (even to a disabled endpoint: it tests the
    address before enabling it again)."""
    now = clock.now()
    async with transaction():
        event_id = await webhook_events.record(
            WebhookEventType.PING,
            webhook_events.ENDPOINT,
            endpoint.id,
            {"endpoint": webhook_events.global_id("WebhookEndpoint", endpoint.id)},
            endpoint_id=endpoint.id,
        )
        sent = await models.WebhookDelivery.create(
            endpoint_id=endpoint.id,
            event_id=event_id,
            status=WebhookDeliveryStatus.PENDING,
            next_attempt_at=now,
            created_at=now,
        )
        await delivery.enqueue([sent.id])
    return sent


# A delivery sent again: a full retry schedule from the first attempt (every earlier attempt stays
# in the log). A claim in flight is left to finish (the worker skips claimed rows until it lapses).
_AGAIN = {
    "status": WebhookDeliveryStatus.PENDING,
    "attempts": 0,
    "last_error": None,
}


@retrying
async def redeliver(viewer: Viewer, sent: models.WebhookDelivery) -> models.WebhookDelivery:
    """Send a delivery again, whatever became of it, with its event's same id and body."""
    async with transaction():
        now = clock.now()
        if not await models.WebhookDelivery.filter(id=sent.id).update(**_AGAIN, next_attempt_at=now):
            raise not_found("WebhookDelivery", "deliveryId")
        await delivery.enqueue([sent.id])
    return await models.WebhookDelivery.get(id=sent.id)


@retrying
async def replay(viewer: Viewer, endpoint: models.WebhookEndpoint, since: datetime, only_failed: bool) -> int:
    """Send again the endpoint's deliveries of events since `since` (the failed ones, or all
    that are not waiting anyway); returns how many."""
    if since > clock.now():
        raise invalid("`since` is in the future.", "since")
    async with transaction():
        again = models.WebhookDelivery.filter(endpoint_id=endpoint.id, event__occurred_at__gte=since)
        if only_failed:
            again = again.filter(status=WebhookDeliveryStatus.FAILED)
        else:
            again = again.filter(status__in=[WebhookDeliveryStatus.FAILED, WebhookDeliveryStatus.SUCCEEDED])
        ids = list(await again.values_list("id", flat=True))
        if ids:
            await models.WebhookDelivery.filter(id__in=ids).update(**_AGAIN, next_attempt_at=clock.now())
            await delivery.enqueue(ids)  # type: ignore[arg-type]  # values_list(flat=True) is typed as tuples
    return len(ids)
