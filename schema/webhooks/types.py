from __future__ import annotations

from datetime import datetime
from uuid import UUID

import strawberry
from strawberry.scalars import JSON

import models
from resolvers import webhooks as webhook_reads
from schema.connection import Connection
from schema.context import Info
from schema.enums import WebhookDeliveryStatus, WebhookEventType
from schema.errors import UserError
from schema.node import Entity, loads_nodes
from schema.organisations.types import Organisation
from schema.pagination import BY_CREATED, paginate


@strawberry.type(
    description=(
        "An HTTPS address that receives signed events (Standard Webhooks). It receives an event only when its\n"
        "owner (an admin, an organisation through its admins or API keys, or a coach) could read the object\n"
        "the event is about through a query."
    )
)
class WebhookEndpoint(Entity):
    url: str = strawberry.field(description="Where events are POSTed (https in production).")
    description: str | None = strawberry.field(description="The owner's label for it.")
    event_types: list[WebhookEventType] = strawberry.field(description="Empty: every event type the owner may receive.")
    enabled: bool = strawberry.field(
        description="False: no deliveries are attempted; events meanwhile are kept for replay."
    )
    disabled_reason: str | None = strawberry.field(
        description="Why it was disabled: by hand, by an HTTP 410, or after failing for too long."
    )
    created_at: datetime = strawberry.field(description="When it was created; it receives changes made from then on.")
    _m: strawberry.Private[models.WebhookEndpoint]

    @classmethod
    def from_model(cls, m: models.WebhookEndpoint) -> "WebhookEndpoint":
        return cls(
            uid=str(m.id),
            url=m.url,
            description=m.description,
            event_types=[WebhookEventType(t) for t in m.event_types],
            enabled=m.enabled,
            disabled_reason=m.disabled_reason,
            created_at=m.created_at,
            _m=m,
        )

    @strawberry.field(description="The organisation that owns it; null for platform and coach endpoints.")
    async def organisation(self, info: Info) -> Organisation | None:
        if self._m.organisation_id is None:
            return None
        row = await info.context.loaders.organisation.load(self._m.organisation_id)
        return Organisation.from_model(row) if row else None

    @strawberry.field(description="Its deliveries, newest first, each with its attempts' outcome (kept 30 days).")
    async def deliveries(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = None,
        status: WebhookDeliveryStatus | None = None,
    ) -> "WebhookDeliveryConnection":
        """Newest first; every attempt of each is kept 30 days."""
        rows = webhook_reads.deliveries(info.context.signed_in_viewer, self._m.id, status)
        page = await paginate(rows, BY_CREATED, first, after, viewer=info.context.signed_in_viewer)
        events = {e.id: e for e in await models.WebhookEvent.filter(id__in=[r.event_id for r in page.rows])}
        return WebhookDeliveryConnection.of(
            page, [WebhookDelivery.from_model(r, endpoint=self._m, event=events.get(r.event_id)) for r in page.rows]
        )


@strawberry.type(
    description="A change partners can act on, written in the same transaction as the change; its id is the webhook-id of every delivery."
)
class WebhookEvent(Entity):
    type: str = strawberry.field(description="The wire name, e.g. session.cancelled.")
    event_type: WebhookEventType = strawberry.field(description="The type as an enum value.")
    occurred_at: datetime = strawberry.field(description="When the change committed.")
    payload: JSON = strawberry.field(description="Exactly the JSON body that endpoints receive.")

    @classmethod
    def from_model(cls, m: models.WebhookEvent) -> "WebhookEvent":
        return cls(
            uid=str(m.id), type=m.type.wire, event_type=m.type, occurred_at=m.occurred_at, payload=JSON(m.payload)
        )


@strawberry.type(
    description="One event on its way to one endpoint: retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h (with jitter, Retry-After honoured) until a 2xx."
)
class WebhookDelivery(Entity):
    status: WebhookDeliveryStatus = strawberry.field(
        description="PENDING until a 2xx (SUCCEEDED) or the last retry (FAILED)."
    )
    attempts: int = strawberry.field(description="Attempts made so far.")
    last_attempt_at: datetime | None = strawberry.field(description="When the last attempt started.")
    next_attempt_at: datetime | None = strawberry.field(description="When the next attempt is due; null once it ended.")
    last_response_status: int | None = strawberry.field(
        description="HTTP status of the last attempt; null when it got no answer."
    )
    last_error: str | None = strawberry.field(
        description="Why the last attempt failed (timeout, refused address, HTTP status)."
    )
    _m: strawberry.Private[models.WebhookDelivery]
    _endpoint: strawberry.Private[models.WebhookEndpoint | None]
    _event: strawberry.Private[models.WebhookEvent | None]

    @classmethod
    def from_model(
        cls,
        m: models.WebhookDelivery,
        endpoint: models.WebhookEndpoint | None = None,
        event: models.WebhookEvent | None = None,
    ) -> "WebhookDelivery":
        """`endpoint` and `event` when the caller read them already (a page reads its events at once)."""
        return cls(
            uid=str(m.id),
            status=m.status,
            attempts=m.attempts,
            last_attempt_at=m.last_attempt_at,
            next_attempt_at=m.next_attempt_at if m.status is WebhookDeliveryStatus.PENDING else None,
            last_response_status=m.last_response_status,
            last_error=m.last_error,
            _m=m,
            _endpoint=endpoint,
            _event=event,
        )

    @strawberry.field(description="The endpoint it goes to.")
    async def endpoint(self, info: Info) -> WebhookEndpoint:
        # The delivery was read through its endpoint's scope, so the endpoint is the viewer's.
        row = self._endpoint or await models.WebhookEndpoint.get(id=self._m.endpoint_id)
        return WebhookEndpoint.from_model(row)

    @strawberry.field(description="The event it carries.")
    async def event(self, info: Info) -> WebhookEvent:
        return WebhookEvent.from_model(self._event or await models.WebhookEvent.get(id=self._m.event_id))


