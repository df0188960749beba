"""Organisations: the one a viewer names (or their own), and those in their scope."""

from __future__ import annotations

import strawberry

from resolvers import organisations as organisation_reads
from schema.context import Info
from schema.node import uuid_of
from schema.organisations.types import Organisation, OrganisationConnection
from schema.pagination import Ordering, paginate
from schema.permissions import signed_in

BY_NAME = Ordering((("name", False), ("id", False)))


@strawberry.type
class Query:
    @strawberry.field(
        permission_classes=signed_in(),
        description="Signed in: the organisation with this id if the viewer may see it, else null; without an id, the viewer's own organisation.",
    )
    async def organisation(self, info: Info, id: strawberry.ID | None = None) -> Organisation | None:
        viewer = info.context.signed_in_viewer
        uid = uuid_of(id, "Organisation") if id is not None else viewer.organisation_id
        row = await organisation_reads.organisation(viewer, uid) if uid is not None else None
        return Organisation.from_model(row) if row else None

    @strawberry.field(
        description="Signed in: the organisations the viewer may see (all for admins; one's own; a coach's clients'), by name.",
        permission_classes=signed_in(),
    )
    async def organisations(
        self, info: Info, first: int | None = 50, after: str | None = None
    ) -> OrganisationConnection:
        page = await paginate(
            organisation_reads.organisations(info.context.signed_in_viewer),
            BY_NAME,
            first,
            after,
            viewer=info.context.signed_in_viewer,
        )
        return OrganisationConnection.of(page, [Organisation.from_model(r) for r in page.rows])
