"""Clients: the My Clients table, the role-scoped client list and one client."""

from __future__ import annotations

import strawberry

from models.enums import Role
from schema.clients.types import Client, ClientConnection, ClientFilter, ClientOrder, client_connection
from schema.context import Info
from schema.node import uuid_of
from schema.permissions import signed_in


@strawberry.type
class Query:
    @strawberry.field(
        permission_classes=signed_in(Role.COACH),
        description="The viewing coach's clients: the My Clients activity table.",
    )
    async def my_clients(
        self,
        info: Info,
        first: int | None = 50,
        after: str | None = None,
        filter: ClientFilter | None = None,
        order_by: ClientOrder | None = None,
    ) -> ClientConnection:
        return await client_connection(info, first, after, filter, order_by, only_my_clients=True)

    @strawberry.field(
        permission_classes=signed_in(), description="Coach: own clients; organisation admin: own members; admin: all."
    )
    async def clients(
        self,
        info: Info,
        first: int | None = 50,
        after: str | None = None,
        filter: ClientFilter | None = None,
        order_by: ClientOrder | None = None,
    ) -> ClientConnection:
        return await client_connection(info, first, after, filter, order_by)

    @strawberry.field(
        description="Signed in: the client with this id if the viewer may see it (a coach's client, an organisation's member, oneself, anyone for admins), else null.",
        permission_classes=signed_in(),
    )
    async def client(self, info: Info, id: strawberry.ID) -> Client | None:
        uid = uuid_of(id, "Client")
        row = await info.context.loaders.client.load(uid) if uid else None
        return Client.from_model(row) if row else None
