"""Webhooks: the viewer's own endpoints, and the catch-up feed of events they could receive."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain import cursors
from models.enums import Role
from resolvers import webhooks as webhook_reads
from schema.context import Info
from schema.enums import WebhookEventType
from schema.pagination import BY_CREATED, Ordering, paginate
from schema.permissions import signed_in
from schema.webhooks.types import WebhookEndpoint, WebhookEndpointConnection, WebhookEvent, WebhookEventConnection

OWNERS = (Role.ADMIN, Role.ORG_ADMIN, Role.COACH)


def _position(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
        raise ValueError("position")
    return value


class _InWrittenOrder(Ordering):
    """Events in the order they were written (their position), oldest first."""

    def checks(self) -> list[cursors.Check]:
        return [_position, cursors.identifier]


OLDEST_FIRST = _InWrittenOrder((("position", False), ("id", False)))


@strawberry.type
class Query:
    @strawberry.field(
        permission_classes=signed_in(*OWNERS),
        description="The viewer's webhook endpoints (platform admins: the platform's and organisations'), oldest first.",
    )
    async def webhook_endpoints(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> WebhookEndpointConnection:
        viewer = info.context.signed_in_viewer
        page = await paginate(webhook_reads.endpoints(viewer), BY_CREATED, first, after, viewer=viewer)
        return WebhookEndpointConnection.of(page, [WebhookEndpoint.from_model(r) for r in page.rows])

    @strawberry.field(
        permission_classes=signed_in(*OWNERS),
        description="Events the viewer's endpoints could receive, oldest first, kept 30 days: the catch-up feed for integrations.",
    )
    async def webhook_events(
        self,
        info: Info,
        first: int | None = 50,
        after: str | None = None,
        since: datetime | None = None,
        types: list[WebhookEventType] | None = None,
    ) -> WebhookEventConnection:
        rows = webhook_reads.events(info.context.signed_in_viewer, since, types)
        page = await paginate(rows, OLDEST_FIRST, first, after, viewer=info.context.signed_in_viewer)
        return WebhookEventConnection.of(page, [WebhookEvent.from_model(r) for r in page.rows])
