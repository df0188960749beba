"""Client reads: the clients a viewer may see (domain.access), and a page of the client list
(domain.client_list) with the per-request loaders filled for its columns."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import models
from domain import access, client_list
from domain.viewer import Viewer


async def visible(viewer: Viewer, client_id: UUID) -> models.Client | None:
    """The client if the viewer may see it."""
    return await models.Client.filter(access.clients(viewer), id=client_id).first()


@dataclass
class Columns:
    """What a page's selected columns need beyond the page query itself."""

    summary: bool = False  # the per-client session summary (domain.client_list.summaries)
    last_message: bool = False
    cipher: bool = False  # the client's key, for private notes
    eligibility_services: list[UUID | None] = field(default_factory=list)  # one per eligibility column asked for


async def page(
    viewer: Viewer, loaders: Any, query: client_list.ClientQuery, first: int, cursor: list[Any] | None, columns: Columns
) -> client_list.ClientListPage:
    """A page of the client list (the cursor already checked with client_list.cursor_checks). The
    loaders (schema.loaders.Loaders) then hold the page's rows and what its columns need, each
    read in one batch for the whole page and all together, so every row's columns resolve at once
    (schema.loaders.resolved): a page of 50 costs the statements of a page of 5."""
    found = await client_list.page(viewer, query, first, cursor)
    for row in found.clients:  # the page query read these already: no query per relation
        loaders.client.prime(row.id, row)
        loaders.client_pool.prime(row.id, found.pools[row.id])
        loaders.relationship.prime(row.id, found.relationships[row.id])
        loaders.facts.prime(row.id, found.facts[row.id])
    ids = found.ids
    batches = []
    if columns.summary:
        batches.append(loaders.summary.load_many(ids))
    if columns.last_message:
        batches.append(loaders.last_message.load_many(ids))
    if columns.cipher:
        batches.append(loaders.cipher.load_many(ids))
    for service_id in columns.eligibility_services:
        batches.append(loaders.eligibility.load_many([(uid, service_id) for uid in ids]))
    await asyncio.gather(*batches)
    return found
