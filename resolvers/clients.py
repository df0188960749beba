"""Client reads and writes: scoped by domain.access, filters by domain.client_list."""

from __future__ import annotations

import asyncio
from typing import Optional
from uuid import UUID

from strawberry.types.nodes import SelectedField

import models
from domain.viewer import Viewer
from domain import access, client_list, clients as client_domain, privacy
from domain.errors import not_found
from schema.payloads import given, returns
from resolvers.sessions import eligibility_key
from schema.errors import ApiError
from schema.node import uuid_of
from schema.pagination import PageInfo, check_first, decode_cursor, encode_cursor
from schema.clients.types import (
    Client, ClientConnection, ClientDataInput, ClientFilter, ClientOrder, ClientPayload, CreateClientInput,
    DeleteClientInput, DeleteClientPayload, EraseClientPayload, ExportClientDataPayload,
    SetClientActiveInput, UpdateClientInput,
)
from schema.connection import Edge

PROFILE_INPUTS = ("name", "email", "phone", "whatsapp", "address", "birth_date", "tags", "focus_areas")


async def visible(viewer: Viewer, client_id: UUID) -> models.Client | None:
    """The client if the viewer may see it."""
    return await models.Client.filter(access.clients(viewer), id=client_id).first()


async def visible_client(info, global_id: str | None, field: str = "clientId") -> models.Client:
    """The client behind a global id if the viewer may see it, else NOT_FOUND."""
    uid = uuid_of(global_id, "Client")
    row = await models.Client.filter(access.clients(info.context.viewer), id=uid).first() if uid else None
    if row is None:
        raise not_found("Client", field)
    return row


async def client(info, id: str) -> Optional[Client]:  # noqa: A002
    uid = uuid_of(id, "Client")
    row = await info.context.loaders.client.load(uid) if uid else None
    return Client.from_model(row) if row else None


async def _list(
    info, first: int | None, after: str | None, filter: ClientFilter | None, order_by: ClientOrder | None,
    **scope,
) -> ClientConnection:
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
    cursor = decode_cursor(after, 2)
    try:
        page = await client_list.page(info.context.viewer, query, first, cursor)
    except client_list.BadCursor:
        raise ApiError("`after` is not a cursor this API gave out.", "INVALID") from None
    loaders = info.context.loaders
    for row in page.clients:  # the page query read these already: no query per relation
        loaders.client.prime(row.id, row)
        loaders.client_pool.prime(row.id, page.pools[row.id])
        loaders.relationship.prime(row.id, page.relationships[row.id])
        loaders.facts.prime(row.id, page.facts[row.id])
    await _load_columns(info, page.ids)
    rows = page.clients
    cursors = [encode_cursor([key, uid]) for key, uid in zip(page.sort_keys, page.ids)]
    return ClientConnection(
        edges=[Edge(cursor=c, node=Client.from_model(r)) for c, r in zip(cursors, rows) if r is not None],
        page_info=PageInfo(
            has_next_page=page.has_next, has_previous_page=cursor is not None,
            start_cursor=cursors[0] if cursors else None, end_cursor=cursors[-1] if cursors else None,
        ),
        total_count=page.total,
    )


# Client fields read from the per-client session summary (domain.client_list.summaries).
SUMMARY_COLUMNS = {"lastSession", "nextSession", "stats", "bookedWithOthers", "milestones"}


def _selected_on_nodes(info) -> list[SelectedField]:
    """The fields the query selects on each listed client (edges { node { ... } }, fragments
    included)."""

    def flat(selections) -> list[SelectedField]:
        found = []
        for selection in selections:
            found += [selection] if isinstance(selection, SelectedField) else flat(selection.selections)
        return found

    return [
        column for listing in flat(info.selected_fields) for edges in flat(listing.selections) if edges.name == "edges"
        for node in flat(edges.selections) if node.name == "node" for column in flat(node.selections)
    ]


async def _load_columns(info, ids: list[UUID]) -> None:
    """Load what the selected columns need for the whole page, one batch each and together, so
    every row's columns then resolve at once from the loaders (schema.loaders.resolved)."""
    columns = _selected_on_nodes(info)
    names = {column.name for column in columns}
    loaders = info.context.loaders
    batches = []
    if names & SUMMARY_COLUMNS:
        batches.append(loaders.summary.load_many(ids))
    if "lastMessage" in names:
        batches.append(loaders.last_message.load_many(ids))
    if "privateNotes" in names:
        batches.append(loaders.cipher.load_many(ids))
    for column in columns:
        if column.name == "eligibility":
            service_id = column.arguments.get("serviceId")
            batches.append(loaders.eligibility.load_many([eligibility_key(uid, service_id) for uid in ids]))
    await asyncio.gather(*batches)


async def clients(info, first, after, filter, order_by) -> ClientConnection:  # noqa: A002
    return await _list(info, first, after, filter, order_by)


async def my_clients(info, first, after, filter, order_by) -> ClientConnection:  # noqa: A002
    return await _list(info, first, after, filter, order_by, only_my_clients=True)


async def organisation_members(info, organisation_id: UUID, first, after, search) -> ClientConnection:
    from schema.clients.types import ClientFilter as Filter

    return await _list(info, first, after, Filter(search=search), None, organisation_id=organisation_id)


@returns(ClientPayload)
async def create_client(info, input: CreateClientInput) -> ClientPayload:  # noqa: A002
    organisation_id = None
    if input.organisation_id is not None:
        organisation_id = uuid_of(input.organisation_id, "Organisation")
        if organisation_id is None:
            raise not_found("Organisation", "organisationId")
    row = await client_domain.create_client(
        info.context.viewer, given(input, *PROFILE_INPUTS), organisation_id=organisation_id,
        private_notes=input.private_notes,
    )
    return ClientPayload(client=Client.from_model(row))


@returns(ClientPayload)
async def update_client(info, input: UpdateClientInput) -> ClientPayload:  # noqa: A002
    row = await visible_client(info, input.client_id)
    values = given(input, *PROFILE_INPUTS, "health_context", "private_notes")
    row = await client_domain.update_client(info.context.viewer, row, values)
    return ClientPayload(client=Client.from_model(row))


@returns(ClientPayload)
async def set_client_active(info, input: SetClientActiveInput) -> ClientPayload:  # noqa: A002
    row = await visible_client(info, input.client_id)
    row = await client_domain.set_active(info.context.viewer, row, input.active)
    return ClientPayload(client=Client.from_model(row))


@returns(DeleteClientPayload)
async def delete_client(info, input: DeleteClientInput) -> DeleteClientPayload:  # noqa: A002
    row = await visible_client(info, input.client_id)
    await privacy.delete_from_practice(info.context.viewer, row)
    return DeleteClientPayload(deleted_client_id=input.client_id)


@returns(ExportClientDataPayload)
async def export_client_data(info, input: ClientDataInput) -> ExportClientDataPayload:  # noqa: A002
    row = await visible_client(info, input.client_id)
    return ExportClientDataPayload(data=await privacy.export(info.context.viewer, row))


@returns(EraseClientPayload)
async def erase_client(info, input: ClientDataInput) -> EraseClientPayload:  # noqa: A002
    uid = uuid_of(input.client_id, "Client")
    viewer = info.context.viewer
    if uid is None or (viewer.role is not models.enums.Role.ADMIN and uid != viewer.client_id):
        raise not_found("Client", "clientId")
    _, email = await privacy.erase(viewer, uid)
    if email:
        await info.context.auth.forget_account(email)  # Redis keys that hold the address
    return EraseClientPayload(erased_client_id=input.client_id)
