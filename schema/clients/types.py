from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Optional
from uuid import UUID

import strawberry
from strawberry.scalars import JSON

import models
from domain import access, client_list, clock, milestones
from schema.connection import Connection
from schema.enums import ActivityKind, ClientCategory, OrderDirection
from schema.errors import UserError
from schema.inputs import multiline
from schema.loaders import resolved
from schema.node import Entity, loads_nodes
from schema.coaches.types import Money
from schema.credits.types import CreditPool
from schema.goals.types import Goal
from resolvers import goals as goal_reads, notes as note_reads
from schema.clients.timeline import BY_OCCURRED, ActivityConnection, ActivityEvent
from schema.notes.types import NoteConnection, notes_with_bodies
from schema.pagination import BY_CREATED, paginate
from schema.organisations.types import Organisation

if TYPE_CHECKING:
    from schema.messages.types import Conversation, Message
    from schema.sessions.types import BookingEligibility, Session, SessionConnection, SessionFilter


@strawberry.type
class Address:
    street: Optional[str] = None
    city: Optional[str] = None
    state: Optional[str] = None
    postal_code: Optional[str] = None
    country: Optional[str] = None


@strawberry.input
class AddressInput:
    street: Optional[str] = None
    city: Optional[str] = None
    state: Optional[str] = None
    postal_code: Optional[str] = None
    country: Optional[str] = None


def age_on(birth: date | None, today: date) -> int | None:
    if birth is None:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


Milestone = strawberry.enum(milestones.Milestone, name="Milestone")


@strawberry.type
class ClientStats:
    total_sessions: int
    completed_sessions: int
    cancelled_sessions: int
    no_shows: int
    cancellation_rate: float = strawberry.field(description="cancelledSessions / totalSessions, 0 when there are none.")
    last_session_at: Optional[datetime]
    next_session_at: Optional[datetime]
    total_revenue: Optional[Money]


