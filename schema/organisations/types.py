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


@strawberry.type(
    description="The dates between which an organisation's members may book (both inclusive; either end open). Outside it, eligibility reason OUTSIDE_BOOKING_PERIOD."
)
class BookingPeriod:
    starts_on: date | None = strawberry.field(description="First day members may book; null: no start.")
    ends_on: date | None = strawberry.field(description="Last day members may book; null: no end.")


@strawberry.input(description="The dates between which members may book, both inclusive; null leaves an end open.")
class BookingPeriodInput:
    starts_on: date | None = strawberry.field(default=None, description="First day.")
    ends_on: date | None = strawberry.field(default=None, description="Last day (not before startsOn).")


@strawberry.type(
    description="What an organisation's members used in a period: sessions that start inside it, counted by the organisation recorded on the session (deleted or erased members still count)."
)
class OrganisationUsage:
    sessions_booked: int = strawberry.field(description="Sessions booked, of every status.")
    sessions_completed: int = strawberry.field(description="Sessions completed.")
    sessions_cancelled: int = strawberry.field(description="Sessions cancelled.")
    credits_spent: int = strawberry.field(
        description="Credits the sessions took from the members' and the organisation's pools, net of refunds."
    )
    active_members: int = strawberry.field(description="Members with a session that was not cancelled.")


@strawberry.type(
    description="A partner organisation (employer, insurer) that funds its members' coaching through its credit pool. Seen by its admins and API keys, platform admins, its members and coaches (by name); the pool and usage only by its admins and platform admins."
)
class Organisation(Entity):
    name: str = strawberry.field(description="The organisation's name.")
    active: bool = strawberry.field(
        description="An inactive organisation's members cannot book (ORGANISATION_INACTIVE); its API keys stop working."
    )
    booking_period: BookingPeriod | None = strawberry.field(description="When members may book; null: any time.")
    created_at: datetime = strawberry.field(description="When it was created.")
    _m: strawberry.Private[models.Organisation]

    @classmethod
    def from_model(cls, m: models.Organisation) -> "Organisation":
        period = None
        if m.booking_starts_on or m.booking_ends_on:
            period = BookingPeriod(starts_on=m.booking_starts_on, ends_on=m.booking_ends_on)
        return cls(uid=str(m.id), name=m.name, active=m.active, booking_period=period, created_at=m.created_at, _m=m)

    @strawberry.field(
        description="The organisation's pool: its admins and platform admins only (FORBIDDEN for others)."
    )
    async def credit_pool(self, info: Info) -> Annotated["CreditPool", strawberry.lazy("schema.credits.types")]:
        if not await organisation_reads.manages(info.context.signed_in_viewer, self._m.id):
            raise forbidden("Only the organisation's admins see its credit pool.")
        pool = await info.context.loaders.organisation_pool.load(self._m.id)
        return credit_pool_type().from_model(pool)

    @strawberry.field(description="Its clients the viewer may see, by name, optionally searched by name or e-mail.")
    async def members(
        self, info: Info, first: int | None = 50, after: str | None = None, search: str | None = None
    ) -> Annotated["ClientConnection", strawberry.lazy("schema.clients.types")]:
        return await client_connection_type().of_organisation(info, self._m.id, first, after, search)

    @strawberry.field(
        description="What members used between `from` (inclusive) and `to` (exclusive), by session start; open ends when not given. Its admins and platform admins only."
    )
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

    @strawberry.field(description="How many of its clients the viewer may see.")
    async def member_count(self, info: Info) -> int:
        return await organisation_reads.member_count(info.context.signed_in_viewer, self._m.id)


@loads_nodes("Organisation")
async def load_organisations(info: Info, ids: list[UUID]) -> list[Organisation | None]:
    rows = {
        o.id: o
        for o in await models.Organisation.filter(access.organisations(info.context.signed_in_viewer), id__in=ids)
    }
    return [Organisation.from_model(rows[i]) if i in rows else None for i in ids]


@strawberry.type(description="A page of organisations, by name.", name="OrganisationConnection")
class OrganisationConnection(Connection[Organisation]):
    pass


@strawberry.input(description="A new organisation (with an empty credit pool).")
class CreateOrganisationInput:
    name: str = strawberry.field(description="Its name.")
    booking_period: BookingPeriodInput | None = strawberry.field(default=None, description="When members may book.")


@strawberry.input(description="Changes to an organisation: only the fields given change.")
class UpdateOrganisationInput:
    organisation_id: strawberry.ID = strawberry.field(description="The organisation.")
    name: str | None = strawberry.field(default=strawberry.UNSET, description="Its name.")
    active: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="False blocks members' bookings, ends its API keys and closes their sockets.",
    )
    booking_period: BookingPeriodInput | None = strawberry.field(
        default=strawberry.UNSET, description="When members may book; null: any time."
    )


@strawberry.type(description="The result of a change to an organisation.")
class OrganisationPayload:
    organisation: Organisation | None = strawberry.field(default=None, description="The organisation as it is now.")
    user_errors: list[UserError] = strawberry.field(description="Why nothing changed, if so.", default_factory=list)


from schema.errors import UserError  # noqa: E402
