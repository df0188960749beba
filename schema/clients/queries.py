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
        description="Coach only: the viewing coach's clients, the My Clients activity table. The filter's parts combine with AND (the anyOf options with OR); default order NAME ASC; pages of up to 100. Category, last and next session and stats are about this coach.",
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
        permission_classes=signed_in(),
        description="Signed in: coach: own clients; organisation admin (and API key): own members; admin: all; client: themself. The same filters and orders as myClients; category filters and orders are a coach's own.",
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
