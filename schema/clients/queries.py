"""Clients: the My Clients table, the role-scoped client list and one client."""

from __future__ import annotations

from uuid import UUID

import strawberry
from strawberry.types.nodes import SelectedField

from domain import client_list
from models.enums import Role
from resolvers import clients as client_reads
from schema.clients.types import Client, ClientConnection, ClientFilter, ClientOrder
from schema.connection import Edge
from schema.context import Info
from schema.node import uuid_of
from schema.pagination import PageInfo, check_first, decode_cursor, encode_cursor
from schema.permissions import signed_in

# Client fields read from the per-client session summary (domain.client_list.summaries).
SUMMARY_COLUMNS = {"lastSession", "nextSession", "stats", "bookedWithOthers", "milestones"}


def _selected_on_nodes(info: Info) -> list[SelectedField]:
    """The fields the query selects on each listed client (edges { node { ... } }, fragments
    included)."""

    def flat(selections) -> list[SelectedField]:
        found = []
        for selection in selections:
            found += [selection] if isinstance(selection, SelectedField) else flat(selection.selections)
        return found

    return [
        column
        for listing in flat(info.selected_fields)
        for edges in flat(listing.selections)
        if edges.name == "edges"
        for node in flat(edges.selections)
        if node.name == "node"
        for column in flat(node.selections)
    ]


def _columns(info: Info) -> client_reads.Columns:
    selected = _selected_on_nodes(info)
    names = {column.name for column in selected}
    return client_reads.Columns(
        summary=bool(names & SUMMARY_COLUMNS),
        last_message="lastMessage" in names,
        cipher="privateNotes" in names,
        # The key Client.eligibility loads by: an unknown service id is judged as no service.
        eligibility_services=[
            uuid_of(c.arguments.get("serviceId"), "Service") for c in selected if c.name == "eligibility"
        ],
    )


async def client_connection(
    info: Info,
    first: int | None,
    after: str | None,
    filter: ClientFilter | None,
    order_by: ClientOrder | None,
    **scope,
) -> ClientConnection:
    """A page of the client list (client_list.ClientQuery's scope: only_my_clients, organisation_id)."""
    first = check_first(first)
    query = client_list.ClientQuery(**scope)
    if filter is not None:
        query.categories = filter.categories
        query.any_of = [o.value for o in filter.any_of] if filter.any_of is not None else None
        query.search = filter.search
        query.tags = filter.tags
    if order_by is not None:
        query.order = order_by.field.value
        query.descending = order_by.direction.value == "DESC"
    cursor = decode_cursor(after, client_list.cursor_checks(info.context.signed_in_viewer, query))
    page = await client_reads.page(
        info.context.signed_in_viewer, info.context.loaders, query, first, cursor, _columns(info)
    )
    cursors = [encode_cursor([key, uid]) for key, uid in zip(page.sort_keys, page.ids, strict=True)]
    return ClientConnection(
        edges=[
            Edge(cursor=c, node=Client.from_model(r))
            for c, r in zip(cursors, page.clients, strict=True)
            if r is not None
        ],
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=cursor is not None,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        ),
        total_count=page.total,
    )


async def organisation_members(
    info: Info, organisation_id: UUID, first: int | None, after: str | None, search: str | None
) -> ClientConnection:
    return await client_connection(
        info, first, after, ClientFilter(search=search), None, organisation_id=organisation_id
    )


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

    @strawberry.field(permission_classes=signed_in())
    async def client(self, info: Info, id: strawberry.ID) -> Client | None:
        uid = uuid_of(id, "Client")
        row = await info.context.loaders.client.load(uid) if uid else None
        return Client.from_model(row) if row else None
