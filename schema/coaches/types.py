from __future__ import annotations

from datetime import datetime
from typing import Optional
from uuid import UUID

import strawberry

import models
from resolvers import coaches as coach_reads
from schema.connection import Connection
from schema.context import Info
from schema.enums import CoachKind, SessionFormat
from schema.inputs import multiline
from schema.node import Entity, loads_nodes
from schema.organisations.types import Organisation


@strawberry.type
class Money:
    amount_minor: int = strawberry.field(description="Amount in the currency's minor unit (cents).")
    currency: str


@strawberry.input
class MoneyInput:
    amount_minor: int
    currency: str


@strawberry.type(description="A weekly window in the coach's own timezone; weekday 1 = Monday ... 7 = Sunday; times as HH:MM.")
class AvailabilityRule:
    weekday: int
    start_time: str
    end_time: str


@strawberry.type
class TimeOff(Entity):
    starts_at: datetime
    ends_at: datetime
    reason: Optional[str]

    @classmethod
    def from_model(cls, m: models.TimeOff) -> "TimeOff":
        return cls(uid=str(m.id), starts_at=m.starts_at, ends_at=m.ends_at, reason=m.reason)


@strawberry.type
class Service(Entity):
    name: str
    description: Optional[str]
    duration_minutes: int
    format: SessionFormat
    credits: int = strawberry.field(description="Credits one session of this service costs (taken from each pool the session uses).")
    price: Optional[Money]
    requires_confirmation: bool
    active: bool
    _m: strawberry.Private[models.Service]

    @classmethod
    def from_model(cls, m: models.Service) -> "Service":
        price = Money(amount_minor=m.price_minor, currency=m.currency) if m.price_minor is not None and m.currency else None
        return cls(
            uid=str(m.id), name=m.name, description=m.description, duration_minutes=m.duration_minutes,
            format=m.format, credits=m.credits, price=price, requires_confirmation=m.requires_confirmation,
            active=m.active, _m=m,
        )

    @strawberry.field
    async def coach(self, info: Info) -> "Coach":
        return Coach.from_model(await info.context.loaders.coach.load(self._m.coach_id))


@strawberry.type
class Coach(Entity):
    name: str
    bio: Optional[str]
    timezone: str
    kind: CoachKind
    buffer_minutes: int
    auto_confirm: bool
    cancellation_window_hours: int = strawberry.field(
        description="A client who cancels later than this before the start loses the credits."
    )
    _m: strawberry.Private[models.Coach]

    @classmethod
    def from_model(cls, m: models.Coach) -> "Coach":
        return cls(
            uid=str(m.id), name=m.name, bio=m.bio, timezone=m.timezone, kind=m.kind,
            buffer_minutes=m.buffer_minutes, auto_confirm=m.auto_confirm,
            cancellation_window_hours=m.cancellation_window_hours, _m=m,
        )

    @strawberry.field
    async def organisation(self, info: Info) -> Optional[Organisation]:
        if self._m.organisation_id is None:
            return None
        row = await info.context.loaders.organisation.load(self._m.organisation_id)
        return Organisation.from_model(row) if row else None

    @strawberry.field
    async def services(self, include_inactive: Optional[bool] = False) -> list[Service]:
        return [Service.from_model(s) for s in await coach_reads.services(self._m.id, bool(include_inactive))]

    @strawberry.field
    async def availability(self) -> list[AvailabilityRule]:
        rows = await coach_reads.availability(self._m.id)
        return [
            AvailabilityRule(weekday=r.weekday, start_time=r.start_time.strftime("%H:%M"), end_time=r.end_time.strftime("%H:%M"))
            for r in rows
        ]

    @strawberry.field
    async def time_off(self) -> list[TimeOff]:
        rows = await coach_reads.time_off(self._m.id)
        return [TimeOff.from_model(r) for r in rows]


@loads_nodes("Coach")
async def load_coaches(info: Info, ids: list[UUID]) -> list[Optional[Coach]]:
    rows = {c.id: c for c in await coach_reads.visible_coaches(info.context.viewer, ids)}
    return [Coach.from_model(rows[i]) if i in rows else None for i in ids]


@loads_nodes("Service")
async def load_services(info: Info, ids: list[UUID]) -> list[Optional[Service]]:
    rows = {s.id: s for s in await coach_reads.visible_services(info.context.viewer, ids)}
    return [Service.from_model(rows[i]) if i in rows else None for i in ids]




@strawberry.type(name="CoachConnection")
class CoachConnection(Connection[Coach]):
    pass


@strawberry.input
class UpdateCoachSettingsInput:
    timezone: Optional[str] = strawberry.UNSET
    buffer_minutes: Optional[int] = strawberry.UNSET
    auto_confirm: Optional[bool] = strawberry.UNSET
    cancellation_window_hours: Optional[int] = strawberry.UNSET
    bio: Optional[str] = multiline(default=strawberry.UNSET)


@strawberry.type
class CoachPayload:
    coach: Optional[Coach] = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)

from schema.errors import UserError  # noqa: E402


@strawberry.type
class TimeSlot:
    starts_at: datetime
    ends_at: datetime


@strawberry.input
class CreateServiceInput:
    name: str
    duration_minutes: int
    format: SessionFormat
    credits: int
    description: Optional[str] = multiline(default=None)
    price: Optional[MoneyInput] = None
    requires_confirmation: Optional[bool] = False


@strawberry.input
class UpdateServiceInput:
    service_id: strawberry.ID
    name: Optional[str] = strawberry.UNSET
    description: Optional[str] = multiline(default=strawberry.UNSET)
    duration_minutes: Optional[int] = strawberry.UNSET
    format: Optional[SessionFormat] = strawberry.UNSET
    credits: Optional[int] = strawberry.UNSET
    price: Optional[MoneyInput] = strawberry.UNSET
    requires_confirmation: Optional[bool] = strawberry.UNSET
    active: Optional[bool] = strawberry.UNSET


@strawberry.type
class ServicePayload:
    service: Optional[Service] = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class AvailabilityRuleInput:
    weekday: int
    start_time: str
    end_time: str


@strawberry.input
class SetAvailabilityInput:
    rules: list[AvailabilityRuleInput]


@strawberry.input
class AddTimeOffInput:
    starts_at: datetime
    ends_at: datetime
    reason: Optional[str] = multiline(default=None)


@strawberry.input
class RemoveTimeOffInput:
    time_off_id: strawberry.ID

