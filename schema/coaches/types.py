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


@strawberry.type(description="An amount of money.")
class Money:
    amount_minor: int = strawberry.field(description="Amount in the currency's minor unit (cents).")
    currency: str = strawberry.field(description="ISO 4217 currency code, e.g. EUR.")


@strawberry.input(description="An amount of money.")
class MoneyInput:
    amount_minor: int = strawberry.field(description="Amount in the currency's minor unit (cents); not negative.")
    currency: str = strawberry.field(description="ISO 4217 currency code, e.g. EUR.")


@strawberry.type(
    description="A weekly window in the coach's own timezone; weekday 1 = Monday ... 7 = Sunday; times as HH:MM."
)
class AvailabilityRule:
    weekday: int = strawberry.field(description="1 = Monday ... 7 = Sunday.")
    start_time: str = strawberry.field(description="Start of the window, HH:MM in the coach's timezone.")
    end_time: str = strawberry.field(description="End of the window, HH:MM in the coach's timezone (after startTime).")


@strawberry.type(description="A period the coach takes off: no bookings start or run inside it.")
class TimeOff(Entity):
    starts_at: datetime = strawberry.field(description="Start of the time off.")
    ends_at: datetime = strawberry.field(description="End of the time off.")
    reason: str | None = strawberry.field(description="Why, for the coach's own reference.")

    @classmethod
    def from_model(cls, m: models.TimeOff) -> "TimeOff":
        return cls(uid=str(m.id), starts_at=m.starts_at, ends_at=m.ends_at, reason=m.reason)


@strawberry.type(description="Something a coach offers to book: a length, a format and its price in credits.")
class Service(Entity):
    name: str = strawberry.field(description="The service's name.")
    description: str | None = strawberry.field(description="What the service is, for clients.")
    duration_minutes: int = strawberry.field(description="Length of one session, in minutes.")
    format: SessionFormat = strawberry.field(description="How it takes place.")
    credits: int = strawberry.field(
        description="Credits one session of this service costs (taken from each pool the session uses)."
    )
    price: Money | None = strawberry.field(
        description="The price for display and revenue; credits are what booking takes."
    )
    requires_confirmation: bool = strawberry.field(
        description="A client's booking stays PENDING until the coach confirms it (even with autoConfirm)."
    )
    active: bool = strawberry.field(
        description="An inactive service cannot be booked and is listed only with includeInactive."
    )
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

    @strawberry.field(description="The coach who offers it.")
    async def coach(self, info: Info) -> "Coach":
        return Coach.from_model(await info.context.loaders.coach.load(self._m.coach_id))


@strawberry.type(
    description="A coach. Visible: GLOBAL coaches to everyone signed in, INTERNAL coaches within their organisation, every coach to admins, and a coach to themself."
)
class Coach(Entity):
    name: str = strawberry.field(description="Display name.")
    bio: str | None = strawberry.field(description="About the coach, for clients.")
    timezone: str = strawberry.field(
        description="IANA time zone (e.g. Europe/Berlin): availability and local booking times are read in it."
    )
    kind: CoachKind = strawberry.field(
        description="GLOBAL (platform roster) or INTERNAL (one organisation): decides which pools a session takes credits from."
    )
    buffer_minutes: int = strawberry.field(
        description="Minutes kept free after each session before the next may start."
    )
    auto_confirm: bool = strawberry.field(
        description="A client's booking is CONFIRMED at once (unless the service requires confirmation); else PENDING."
    )
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
        description="The coach's own setting: sent once per conversation while the coach is on time off, after a client writes. Only the coach and admins read it."
    )
    def auto_reply(self, info: Info) -> str | None:
        # The coach's and admins' only: clients see what it says when it answers them.
        if not access.may_read_coach_settings(info.context.signed_in_viewer, self._m.id):
            return None
        return self._m.auto_reply

    @strawberry.field(description="The organisation an INTERNAL coach belongs to.")
    async def organisation(self, info: Info) -> Organisation | None:
        if self._m.organisation_id is None:
            return None
        row = await info.context.loaders.organisation.load(self._m.organisation_id)
        return Organisation.from_model(row) if row else None

    @strawberry.field(description="The coach's services; inactive ones only with includeInactive.")
    async def services(self, include_inactive: bool | None = False) -> list[Service]:
        return [Service.from_model(s) for s in await coach_reads.services(self._m.id, bool(include_inactive))]

    @strawberry.field(description="The weekly windows in which sessions may be booked.")
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

        page = await paginate(
            notification_reads.public_reviews(self._m.id),
            BY_CREATED,
            first,
            after,
            viewer=info.context.signed_in_viewer,
        )
        return FeedbackConnection.of(page, [Feedback.from_model(r, r.session.client.name) for r in page.rows])

    @strawberry.field(description="The coach's periods off.")
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


