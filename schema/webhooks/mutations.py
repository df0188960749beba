"""Webhooks: endpoints created, changed, rotated, deleted and pinged by their owners, and their
deliveries sent again. Another owner's endpoint or delivery reads as not found."""

from __future__ import annotations

import strawberry

import models
from domain.webhooks import addresses, endpoints
from resolvers import webhooks as webhook_reads
from schema.context import Info
from schema.node import in_scope, uuid_or_not_found
from schema.notes.types import DeletePayload
from schema.payloads import given, returns
from schema.permissions import signed_in
from schema.webhooks.queries import OWNERS
from schema.webhooks.types import (
    CreateWebhookEndpointInput,
    RedeliverWebhookInput,
    ReplayWebhooksInput,
    ReplayWebhooksPayload,
    UpdateWebhookEndpointInput,
    WebhookDelivery,
    WebhookDeliveryPayload,
    WebhookEndpoint,
    WebhookEndpointInput,
    WebhookEndpointPayload,
)


def _policy(info: Info) -> addresses.AddressPolicy:
    settings = info.context.settings
    return addresses.AddressPolicy.for_settings(
        production=settings.production, allow_private=settings.webhooks_allow_private
    )


async def _endpoint(info: Info, endpoint_id: str) -> models.WebhookEndpoint:
    return await in_scope(webhook_reads.endpoint, info, endpoint_id, "WebhookEndpoint", "endpointId")


@strawberry.type
class Mutation:
    @strawberry.mutation(
        permission_classes=signed_in(*OWNERS),
        description="Platform admins (for the platform or an organisation), organisation admins and API keys (for their organisation), coaches (for their practice): a new endpoint. The secret (whsec_...) is answered only here and by rotateWebhookSecret.",
    )
    @returns(WebhookEndpointPayload)
    async def create_webhook_endpoint(self, info: Info, input: CreateWebhookEndpointInput) -> WebhookEndpointPayload:
        organisation_id = uuid_or_not_found(input.organisation_id, "Organisation", "organisationId")
        row, secret = await endpoints.create(
            info.context.signed_in_viewer,
            input.url,
            input.description,
            input.event_types,
            organisation_id,
            _policy(info),
        )
        return WebhookEndpointPayload(endpoint=WebhookEndpoint.from_model(row), secret=secret)

    @strawberry.mutation(
        permission_classes=signed_in(*OWNERS),
        description="The owner: changes the address, label, event types, or switches it off and on (on again: what waits is sent).",
    )
    @returns(WebhookEndpointPayload)
    async def update_webhook_endpoint(self, info: Info, input: UpdateWebhookEndpointInput) -> WebhookEndpointPayload:
        row = await _endpoint(info, input.endpoint_id)
        changes = given(input, "url", "description", "event_types", "enabled")
        row = await endpoints.update(info.context.signed_in_viewer, row, changes, _policy(info))
        return WebhookEndpointPayload(endpoint=WebhookEndpoint.from_model(row))

    @strawberry.mutation(
        permission_classes=signed_in(*OWNERS),
        description="A new secret; the previous one keeps signing, as a second signature, for 24 hours.",
    )
    @returns(WebhookEndpointPayload)
    async def rotate_webhook_secret(self, info: Info, input: WebhookEndpointInput) -> WebhookEndpointPayload:
        row = await _endpoint(info, input.endpoint_id)
        row, secret = await endpoints.rotate(info.context.signed_in_viewer, row)
        return WebhookEndpointPayload(endpoint=WebhookEndpoint.from_model(row), secret=secret)

    @strawberry.mutation(
        permission_classes=signed_in(*OWNERS),
        description="The owner: removes the endpoint with its deliveries; nothing more is sent to it.",
    )
    @returns(DeletePayload)
    async def delete_webhook_endpoint(self, info: Info, input: WebhookEndpointInput) -> DeletePayload:
        row = await _endpoint(info, input.endpoint_id)
        await endpoints.delete(info.context.signed_in_viewer, row)
        return DeletePayload(deleted_id=input.endpoint_id)

    @strawberry.mutation(
        permission_classes=signed_in(*OWNERS),
        description="The owner: sends a PING event to the endpoint now, to test the address and the signature.",
    )
    @returns(WebhookDeliveryPayload)
    async def ping_webhook_endpoint(self, info: Info, input: WebhookEndpointInput) -> WebhookDeliveryPayload:
        row = await _endpoint(info, input.endpoint_id)
        sent = await endpoints.ping(info.context.signed_in_viewer, row)
        return WebhookDeliveryPayload(delivery=WebhookDelivery.from_model(sent, endpoint=row))

    @strawberry.mutation(
        permission_classes=signed_in(*OWNERS),
        description="The owner: sends one delivery again now, with the same webhook-id, and the retry schedule from the start.",
    )
    @returns(WebhookDeliveryPayload)
    async def redeliver_webhook(self, info: Info, input: RedeliverWebhookInput) -> WebhookDeliveryPayload:
        row = await in_scope(webhook_reads.delivery, info, input.delivery_id, "WebhookDelivery", "deliveryId")
        sent = await endpoints.redeliver(info.context.signed_in_viewer, row)
        return WebhookDeliveryPayload(delivery=WebhookDelivery.from_model(sent))

    @strawberry.mutation(
        permission_classes=signed_in(*OWNERS),
        description="The owner: sends again the endpoint's deliveries (only the failed ones, by default) of events since a time.",
    )
    @returns(ReplayWebhooksPayload)
    async def replay_webhooks(self, info: Info, input: ReplayWebhooksInput) -> ReplayWebhooksPayload:
        row = await _endpoint(info, input.endpoint_id)
        count = await endpoints.replay(info.context.signed_in_viewer, row, input.since, input.only_failed is not False)
        return ReplayWebhooksPayload(count=count)
