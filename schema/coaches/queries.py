"""Coaches: the roster a viewer may book with, and a service's free slots."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from domain import availability
from domain.errors import DomainError
from resolvers import coaches as coach_reads
from schema.coaches.types import Coach, CoachConnection, TimeSlot
from schema.context import Info
from schema.enums import CoachKind
from schema.errors import ApiError
from schema.node import uuid_of
from schema.pagination import Ordering, paginate
from schema.permissions import signed_in

BY_NAME = Ordering((("name", False), ("id", False)))


@strawberry.type
class Query:
    @strawberry.field(
        description="Signed in: the coaches the viewer may book or see (GLOBAL coaches, their own organisation's INTERNAL ones; all for admins), by name, optionally of one kind.",
        permission_classes=signed_in(),
    )
    async def coaches(
        self, info: Info, first: int | None = 50, after: str | None = None, kind: CoachKind | None = None
    ) -> CoachConnection:
        page = await paginate(
            coach_reads.coaches(info.context.signed_in_viewer, kind),
            BY_NAME,
            first,
            after,
            viewer=info.context.signed_in_viewer,
        )
        return CoachConnection.of(page, [Coach.from_model(r) for r in page.rows])

    @strawberry.field(
        description="Signed in: the start times between `from` and `to` at which a visible, active service can be booked: inside the coach's weekly availability (in the coach's timezone, daylight saving included), outside time off, clear of other sessions and their buffer, in the future. At most 62 days and 500 slots a call (else INVALID); an unknown service is NOT_FOUND.",
        permission_classes=signed_in(),
    )
    async def available_slots(
        self,
        info: Info,
        service_id: strawberry.ID,
        from_: Annotated[datetime, strawberry.argument(name="from")],
        to: datetime,
    ) -> list[TimeSlot]:
        # A query has no userErrors, so an unknown or invisible service and a bad range are
        # top-level errors with a code.
        uid = uuid_of(service_id, "Service")
        service = await coach_reads.bookable_service(info.context.signed_in_viewer, uid) if uid else None
        if service is None:
            raise ApiError("Service not found.", "NOT_FOUND")
        coach = await coach_reads.coach(service.coach_id)
        try:
            found = await availability.slots(coach, service, from_, to)
        except DomainError as error:
            raise ApiError(error.message, error.code.value) from None
        return [TimeSlot(starts_at=s, ends_at=e) for s, e in found]