@strawberry.type
class Client(Entity):
    name: str
    email: Optional[str]
    phone: Optional[str]
    whatsapp: Optional[str]
    address: Optional[Address]
    birth_date: Optional[date]
    active: bool
    tags: list[str]
    focus_areas: list[str]
    created_at: datetime
    updated_at: datetime
    _m: strawberry.Private[models.Client]

    @classmethod
    def from_model(cls, m: models.Client) -> "Client":
        return cls(
            uid=str(m.id), name=m.name, email=m.email, phone=m.phone, whatsapp=m.whatsapp,
            address=Address(**m.address) if m.address else None, birth_date=m.birth_date, active=m.active,
            tags=list(m.tags or []), focus_areas=list(m.focus_areas or []), created_at=m.created_at,
            updated_at=m.updated_at, _m=m,
        )

    @strawberry.field
    def age(self) -> Optional[int]:
        return age_on(self._m.birth_date, clock.now().date())

    @strawberry.field
    async def organisation(self, info: strawberry.Info) -> Optional[Organisation]:
        if self._m.organisation_id is None:
            return None
        row = await info.context.loaders.organisation.load(self._m.organisation_id)
        return Organisation.from_model(row) if row else None

    @strawberry.field(description="What the client chose to share with the coaches they book.")
    async def health_context(self, info: strawberry.Info) -> Optional[str]:
        if self._m.health_context_enc is None or not access.may_read_health_context(info.context.viewer):
            return None
        cipher = await info.context.loaders.cipher.load(self._m.id)
        return cipher.decrypt(self._m.health_context_enc) if cipher else None

    # The columns of the client list below are plain `def`s returning schema.loaders.resolved(...):
    # a page's rows read them from loaders its list resolver filled, with no task per field.

    @strawberry.field(description="Client credits only (the organisation's pool is not shown here).")
    def credits_available(self, info: strawberry.Info) -> int:
        return resolved(info.context.loaders.client_pool, self._m.id, lambda pool: pool.balance if pool else 0)

    @strawberry.field
    def credit_pool(self, info: strawberry.Info) -> CreditPool:
        return resolved(info.context.loaders.client_pool, self._m.id, CreditPool.from_model)

    @strawberry.field
    def eligibility(
        self, info: strawberry.Info, service_id: Optional[strawberry.ID] = None
    ) -> Annotated["BookingEligibility", strawberry.lazy("schema.sessions.types")]:
        from schema.sessions.types import client_eligibility

        return client_eligibility(info, self._m.id, service_id)

    @strawberry.field
    def last_session(self, info: strawberry.Info) -> Optional[Annotated["Session", strawberry.lazy("schema.sessions.types")]]:
        from schema.sessions.types import Session

        return resolved(info.context.loaders.summary, self._m.id, lambda s: Session.from_model(s.last) if s.last else None)

    @strawberry.field
    def next_session(self, info: strawberry.Info) -> Optional[Annotated["Session", strawberry.lazy("schema.sessions.types")]]:
        from schema.sessions.types import Session

        return resolved(info.context.loaders.summary, self._m.id, lambda s: Session.from_model(s.next) if s.next else None)

    @strawberry.field(description="Has an upcoming session with a coach other than the viewer (coach viewers).")
    def booked_with_others(self, info: strawberry.Info) -> bool:
        return resolved(info.context.loaders.summary, self._m.id, lambda s: s.stats.booked_with_others)

    @strawberry.field
    def stats(self, info: strawberry.Info) -> ClientStats:
        def read(summary: client_list.Summary) -> ClientStats:
            found = summary.stats
            return ClientStats(
                total_sessions=found.total, completed_sessions=found.completed, cancelled_sessions=found.cancelled,
                no_shows=found.no_shows, cancellation_rate=found.cancelled / found.total if found.total else 0.0,
                last_session_at=summary.last.starts_at if summary.last else None,
                next_session_at=summary.next.starts_at if summary.next else None,
                total_revenue=Money(amount_minor=found.revenue_minor, currency=found.currency) if found.currency else None,
            )

        return resolved(info.context.loaders.summary, self._m.id, read)

    @strawberry.field
    async def conversation(self, info: strawberry.Info) -> Optional[Annotated["Conversation", strawberry.lazy("schema.messages.types")]]:
        from schema.messages.types import client_conversation

        return await client_conversation(info, self._m.id)

    @strawberry.field
    def last_message(self, info: strawberry.Info) -> Optional[Annotated["Message", strawberry.lazy("schema.messages.types")]]:
        from schema.messages.types import client_last_message

        return client_last_message(info, self._m.id)

    @strawberry.field
    async def goals(self, info: strawberry.Info) -> list[Annotated["Goal", strawberry.lazy("schema.goals.types")]]:
        return [Goal.from_model(r) for r in await goal_reads.client_goals(info.context.viewer, self._m.id)]

    @strawberry.field
    def milestones(self, info: strawberry.Info) -> list[Milestone]:
        loaders = info.context.loaders

        def reached(relationship, summary: client_list.Summary) -> list[Milestone]:
            since = relationship.created_at if relationship else self._m.created_at
            return milestones.reached(summary.stats.completed, since)

        return resolved(loaders.relationship, self._m.id,
                        lambda relationship: resolved(loaders.summary, self._m.id, lambda summary: reached(relationship, summary)))

    @strawberry.field(description="Viewing coach only; null for other viewers.")
    def category(self, info: strawberry.Info) -> Optional[ClientCategory]:
        return resolved(info.context.loaders.relationship, self._m.id, lambda relationship: relationship.category if relationship else None)

    @strawberry.field(description="The viewing coach's private notes on the profile; null for everyone else.")
    def private_notes(self, info: strawberry.Info) -> Optional[str]:
        def read(relationship) -> Optional[str]:
            if relationship is None or relationship.private_notes_enc is None:
                return None
            return resolved(info.context.loaders.cipher, self._m.id,
                            lambda cipher: cipher.decrypt(relationship.private_notes_enc) if cipher else None)

        return resolved(info.context.loaders.relationship, self._m.id, read)

    @strawberry.field
    def relationship_since(self, info: strawberry.Info) -> Optional[datetime]:
        return resolved(info.context.loaders.relationship, self._m.id, lambda relationship: relationship.created_at if relationship else None)

    @strawberry.field
    async def sessions(
        self, info: strawberry.Info, first: Optional[int] = 20, after: Optional[str] = None,
        filter: Optional[Annotated["SessionFilter", strawberry.lazy("schema.sessions.types")]] = None,  # noqa: A002
    ) -> Annotated["SessionConnection", strawberry.lazy("schema.sessions.types")]:
        from schema.sessions.types import session_connection

        return await session_connection(info, first, after, filter, of_client=self._m.id)

    @strawberry.field
    async def notes(self, info: strawberry.Info, first: Optional[int] = 20, after: Optional[str] = None) -> NoteConnection:
        page = await paginate(note_reads.client_notes(info.context.viewer, self._m.id), BY_CREATED, first, after)
        return NoteConnection.of(page, await notes_with_bodies(info, page.rows))

    @strawberry.field
    async def timeline(
        self, info: strawberry.Info, first: Optional[int] = 50, after: Optional[str] = None, kinds: Optional[list[ActivityKind]] = None
    ) -> ActivityConnection:
        page = await paginate(note_reads.client_timeline(info.context.viewer, self._m.id, kinds), BY_OCCURRED, first, after)
        return ActivityConnection.of(page, [ActivityEvent.from_model(r) for r in page.rows])


