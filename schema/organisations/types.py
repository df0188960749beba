from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import strawberry

import models
from domain import access, usage
from resolvers import organisations as organisation_reads
from schema.connection import Connection
from schema.context import Info
from schema.errors import forbidden
from schema.lazy import lazy_class
from schema.node import Entity, loads_nodes

if TYPE_CHECKING:
    from schema.clients.types import ClientConnection
    from schema.credits.types import CreditPool

client_connection_type: "Callable[[], type[ClientConnection]]" = lazy_class("ClientConnection", "schema.clients.types")
credit_pool_type: "Callable[[], type[CreditPool]]" = lazy_class("CreditPool", "schema.credits.types")


@strawberry.type
class BookingPeriod:
    starts_on: date | None
    ends_on: date | None


@strawberry.input
class BookingPeriodInput:
    starts_on: date | None = None
    ends_on: date | None = None


@strawberry.type
class OrganisationUsage:
    sessions_booked: int
    sessions_completed: int
    sessions_cancelled: int
    credits_spent: int
    active_members: int


@strawberry.type
class Organisation(Entity):
    name: str
    active: bool
    booking_period: BookingPeriod | None
    created_at: datetime
    _m: strawberry.Private[models.Organisation]

    @classmethod
    def from_model(cls, m: models.Organisation) -> "Organisation":
        period = None
        if m.booking_starts_on or m.booking_ends_on:
            period = BookingPeriod(starts_on=m.booking_starts_on, ends_on=m.booking_ends_on)
        return cls(uid=str(m.id), name=m.name, active=m.active, booking_period=period, created_at=m.created_at, _m=m)

    @strawberry.field
    async def credit_pool(self, info: Info) -> Annotated["CreditPool", strawberry.lazy("schema.credits.types")]:
        if not await organisation_reads.manages(info.context.signed_in_viewer, self._m.id):
            raise forbidden("Only the organisation's admins see its credit pool.")
        pool = await info.context.loaders.organisation_pool.load(self._m.id)
        return credit_pool_type().from_model(pool)

    @strawberry.field
    async def members(
        self, info: Info, first: int | None = 50, after: str | None = None, search: str | None = None
    ) -> Annotated["ClientConnection", strawberry.lazy("schema.clients.types")]:
        return await client_connection_type().of_organisation(info, self._m.id, first, after, search)

    @strawberry.field
    async def usage(
        self,
        info: Info,
        from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
    ) -> OrganisationUsage:
        if not await organisation_reads.manages(info.context.signed_in_viewer, self._m.id):
            raise forbidden("Only the organisation's admins see its usage.")
        found = await usage.for_organisation(self._m.id, from_, to)
        return OrganisationUsage(
            sessions_booked=found.sessions_booked,
            sessions_completed=found.sessions_completed,
            sessions_cancelled=found.sessions_cancelled,
            credits_spent=found.credits_spent,
            active_members=found.active_members,
        )

    @strawberry.field
    async def member_count(self, info: Info) -> int:
        return await organisation_reads.member_count(info.context.signed_in_viewer, self._m.id)


@loads_nodes("Organisation")
async def load_organisations(info: Info, ids: list[UUID]) -> list[Organisation | None]:
    rows = {
        o.id: o
        for o in await models.Organisation.filter(access.organisations(info.context.signed_in_viewer), id__in=ids)
    }
    return [Organisation.from_model(rows[i]) if i in rows else None for i in ids]


@strawberry.type(name="OrganisationConnection")
class OrganisationConnection(Connection[Organisation]):
    pass


@strawberry.input
class CreateOrganisationInput:
    name: str
    booking_period: BookingPeriodInput | None = None


@strawberry.input
class UpdateOrganisationInput:
    organisation_id: strawberry.ID
    name: str | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET
    booking_period: BookingPeriodInput | None = strawberry.UNSET


@strawberry.type
class OrganisationPayload:
    organisation: Organisation | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


from schema.errors import UserError  # noqa: E402
