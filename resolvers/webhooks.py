"""Webhooks: the endpoints a viewer owns, their deliveries, and the events feed, as querysets."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

import models
from domain import access, clock
from domain.viewer import Viewer
from models.enums import WebhookDeliveryStatus, WebhookEventType

# The catch-up feed reaches this far back (older events are purged).
FEED_DAYS = 30


def endpoints(viewer: Viewer) -> QuerySet[models.WebhookEndpoint]:
    return models.WebhookEndpoint.filter(access.webhook_endpoints(viewer))


async def endpoint(viewer: Viewer, endpoint_id: UUID) -> models.WebhookEndpoint | None:
    return await endpoints(viewer).filter(id=endpoint_id).first()


def _of_own_endpoints(viewer: Viewer) -> Q:
    return Q(endpoint_id__in=Subquery(endpoints(viewer).values("id")))


def deliveries(
    viewer: Viewer, endpoint_id: UUID, status: WebhookDeliveryStatus | None = None
) -> QuerySet[models.WebhookDelivery]:
    rows = models.WebhookDelivery.filter(_of_own_endpoints(viewer), endpoint_id=endpoint_id)
    return rows.filter(status=status) if status is not None else rows


async def delivery(viewer: Viewer, delivery_id: UUID) -> models.WebhookDelivery | None:
    return await models.WebhookDelivery.filter(_of_own_endpoints(viewer), id=delivery_id).first()


def events(
    viewer: Viewer, since: datetime | None = None, types: list[WebhookEventType] | None = None
) -> QuerySet[models.WebhookEvent]:
    """The feed: events the viewer's endpoints could receive, of the last FEED_DAYS."""
    oldest = clock.now() - timedelta(days=FEED_DAYS)
    rows = models.WebhookEvent.filter(access.webhook_events(viewer), occurred_at__gte=max(since or oldest, oldest))
    return rows.filter(type__in=types) if types else rows


async def events_by_id(viewer: Viewer, event_ids: list[UUID]) -> list[models.WebhookEvent]:
    """Events in the feed, or sent to one of the viewer's endpoints (a PING)."""
    in_feed = Q(access.webhook_events(viewer), occurred_at__gte=clock.now() - timedelta(days=FEED_DAYS))
    delivered = Q(id__in=Subquery(models.WebhookDelivery.filter(_of_own_endpoints(viewer)).values("event_id")))
    return await models.WebhookEvent.filter(in_feed | delivered, id__in=event_ids)


async def deliveries_by_id(viewer: Viewer, delivery_ids: list[UUID]) -> list[models.WebhookDelivery]:
    return await models.WebhookDelivery.filter(_of_own_endpoints(viewer), id__in=delivery_ids)