@loads_nodes("Client")
async def load_clients(info, ids: list[UUID]) -> list[Optional[Client]]:
    rows = await info.context.loaders.client.load_many(ids)
    return [Client.from_model(r) if r else None for r in rows]



@strawberry.type(name="ClientConnection")
class ClientConnection(Connection[Client]):
    pass


@strawberry.enum
class ClientFilterOption(Enum):
    CREDITS_AVAILABLE = "CREDITS_AVAILABLE"
    NO_CREDITS = "NO_CREDITS"
    BOOKED_WITH_ME = "BOOKED_WITH_ME"
    BOOKED_WITH_OTHERS = "BOOKED_WITH_OTHERS"
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


@strawberry.enum
class ClientOrderField(Enum):
    NAME = "NAME"
    LAST_SESSION = "LAST_SESSION"
    NEXT_SESSION = "NEXT_SESSION"
    CREDITS = "CREDITS"
    CREATED_AT = "CREATED_AT"
    CATEGORY = "CATEGORY"


@strawberry.input(description="categories, anyOf, search and tags combine with AND; the options inside anyOf combine with OR.")
class ClientFilter:
    categories: Optional[list[ClientCategory]] = None
    any_of: Optional[list[ClientFilterOption]] = None
    search: Optional[str] = None
    tags: Optional[list[str]] = None


@strawberry.input
class ClientOrder:
    field: ClientOrderField
    direction: OrderDirection


@strawberry.input
class CreateClientInput:
    name: str
    email: Optional[str] = None
    phone: Optional[str] = None
    whatsapp: Optional[str] = None
    address: Optional[AddressInput] = None
    birth_date: Optional[date] = None
    organisation_id: Optional[strawberry.ID] = None
    tags: Optional[list[str]] = None
    focus_areas: Optional[list[str]] = None
    private_notes: Optional[str] = multiline(default=None)


@strawberry.input
class UpdateClientInput:
    client_id: strawberry.ID
    name: Optional[str] = strawberry.UNSET
    email: Optional[str] = strawberry.UNSET
    phone: Optional[str] = strawberry.UNSET
    whatsapp: Optional[str] = strawberry.UNSET
    address: Optional[AddressInput] = strawberry.UNSET
    birth_date: Optional[date] = strawberry.UNSET
    tags: Optional[list[str]] = strawberry.UNSET
    focus_areas: Optional[list[str]] = strawberry.UNSET
    health_context: Optional[str] = multiline(default=strawberry.UNSET)
    private_notes: Optional[str] = multiline(default=strawberry.UNSET)


@strawberry.input
class SetClientActiveInput:
    client_id: strawberry.ID
    active: bool


@strawberry.type
class ClientPayload:
    client: Optional[Client] = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)




@strawberry.input
class DeleteClientInput:
    client_id: strawberry.ID


@strawberry.type
class DeleteClientPayload:
    deleted_client_id: Optional[strawberry.ID] = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class ClientDataInput:
    client_id: strawberry.ID


@strawberry.type
class ExportClientDataPayload:
    data: Optional[JSON] = strawberry.field(
        default=None, description="Everything stored about the client that the requester may see, as one JSON document."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class EraseClientPayload:
    erased_client_id: Optional[strawberry.ID] = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
