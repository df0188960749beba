"""Notifications: the viewer's own."""

from __future__ import annotations

import strawberry

from resolvers import notifications
from schema.context import Info
from schema.notifications.types import Notification, NotificationConnection
from schema.pagination import BY_CREATED, paginate
from schema.permissions import signed_in


@strawberry.type
class Query:
    @strawberry.field(
        description="Signed in: the viewer's own notifications, newest first, optionally only unread ones.",
        permission_classes=signed_in(),
    )
    async def notifications(
        self, info: Info, first: int | None = 50, after: str | None = None, unread_only: bool | None = False
    ) -> NotificationConnection:
        page = await paginate(
            notifications.notifications(info.context.signed_in_viewer, bool(unread_only)),
            BY_CREATED,
            first,
            after,
            viewer=info.context.signed_in_viewer,
        )
        return NotificationConnection.of(page, [Notification.from_model(r) for r in page.rows])