@strawberry.type(description="A page of coaches, by name.", name="CoachConnection")
class CoachConnection(Connection[Coach]):
    pass


@strawberry.input(description="The signed-in coach's settings: only the fields given change.")
class UpdateCoachSettingsInput:
    timezone: str | None = strawberry.field(default=strawberry.UNSET, description="IANA time zone name.")
    buffer_minutes: int | None = strawberry.field(
        default=strawberry.UNSET, description="Minutes kept free after each session."
    )
    auto_confirm: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Confirm clients' bookings at once."
    )
    cancellation_window_hours: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="Hours before the start inside which a client's cancellation is late (credits kept).",
    )
    bio: str | None = multiline(description="About the coach.", default=strawberry.UNSET)
    response_time_hours: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="Hours within which the coach promises to reply, 0 to 168; null: no promise.",
    )
    auto_reply: str | None = multiline(
        description="Sent once per conversation and time-off period when a client writes during time off; blank: none.",
        default=strawberry.UNSET,
    )


@strawberry.type(description="The coach after a change to their settings, availability or time off.")
class CoachPayload:
    coach: Coach | None = strawberry.field(default=None, description="The coach as it is now.")
    user_errors: list[UserError] = strawberry.field(description="Why nothing changed, if so.", default_factory=list)


from schema.errors import UserError  # noqa: E402


@strawberry.type(description="A start time at which the service can be booked.")
class TimeSlot:
    starts_at: datetime = strawberry.field(description="When the session would start.")
    ends_at: datetime = strawberry.field(description="When it would end (start + the service's duration).")


@strawberry.input(description="A new service of the signed-in coach.")
class CreateServiceInput:
    name: str = strawberry.field(description="The service's name.")
    duration_minutes: int = strawberry.field(description="Length of one session, in minutes.")
    format: SessionFormat = strawberry.field(description="How it takes place.")
    credits: int = strawberry.field(description="Credits one session costs (0 or more).")
    description: str | None = multiline(description="What the service is, for clients.", default=None)
    price: MoneyInput | None = strawberry.field(default=None, description="The price for display and revenue.")
    requires_confirmation: bool | None = strawberry.field(
        default=False, description="Clients' bookings wait for the coach's confirmation."
    )


@strawberry.input(
    description="Changes to one of the signed-in coach's services: only the fields given change. Sessions already booked keep their price."
)
class UpdateServiceInput:
    service_id: strawberry.ID = strawberry.field(description="The service.")
    name: str | None = strawberry.field(default=strawberry.UNSET, description="The service's name.")
    description: str | None = multiline(description="What the service is.", default=strawberry.UNSET)
    duration_minutes: int | None = strawberry.field(
        default=strawberry.UNSET, description="Length of one session, in minutes."
    )
    format: SessionFormat | None = strawberry.field(default=strawberry.UNSET, description="How it takes place.")
    credits: int | None = strawberry.field(default=strawberry.UNSET, description="Credits one session costs.")
    price: MoneyInput | None = strawberry.field(
        default=strawberry.UNSET, description="The price for display and revenue."
    )
    requires_confirmation: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Clients' bookings wait for confirmation."
    )
    active: bool | None = strawberry.field(default=strawberry.UNSET, description="False stops new bookings of it.")


@strawberry.type(description="The result of a change to a service.")
class ServicePayload:
    service: Service | None = strawberry.field(default=None, description="The service as it is now.")
    user_errors: list[UserError] = strawberry.field(description="Why nothing changed, if so.", default_factory=list)


@strawberry.input(description="A weekly window in the coach's own timezone.")
class AvailabilityRuleInput:
    weekday: int = strawberry.field(description="1 = Monday ... 7 = Sunday.")
    start_time: str = strawberry.field(description="HH:MM.")
    end_time: str = strawberry.field(description="HH:MM, after startTime.")


@strawberry.input(description="The coach's whole weekly availability.")
class SetAvailabilityInput:
    rules: list[AvailabilityRuleInput] = strawberry.field(description="Every window; replaces the ones stored.")


@strawberry.input(description="A period off for the signed-in coach.")
class AddTimeOffInput:
    starts_at: datetime = strawberry.field(description="Start.")
    ends_at: datetime = strawberry.field(description="End, after the start.")
    reason: str | None = multiline(description="Why, for the coach's own reference.", default=None)


@strawberry.input(description="The period off to remove.")
class RemoveTimeOffInput:
    time_off_id: strawberry.ID = strawberry.field(description="The time off.")
