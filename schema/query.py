from __future__ import annotations

from datetime import datetime
from typing import Annotated, Optional

import strawberry

from models.enums import Role
from resolvers import clients, coaches, messages, notifications, sessions
from schema.enums import CoachKind
from schema.permissions import signed_in
from schema.clients.types import Client, ClientConnection, ClientFilter, ClientOrder
from schema.coaches.types import CoachConnection, TimeSlot
from schema.dashboard.types import CoachDashboard
from schema.messages.types import ConversationConnection, MessageTemplate
from schema.notifications.types import NotificationConnection
from schema.sessions.types import Session, SessionConnection, SessionFilter


@strawberry.type
class Query:
    @strawberry.field(permission_classes=signed_in(Role.COACH), description="The viewing coach's clients: the My Clients activity table.")
    async def my_clients(
        self, info: strawberry.Info, first: Optional[int] = 50, after: Optional[str] = None,
        filter: Optional[ClientFilter] = None, order_by: Optional[ClientOrder] = None,  # noqa: A002
    ) -> ClientConnection:
        return await clients.my_clients(info, first, after, filter, order_by)

    @strawberry.field(permission_classes=signed_in(Role.COACH))
    def dashboard(self, info: strawberry.Info) -> CoachDashboard:
        return CoachDashboard(_viewer=info.context.viewer)

    @strawberry.field(permission_classes=signed_in(), description="Coach: own clients; organisation admin: own members; admin: all.")
    async def clients(
        self, info: strawberry.Info, first: Optional[int] = 50, after: Optional[str] = None,
        filter: Optional[ClientFilter] = None, order_by: Optional[ClientOrder] = None,  # noqa: A002
    ) -> ClientConnection:
        return await clients.clients(info, first, after, filter, order_by)

    @strawberry.field(permission_classes=signed_in())
    async def client(self, info: strawberry.Info, id: strawberry.ID) -> Optional[Client]:  # noqa: A002
        return await clients.client(info, id)

    @strawberry.field(permission_classes=signed_in(), description=(
        "Role-scoped: a coach's own sessions, a client's own, an organisation's members' (no notes), all for admins."))
    async def sessions(
        self, info: strawberry.Info, first: Optional[int] = 50, after: Optional[str] = None,
        filter: Optional[SessionFilter] = None,  # noqa: A002
    ) -> SessionConnection:
        return await sessions.sessions(info, first, after, filter)

    @strawberry.field(permission_classes=signed_in())
    async def session(self, info: strawberry.Info, id: strawberry.ID) -> Optional[Session]:  # noqa: A002
        return await sessions.session(info, id)

    @strawberry.field(permission_classes=signed_in())
    async def coaches(
        self, info: strawberry.Info, first: Optional[int] = 50, after: Optional[str] = None, kind: Optional[CoachKind] = None
    ) -> CoachConnection:
        return await coaches.coaches(info, first, after, kind)

    @strawberry.field(permission_classes=signed_in())
    async def available_slots(
        self, info: strawberry.Info, service_id: strawberry.ID,
        from_: Annotated[datetime, strawberry.argument(name="from")], to: datetime,
    ) -> list[TimeSlot]:
        return await coaches.available_slots(info, service_id, from_, to)

    @strawberry.field(permission_classes=signed_in(Role.COACH, Role.CLIENT))
    async def conversations(
        self, info: strawberry.Info, first: Optional[int] = 50, after: Optional[str] = None, unread_only: Optional[bool] = False
    ) -> ConversationConnection:
        return await messages.conversations(info, first, after, bool(unread_only))

    @strawberry.field(permission_classes=signed_in(Role.COACH))
    async def message_templates(self, info: strawberry.Info) -> list[MessageTemplate]:
        return await messages.message_templates(info)

    @strawberry.field(permission_classes=signed_in())
    async def notifications(
        self, info: strawberry.Info, first: Optional[int] = 50, after: Optional[str] = None, unread_only: Optional[bool] = False
    ) -> NotificationConnection:
        return await notifications.notifications(info, first, after, bool(unread_only))
