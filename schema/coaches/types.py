from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import strawberry

import models
from domain import access
from resolvers import coaches as coach_reads
from resolvers import notifications as notification_reads
from schema.connection import Connection
from schema.context import Info
from schema.enums import CoachKind, SessionFormat
from schema.inputs import multiline
from schema.node import Entity, loads_nodes
from schema.organisations.types import Organisation
from schema.pagination import BY_CREATED, paginate

if TYPE_CHECKING:
    from schema.notifications.types import FeedbackConnection


@strawberry.type
class Money:
    amount_minor: int = strawberry.field(description="Amount in the currency's minor unit (cents).")
    currency: str


@strawberry.input
class MoneyInput:
    amount_minor: int
    currency: str


@strawberry.type(
    description="A weekly window in the coach's own timezone; weekday 1 = Monday ... 7 = Sunday; times as HH:MM."
)
class AvailabilityRule:
    weekday: int
    start_time: str
    end_time: str


@strawberry.type
class TimeOff(Entity):
    starts_at: datetime
    ends_at: datetime
    reason: str | None

    @classmethod
    def from_model(cls, m: models.TimeOff) -> "TimeOff":
        return cls(uid=str(m.id), starts_at=m.starts_at, ends_at=m.ends_at, reason=m.reason)


@strawberry.type
class Service(Entity):
    name: str
    description: str | None
    duration_minutes: int
    format: SessionFormat
    credits: int = strawberry.field(
        description="Credits one session of this service costs (taken from each pool the session uses)."
    )
    price: Money | None
    requires_confirmation: bool
    active: bool
    _m: strawberry.Private[models.Service]

    @classmethod
    def from_model(cls, m: models.Service) -> "Service":
        price = (
            Money(amount_minor=m.price_minor, currency=m.currency) if m.price_minor is not None and m.currency else None
        )
        return cls(
            uid=str(m.id),
            name=m.name,
            description=m.description,
            duration_minutes=m.duration_minutes,
            format=m.format,
            credits=m.credits,
            price=price,
            requires_confirmation=m.requires_confirmation,
            active=m.active,
            _m=m,
        )

    @strawberry.field
    async def coach(self, info: Info) -> "Coach":
        return Coach.from_model(await info.context.loaders.coach.load(self._m.coach_id))


@strawberry.type
class Coach(Entity):
    name: str
    bio: str | None
    timezone: str
    kind: CoachKind
    buffer_minutes: int
    auto_confirm: bool
    cancellation_window_hours: int = strawberry.field(
        description="A client who cancels later than this before the start loses the credits."
    )
    response_time_hours: int | None = strawberry.field(
        description="What the coach promises about replies, shown to clients."
    )
    _m: strawberry.Private[models.Coach]

    @classmethod
    def from_model(cls, m: models.Coach) -> "Coach":
        return cls(
            uid=str(m.id),
            name=m.name,
            bio=m.bio,
            timezone=m.timezone,
            kind=m.kind,
            buffer_minutes=m.buffer_minutes,
            auto_confirm=m.auto_confirm,
            cancellation_window_hours=m.cancellation_window_hours,
            response_time_hours=m.response_time_hours,
            _m=m,
        )

    @strawberry.field(
        description="The coach's own setting: sent once per conversation while the coach is on time off, after a client writes."
    )
    def auto_reply(self, info: Info) -> str | None:
        # The coach's and admins' only: clients see what it says when it answers them.
        if not access.may_read_coach_settings(info.context.signed_in_viewer, self._m.id):
            return None
        return self._m.auto_reply

    @strawberry.field
    async def organisation(self, info: Info) -> Organisation | None:
        if self._m.organisation_id is None:
            return None
        row = await info.context.loaders.organisation.load(self._m.organisation_id)
        return Organisation.from_model(row) if row else None

    @strawberry.field
    async def services(self, include_inactive: bool | None = False) -> list[Service]:
        return [Service.from_model(s) for s in await coach_reads.services(self._m.id, bool(include_inactive))]

    @strawberry.field
    async def availability(self) -> list[AvailabilityRule]:
        rows = await coach_reads.availability(self._m.id)
        return [
            AvailabilityRule(
                weekday=r.weekday, start_time=r.start_time.strftime("%H:%M"), end_time=r.end_time.strftime("%H:%M")
            )
            for r in rows
        ]

    @strawberry.field(
        description="Feedback whose client allowed it to be public, with the coach's responses; newest first."
    )
    async def public_reviews(
        self, info: Info, first: int | None = 10, after: str | None = None
    ) -> Annotated["FeedbackConnection", strawberry.lazy("schema.notifications.types")]:
        from schema.notifications.types import Feedback, FeedbackConnection

        page = await paginate(notification_reads.public_reviews(self._m.id), BY_CREATED, first, after)
        return FeedbackConnection.of(page, [Feedback.from_model(r, r.session.client.name) for r in page.rows])

    @strawberry.field
    async def time_off(self) -> list[TimeOff]:
        rows = await coach_reads.time_off(self._m.id)
        return [TimeOff.from_model(r) for r in rows]


@loads_nodes("Coach")
async def load_coaches(info: Info, ids: list[UUID]) -> list[Coach | None]:
    rows = {c.id: c for c in await coach_reads.visible_coaches(info.context.signed_in_viewer, ids)}
    return [Coach.from_model(rows[i]) if i in rows else None for i in ids]


@loads_nodes("Service")
async def load_services(info: Info, ids: list[UUID]) -> list[Service | None]:
    rows = {s.id: s for s in await coach_reads.visible_services(info.context.signed_in_viewer, ids)}
    return [Service.from_model(rows[i]) if i in rows else None for i in ids]


@strawberry.type(name="CoachConnection")
class CoachConnection(Connection[Coach]):
    pass


@strawberry.input
class UpdateCoachSettingsInput:
    timezone: str | None = strawberry.UNSET
    buffer_minutes: int | None = strawberry.UNSET
    auto_confirm: bool | None = strawberry.UNSET
    cancellation_window_hours: int | None = strawberry.UNSET
    bio: str | None = multiline(default=strawberry.UNSET)
    response_time_hours: int | None = strawberry.UNSET
    auto_reply: str | None = multiline(default=strawberry.UNSET)


@strawberry.type
class CoachPayload:
    coach: Coach | None = None
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
    description: str | None = multiline(default=None)
    price: MoneyInput | None = None
    requires_confirmation: bool | None = False


@strawberry.input
class UpdateServiceInput:
    service_id: strawberry.ID
    name: str | None = strawberry.UNSET
    description: str | None = multiline(default=strawberry.UNSET)
    duration_minutes: int | None = strawberry.UNSET
    format: SessionFormat | None = strawberry.UNSET
    credits: int | None = strawberry.UNSET
    price: MoneyInput | None = strawberry.UNSET
    requires_confirmation: bool | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET


@strawberry.type
class ServicePayload:
    service: Service | None = None
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
    reason: str | None = multiline(default=None)


@strawberry.input
class RemoveTimeOffInput:
    time_off_id: strawberry.ID