@strawberry.type(name="WebhookEndpointConnection", description="A page of webhook endpoints.")
class WebhookEndpointConnection(Connection[WebhookEndpoint]):
    pass


@strawberry.type(name="WebhookEventConnection", description="A page of webhook events, oldest first.")
class WebhookEventConnection(Connection[WebhookEvent]):
    pass


@strawberry.type(name="WebhookDeliveryConnection", description="A page of deliveries, newest first.")
class WebhookDeliveryConnection(Connection[WebhookDelivery]):
    pass


@loads_nodes("WebhookEndpoint")
async def load_webhook_endpoints(info: Info, ids: list[UUID]) -> list[WebhookEndpoint | None]:
    rows = {r.id: r for r in await webhook_reads.endpoints(info.context.signed_in_viewer).filter(id__in=ids)}
    return [WebhookEndpoint.from_model(rows[i]) if i in rows else None for i in ids]


@loads_nodes("WebhookEvent")
async def load_webhook_events(info: Info, ids: list[UUID]) -> list[WebhookEvent | None]:
    rows = {r.id: r for r in await webhook_reads.events_by_id(info.context.signed_in_viewer, ids)}
    return [WebhookEvent.from_model(rows[i]) if i in rows else None for i in ids]


@loads_nodes("WebhookDelivery")
async def load_webhook_deliveries(info: Info, ids: list[UUID]) -> list[WebhookDelivery | None]:
    rows = {r.id: r for r in await webhook_reads.deliveries_by_id(info.context.signed_in_viewer, ids)}
    return [WebhookDelivery.from_model(rows[i]) if i in rows else None for i in ids]


@strawberry.input(description="A new endpoint; its signing secret is answered once.")
class CreateWebhookEndpointInput:
    url: str = strawberry.field(
        description="https in production; an address that resolves to a loopback, private, link-local or metadata address is refused."
    )
    description: str | None = strawberry.field(default=None, description="A label for the owner.")
    event_types: list[WebhookEventType] | None = strawberry.field(
        default=None, description="The types to receive; none or empty: every type the owner may receive."
    )
    organisation_id: strawberry.ID | None = strawberry.field(
        default=None,
        description=(
            "Admins: the organisation it is for (none: a platform endpoint). "
            "Organisation admins and API keys: their own."
        ),
    )


@strawberry.input(description="Changes to an endpoint: only the fields given change.")
class UpdateWebhookEndpointInput:
    endpoint_id: strawberry.ID = strawberry.field(description="One of the viewer's endpoints.")
    url: str | None = strawberry.field(default=strawberry.UNSET, description="A new address, checked as at creation.")
    description: str | None = strawberry.field(default=strawberry.UNSET, description="A new label.")
    event_types: list[WebhookEventType] | None = strawberry.field(
        default=strawberry.UNSET, description="The types to receive; empty: every type."
    )
    enabled: bool | None = strawberry.field(
        default=strawberry.UNSET, description="false switches it off by hand; true switches it on and sends what waits."
    )


@strawberry.input(description="The endpoint to act on.")
class WebhookEndpointInput:
    endpoint_id: strawberry.ID = strawberry.field(description="One of the viewer's endpoints.")


@strawberry.input(description="A delivery to send again.")
class RedeliverWebhookInput:
    delivery_id: strawberry.ID = strawberry.field(description="A delivery of one of the viewer's endpoints.")


@strawberry.input(description="Send an endpoint's deliveries again from a time on.")
class ReplayWebhooksInput:
    endpoint_id: strawberry.ID = strawberry.field(description="One of the viewer's endpoints.")
    since: datetime = strawberry.field(description="Deliveries of events that occurred at or after this instant.")
    only_failed: bool | None = strawberry.field(
        default=True, description="false: every delivery since then, not only the failed ones."
    )


@strawberry.type(description="The result of a change to an endpoint.")
class WebhookEndpointPayload:
    endpoint: WebhookEndpoint | None = strawberry.field(default=None, description="The endpoint as it is now.")
    secret: str | None = strawberry.field(
        default=None,
        description="The signing secret (whsec_...), shown once: when the endpoint is created and when the secret is rotated.",
    )
    user_errors: list[UserError] = strawberry.field(description="Why nothing changed, if so.", default_factory=list)


@strawberry.type(description="The result of a ping or a redelivery.")
class WebhookDeliveryPayload:
    delivery: WebhookDelivery | None = strawberry.field(default=None, description="The delivery queued.")
    user_errors: list[UserError] = strawberry.field(description="Why nothing was queued, if so.", default_factory=list)


@strawberry.type(description="The result of replayWebhooks.")
class ReplayWebhooksPayload:
    count: int = strawberry.field(default=0, description="Deliveries queued again.")
    user_errors: list[UserError] = strawberry.field(description="Why nothing changed, if so.", default_factory=list)
