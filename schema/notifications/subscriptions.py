"""Notifications, live: the viewer's own, as they are created."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from uuid import UUID

import strawberry

from resolvers import notifications
from schema.context import Info
from schema.live import deliver
from schema.notifications.types import Notification
from schema.permissions import IsAuthenticated


@strawberry.type
class Subscription:
    @strawberry.subscription(
        permission_classes=[IsAuthenticated], description="The viewer's own notifications as they are created."
    )
    async def notification_added(self, info: Info) -> AsyncGenerator[Notification, None]:
        viewer = info.context.signed_in_viewer

        async def load(notification_id: UUID) -> Notification | None:
            row = await notifications.own(viewer, notification_id)
            return Notification.from_model(row) if row is not None else None

        async for notification in deliver(info, "notification", load):
            yield notification
