from __future__ import annotations

from datetime import datetime
from typing import Annotated, Optional

import strawberry

from models.enums import Role
from resolvers import api_keys, clients, coaches, organisations, sessions, users
from schema.enums import CoachKind
from schema.permissions import signed_in
from schema.accounts.api_keys import ApiKey
from schema.clients.types import Client, ClientConnection, ClientFilter, ClientOrder
from schema.coaches.types import CoachConnection, TimeSlot
from schema.dashboard.types import CoachDashboard
from schema.organisations.types import Organisation, OrganisationConnection
from schema.sessions.types import Session, SessionConnection, SessionFilter
from schema.accounts.types import Viewer


@strawberry.type
class Query:
    @strawberry.field(permission_classes=signed_in())
    async def viewer(self, info: strawberry.Info) -> Viewer:
        return await users.viewer(info)

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

    @strawberry.field(permission_classes=signed_in(), description="Defaults to the viewer's own organisation.")
    async def organisation(self, info: strawberry.Info, id: Optional[strawberry.ID] = None) -> Optional[Organisation]:  # noqa: A002
        return await organisations.organisation(info, id)

    @strawberry.field(permission_classes=signed_in())
    async def organisations(self, info: strawberry.Info, first: Optional[int] = 50, after: Optional[str] = None) -> OrganisationConnection:
        return await organisations.organisations(info, first, after)

    @strawberry.field(permission_classes=signed_in(Role.ADMIN, Role.ORG_ADMIN))
    async def api_keys(self, info: strawberry.Info) -> list[ApiKey]:
        return await api_keys.api_keys(info)


