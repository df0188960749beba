from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Annotated
from uuid import UUID

import strawberry
from strawberry.scalars import JSON
from strawberry.types.nodes import SelectedField

import models
from domain import access, client_list, clock, cursors, milestones
from resolvers import clients as client_reads
from resolvers import goals as goal_reads
from resolvers import notes as note_reads
from schema.clients.timeline import BY_OCCURRED, ActivityConnection, ActivityEvent
from schema.coaches.types import Money
from schema.connection import Connection, Edge
from schema.context import Info
from schema.credits.types import CreditPool
from schema.enums import ActivityKind, ClientCategory, OrderDirection, describe_values
from schema.errors import UserError
from schema.goals.types import Goal
from schema.inputs import DateRangeInput, multiline
from schema.loaders import resolved
from schema.messages.types import Conversation, Message, client_conversation, client_last_message
from schema.node import Entity, loads_nodes, uuid_of
from schema.notes.types import NoteConnection, notes_with_bodies
from schema.organisations.types import Organisation
from schema.pagination import BY_CREATED, PageInfo, check_first, decode_cursor, encode_cursor, paginate
from schema.sessions.types import (
    BookingEligibility,
    Session,
    SessionConnection,
    SessionFilter,
    client_eligibility,
    session_connection,
)


@strawberry.type(description="A postal address; every part is optional.")
class Address:
    street: str | None = strawberry.field(default=None, description="Street and number.")
    city: str | None = strawberry.field(default=None, description="City or town.")
    state: str | None = strawberry.field(default=None, description="State, county or region.")
    postal_code: str | None = strawberry.field(default=None, description="Postal or ZIP code.")
    country: str | None = strawberry.field(default=None, description="Country, as entered.")


@strawberry.input(description="A postal address; every part is optional. Replaces the whole stored address.")
class AddressInput:
    street: str | None = strawberry.field(default=None, description="Street and number.")
    city: str | None = strawberry.field(default=None, description="City or town.")
    state: str | None = strawberry.field(default=None, description="State, county or region.")
    postal_code: str | None = strawberry.field(default=None, description="Postal or ZIP code.")
    country: str | None = strawberry.field(default=None, description="Country, as entered.")


def age_on(birth: date | None, today: date) -> int | None:
    if birth is None:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


Milestone = milestones.Milestone
strawberry.enum(
    Milestone,
    name="Milestone",
    description="Milestones of a client's relationship: first session, ten sessions, six months, one year and two years of relationship.",
)  # registered in place


@strawberry.type(
    description="Counts over the client's sessions the viewer may see (a coach: sessions with that coach)."
)
class ClientStats:
    total_sessions: int = strawberry.field(description="Sessions of every status.")
    completed_sessions: int = strawberry.field(description="Sessions with status COMPLETED.")
    cancelled_sessions: int = strawberry.field(description="Sessions with status CANCELLED.")
    no_shows: int = strawberry.field(description="Sessions with status NO_SHOW.")
    cancellation_rate: float = strawberry.field(description="cancelledSessions / totalSessions, 0 when there are none.")
    last_session_at: datetime | None = strawberry.field(
        description="Start of the latest confirmed, completed or no-show session at or before now."
    )
    next_session_at: datetime | None = strawberry.field(
        description="Start of the next pending or confirmed session after now."
    )
    total_revenue: Money | None = strawberry.field(
        description="The prices of the sessions held (completed or no-show); null when none is priced or prices are in more than one currency."
    )


@strawberry.type(
    description="A person being coached. Coaches see their own clients (a coach-client relationship exists), organisation admins their members, admins everyone, a client themself. Fields about the relationship (category, lastSession, privateNotes...) are about the viewing coach's relationship."
)
class Client(Entity):
    name: str = strawberry.field(description="Full name (searchable).")
    email: str | None = strawberry.field(description="E-mail address, if known (searchable); invitations go here.")
    phone: str | None = strawberry.field(description="Phone number, as entered.")
    whatsapp: str | None = strawberry.field(description="WhatsApp number, as entered.")
    address: Address | None = strawberry.field(description="Postal address, if given.")
    birth_date: date | None = strawberry.field(description="Date of birth, if given.")
    active: bool = strawberry.field(description="An inactive client cannot book (eligibility reason CLIENT_INACTIVE).")
    tags: list[str] = strawberry.field(description="Free labels the client list can filter on (ClientFilter.tags).")
    focus_areas: list[str] = strawberry.field(description="What the coaching is about (e.g. sleep, career).")
    created_at: datetime = strawberry.field(description="When the profile was created.")
    updated_at: datetime = strawberry.field(description="When the profile last changed.")
    _m: strawberry.Private[models.Client]

    @classmethod
    def from_model(cls, m: models.Client) -> "Client":
        return cls(
            uid=str(m.id),
            name=m.name,
            email=m.email,
            phone=m.phone,
            whatsapp=m.whatsapp,
            address=Address(**m.address) if m.address else None,
            birth_date=m.birth_date,
            active=m.active,
            tags=list(m.tags or []),
            focus_areas=list(m.focus_areas or []),
            created_at=m.created_at,
            updated_at=m.updated_at,
            _m=m,
        )

    @strawberry.field(description="Age in whole years today, from birthDate; null without one.")
    def age(self) -> int | None:
        return age_on(self._m.birth_date, clock.now().date())

    @strawberry.field(description="The partner organisation that funds the client, if any.")
    async def organisation(self, info: Info) -> Organisation | None:
        if self._m.organisation_id is None:
            return None
        row = await info.context.loaders.organisation.load(self._m.organisation_id)
        return Organisation.from_model(row) if row else None

    @strawberry.field(description="What the client chose to share with the coaches they book.")
    async def health_context(self, info: Info) -> str | None:
        if self._m.health_context_enc is None or not access.may_read_health_context(info.context.signed_in_viewer):
            return None
        cipher = await info.context.loaders.cipher.load(self._m.id)
        return cipher.decrypt(self._m.health_context_enc) if cipher else None

    # The columns of the client list below are plain `def`s returning schema.loaders.resolved(...):
    # a page's rows read them from loaders its list resolver filled, with no task per field.

    @strawberry.field(description="Client credits only (the organisation's pool is not shown here).")
    def credits_available(self, info: Info) -> int:
        return resolved(info.context.loaders.client_pool, self._m.id, lambda pool: pool.balance if pool else 0)

    @strawberry.field(description="The client's own credit pool (its transactions only for those who may read them).")
    def credit_pool(self, info: Info) -> CreditPool:
        return resolved(info.context.loaders.client_pool, self._m.id, CreditPool.from_model)

    @strawberry.field(
        description="Whether the client may book now, and every reason they may not. With `serviceId`, checked against that service's credits and coach kind; without, against one credit."
    )
    def eligibility(
        self, info: Info, service_id: strawberry.ID | None = None
    ) -> Annotated["BookingEligibility", strawberry.lazy("schema.sessions.types")]:
        return client_eligibility(info, self._m.id, service_id)

    @strawberry.field(
        description="The latest confirmed, completed or no-show session at or before now (a coach: with that coach)."
    )
    def last_session(self, info: Info) -> Annotated["Session", strawberry.lazy("schema.sessions.types")] | None:
        return resolved(
            info.context.loaders.summary, self._m.id, lambda s: Session.from_model(s.last) if s.last else None
        )

    @strawberry.field(description="The next pending or confirmed session after now (a coach: with that coach).")
    def next_session(self, info: Info) -> Annotated["Session", strawberry.lazy("schema.sessions.types")] | None:
        return resolved(
            info.context.loaders.summary, self._m.id, lambda s: Session.from_model(s.next) if s.next else None
        )

    @strawberry.field(description="Has an upcoming session with a coach other than the viewer (coach viewers).")
    def booked_with_others(self, info: Info) -> bool:
        return resolved(info.context.loaders.summary, self._m.id, lambda s: s.stats.booked_with_others)

    @strawberry.field(
        description="Sessions (confirmed, completed or no-show) with the viewing coach in the last 90 days; null for other viewers."
    )
    def sessions_last_90_days(self, info: Info) -> int | None:
        if info.context.signed_in_viewer.coach_id is None:
            return None
        return resolved(info.context.loaders.summary, self._m.id, lambda s: s.stats.last_90_days)

    @strawberry.field(description="Session counts and revenue (a coach: sessions with that coach).")
    def stats(self, info: Info) -> ClientStats:
        def read(summary: client_list.Summary) -> ClientStats:
            found = summary.stats
            return ClientStats(
                total_sessions=found.total,
                completed_sessions=found.completed,
                cancelled_sessions=found.cancelled,
                no_shows=found.no_shows,
                cancellation_rate=found.cancelled / found.total if found.total else 0.0,
                last_session_at=summary.last.starts_at if summary.last else None,
                next_session_at=summary.next.starts_at if summary.next else None,
                total_revenue=Money(amount_minor=found.revenue_minor, currency=found.currency)
                if found.currency and found.revenue_minor is not None
                else None,
            )

        return resolved(info.context.loaders.summary, self._m.id, read)

    @strawberry.field(
        description="The conversation with the viewing coach (a client viewer: null); null until one of them writes."
    )
    async def conversation(
        self, info: Info
    ) -> Annotated["Conversation", strawberry.lazy("schema.messages.types")] | None:
        return await client_conversation(info, self._m.id)

    @strawberry.field(description="The latest message of the conversation with the viewing coach, if any.")
    def last_message(self, info: Info) -> Annotated["Message", strawberry.lazy("schema.messages.types")] | None:
        return client_last_message(info, self._m.id)

    @strawberry.field(description="The client's goals with their action items.")
    async def goals(self, info: Info) -> list[Annotated["Goal", strawberry.lazy("schema.goals.types")]]:
        return [Goal.from_model(r) for r in await goal_reads.client_goals(info.context.signed_in_viewer, self._m.id)]

    @strawberry.field(
        description="Milestones reached: by completed sessions and by the length of the relationship with the viewing coach."
    )
    def milestones(self, info: Info) -> list[Milestone]:
        loaders = info.context.loaders

        def reached(relationship, summary: client_list.Summary) -> list[Milestone]:
            since = relationship.created_at if relationship else self._m.created_at
            return milestones.reached(summary.stats.completed, since)

        return resolved(
            loaders.relationship,
            self._m.id,
            lambda relationship: resolved(loaders.summary, self._m.id, lambda summary: reached(relationship, summary)),
        )

    @strawberry.field(description="Viewing coach only; null for other viewers.")
    def category(self, info: Info) -> ClientCategory | None:
        return resolved(
            info.context.loaders.relationship,
            self._m.id,
            lambda relationship: relationship.category if relationship else None,
        )

    @strawberry.field(description="The viewing coach's private notes on the profile; null for everyone else.")
    def private_notes(self, info: Info) -> str | None:
        def read(relationship) -> str | None:
            if relationship is None or relationship.private_notes_enc is None:
                return None
            return resolved(
                info.context.loaders.cipher,
                self._m.id,
                lambda cipher: cipher.decrypt(relationship.private_notes_enc) if cipher else None,
            )

        return resolved(info.context.loaders.relationship, self._m.id, read)

    @strawberry.field(
        description="When the relationship with the viewing coach began (added, first message or first booking); null for other viewers."
    )
    def relationship_since(self, info: Info) -> datetime | None:
        return resolved(
            info.context.loaders.relationship,
            self._m.id,
            lambda relationship: relationship.created_at if relationship else None,
        )

    @strawberry.field(description="The client's sessions the viewer may see, by start time.")
    async def sessions(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = None,
        filter: Annotated["SessionFilter", strawberry.lazy("schema.sessions.types")] | None = None,
    ) -> Annotated["SessionConnection", strawberry.lazy("schema.sessions.types")]:
        return await session_connection(info, first, after, filter, of_client=self._m.id)

    @strawberry.field(
        description="Notes on the client the viewer may read: a coach their own, the client those shared with them; never admins or organisations."
    )
    async def notes(self, info: Info, first: int | None = 20, after: str | None = None) -> NoteConnection:
        page = await paginate(
            note_reads.client_notes(info.context.signed_in_viewer, self._m.id),
            BY_CREATED,
            first,
            after,
            viewer=info.context.signed_in_viewer,
        )
        return NoteConnection.of(page, await notes_with_bodies(info, page.rows))

    @strawberry.field(
        description="The activity timeline (profile, session, note, message, credit and feedback events), newest first, optionally only some kinds."
    )
    async def timeline(
        self,
        info: Info,
        first: int | None = 50,
        after: str | None = None,
        kinds: list[ActivityKind] | None = None,
    ) -> ActivityConnection:
        page = await paginate(
            note_reads.client_timeline(info.context.signed_in_viewer, self._m.id, kinds),
            BY_OCCURRED,
            first,
            after,
            viewer=info.context.signed_in_viewer,
        )
        return ActivityConnection.of(page, [ActivityEvent.from_model(r) for r in page.rows])


@loads_nodes("Client")
async def load_clients(info: Info, ids: list[UUID]) -> list[Client | None]:
    rows = await info.context.loaders.client.load_many(ids)
    return [Client.from_model(r) if r else None for r in rows]


@strawberry.type(description="A page of clients.", name="ClientConnection")
class ClientConnection(Connection[Client]):
    @classmethod
    async def of_organisation(
        cls, info: Info, organisation_id: UUID, first: int | None, after: str | None, search: str | None
    ) -> ClientConnection:
        """Organisation.members: a page of the organisation's clients."""
        return await client_connection(
            info, first, after, ClientFilter(search=search), None, organisation_id=organisation_id
        )


@strawberry.enum(description="Options of the client list's filter panel; the selected ones combine with OR.")
class ClientFilterOption(Enum):
    CREDITS_AVAILABLE = "CREDITS_AVAILABLE"
    NO_CREDITS = "NO_CREDITS"
    BOOKED_WITH_ME = "BOOKED_WITH_ME"
    BOOKED_WITH_OTHERS = "BOOKED_WITH_OTHERS"
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


describe_values(
    ClientFilterOption,
    CREDITS_AVAILABLE="The client's own pool holds credits.",
    NO_CREDITS="The client's own pool is empty.",
    BOOKED_WITH_ME="Has an upcoming confirmed session with the viewing coach (coach viewers).",
    BOOKED_WITH_OTHERS="Has an upcoming confirmed session with another coach (coach viewers).",
    ACTIVE="The client is active.",
    INACTIVE="The client is inactive (cannot book).",
)


@strawberry.enum(
    description="What the client list is sorted by. CATEGORY, LAST_SESSION and NEXT_SESSION are about the viewing coach and fall back to NAME for other viewers."
)
class ClientOrderField(Enum):
    NAME = "NAME"
    LAST_SESSION = "LAST_SESSION"
    NEXT_SESSION = "NEXT_SESSION"
    CREDITS = "CREDITS"
    CREATED_AT = "CREATED_AT"
    CATEGORY = "CATEGORY"
    RELATIONSHIP_SINCE = "RELATIONSHIP_SINCE"
    SESSIONS_LAST_90_DAYS = "SESSIONS_LAST_90_DAYS"


describe_values(
    ClientOrderField,
    NAME="By name.",
    LAST_SESSION="By the start of the last session; clients without one count as the earliest.",
    NEXT_SESSION="By the start of the next session; clients without one count as the latest.",
    CREDITS="By the client's own credit balance.",
    CREATED_AT="By when the profile was created.",
    CATEGORY="Most actionable first (ASC): BOOKED, 0-14, 14-30, 30+, PROSPECTIVE.",
    RELATIONSHIP_SINCE="By when the relationship with the viewing coach began (other viewers: by name).",
    SESSIONS_LAST_90_DAYS="By sessions with the viewing coach in the last 90 days (other viewers: by name).",
)


@strawberry.input(
    description="The filters combine with AND; the options inside anyOf combine with OR. categories, serviceIds, "
    "relationshipSince and minSessionsLast90Days describe the viewing coach's relationship: for other viewers they match nothing."
)
class ClientFilter:
    categories: list[ClientCategory] | None = strawberry.field(
        default=None,
        description="Clients in any of these categories (a coach's own relationships; matches nothing for other viewers).",
    )
    any_of: list[ClientFilterOption] | None = strawberry.field(
        default=None, description="Clients matching at least one of these options."
    )
    search: str | None = strawberry.field(default=None, description="Part of the name or e-mail, case-insensitive.")
    tags: list[str] | None = strawberry.field(default=None, description="Clients that have every one of these tags.")
    service_ids: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="Clients who had or have a session (not cancelled) of any of these services with the viewing coach.",
    )
    relationship_since: DateRangeInput | None = strawberry.field(
        default=None, description="When the relationship with the viewing coach began (days in the coach's zone)."
    )
    min_sessions_last_90_days: int | None = strawberry.field(
        default=None,
        description="At least this many sessions (confirmed, completed or no-show) with the viewing coach in the last 90 days.",
    )


@strawberry.input(
    description="Sort order of the client list; ties are broken by id, so pages never repeat or skip rows."
)
class ClientOrder:
    field: ClientOrderField = strawberry.field(description="The column to sort by.")
    direction: OrderDirection = strawberry.field(description="ASC or DESC.")


@strawberry.input(description="A new client profile (with its own credit pool, empty).")
class CreateClientInput:
    name: str = strawberry.field(description="Full name.")
    email: str | None = strawberry.field(default=None, description="E-mail address.")
    phone: str | None = strawberry.field(default=None, description="Phone number.")
    whatsapp: str | None = strawberry.field(default=None, description="WhatsApp number.")
    address: AddressInput | None = strawberry.field(default=None, description="Postal address.")
    birth_date: date | None = strawberry.field(default=None, description="Date of birth.")
    organisation_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The funding organisation. An organisation admin's clients always join its organisation; a coach may only name their own (INTERNAL coaches).",
    )
    tags: list[str] | None = strawberry.field(default=None, description="Labels for filtering.")
    focus_areas: list[str] | None = strawberry.field(default=None, description="What the coaching is about.")
    private_notes: str | None = multiline(
        description="The creating coach's private notes on the profile (coaches only).", default=None
    )


@strawberry.input(description="Changes to a client profile: only the fields given change; null clears a field.")
class UpdateClientInput:
    client_id: strawberry.ID = strawberry.field(description="The client to change.")
    name: str | None = strawberry.field(default=strawberry.UNSET, description="Full name.")
    email: str | None = strawberry.field(default=strawberry.UNSET, description="E-mail address.")
    phone: str | None = strawberry.field(default=strawberry.UNSET, description="Phone number.")
    whatsapp: str | None = strawberry.field(default=strawberry.UNSET, description="WhatsApp number.")
    address: AddressInput | None = strawberry.field(
        default=strawberry.UNSET, description="Postal address (replaces the whole address)."
    )
    birth_date: date | None = strawberry.field(default=strawberry.UNSET, description="Date of birth.")
    tags: list[str] | None = strawberry.field(default=strawberry.UNSET, description="Labels (replaces the list).")
    focus_areas: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="Focus areas (replaces the list)."
    )
    health_context: str | None = multiline(
        description="What the client shares with the coaches they book; only the client sets it (else FORBIDDEN).",
        default=strawberry.UNSET,
    )
    private_notes: str | None = multiline(
        description="The viewing coach's private notes; only a coach sets them (else FORBIDDEN).",
        default=strawberry.UNSET,
    )


@strawberry.input(description="Switch a client on or off.")
class SetClientActiveInput:
    client_id: strawberry.ID = strawberry.field(description="The client.")
    active: bool = strawberry.field(description="False blocks booking (eligibility reason CLIENT_INACTIVE).")


@strawberry.type(description="The result of a change to a client.")
class ClientPayload:
    client: Client | None = strawberry.field(
        default=None, description="The client as it is now; null when userErrors is not empty."
    )
    user_errors: list[UserError] = strawberry.field(description="Why nothing changed, if so.", default_factory=list)


@strawberry.input(description="The client to remove from the viewing coach's practice.")
class DeleteClientInput:
    client_id: strawberry.ID = strawberry.field(description="The client.")


@strawberry.type(description="The result of deleteClient.")
class DeleteClientPayload:
    deleted_client_id: strawberry.ID | None = strawberry.field(
        default=None, description="The id of the client removed from the practice."
    )
    user_errors: list[UserError] = strawberry.field(description="Why nothing changed, if so.", default_factory=list)


@strawberry.input(description="The client whose data to export or erase.")
class ClientDataInput:
    client_id: strawberry.ID = strawberry.field(description="The client.")


@strawberry.type(description="The result of exportClientData.")
class ExportClientDataPayload:
    data: JSON | None = strawberry.field(
        default=None, description="Everything stored about the client that the requester may see, as one JSON document."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was exported, if so.", default_factory=list
    )


@strawberry.type(description="The result of eraseClient.")
class EraseClientPayload:
    erased_client_id: strawberry.ID | None = strawberry.field(default=None, description="The id of the erased client.")
    user_errors: list[UserError] = strawberry.field(description="Why nothing changed, if so.", default_factory=list)


# Client fields read from the per-client session summary (domain.client_list.summaries).
SUMMARY_COLUMNS = {"lastSession", "nextSession", "stats", "bookedWithOthers", "milestones", "sessionsLast90Days"}


def _selected_on_nodes(info: Info) -> list[SelectedField]:
    """The fields the query selects on each listed client (edges { node { ... } }, fragments
    included)."""

    def flat(selections) -> list[SelectedField]:
        found = []
        for selection in selections:
            found += [selection] if isinstance(selection, SelectedField) else flat(selection.selections)
        return found

    return [
        column
        for listing in flat(info.selected_fields)
        for edges in flat(listing.selections)
        if edges.name == "edges"
        for node in flat(edges.selections)
        if node.name == "node"
        for column in flat(node.selections)
    ]


def _columns(info: Info) -> client_reads.Columns:
    selected = _selected_on_nodes(info)
    names = {column.name for column in selected}
    return client_reads.Columns(
        summary=bool(names & SUMMARY_COLUMNS),
        last_message="lastMessage" in names,
        cipher="privateNotes" in names,
        # The key Client.eligibility loads by: an unknown service id is judged as no service.
        eligibility_services=[
            uuid_of(c.arguments.get("serviceId"), "Service") for c in selected if c.name == "eligibility"
        ],
    )


async def client_connection(
    info: Info,
    first: int | None,
    after: str | None,
    filter: ClientFilter | None,
    order_by: ClientOrder | None,
    **scope,
) -> ClientConnection:
    """A page of the client list (client_list.ClientQuery's scope: only_my_clients, organisation_id)."""
    first = check_first(first)
    query = client_list.ClientQuery(**scope)
    if filter is not None:
        query.categories = filter.categories
        query.any_of = [o.value for o in filter.any_of] if filter.any_of is not None else None
        query.search = filter.search
        query.tags = filter.tags
        if filter.service_ids is not None:
            # An id that names no service (None) matches no session.
            query.service_ids = [uuid_of(i, "Service") for i in filter.service_ids]
        if filter.relationship_since is not None:
            query.relationship_since = (filter.relationship_since.from_, filter.relationship_since.to)
        query.min_sessions_last_90_days = filter.min_sessions_last_90_days
    if order_by is not None:
        query.order = order_by.field.value
        query.descending = order_by.direction.value == "DESC"
    client_list.check(query)  # a bad filter: a top-level INVALID naming its field path
    viewer = info.context.signed_in_viewer
    bound_to = cursors.binding(viewer, client_list.ordering_name(query))
    cursor = decode_cursor(after, client_list.cursor_checks(viewer, query), bound_to)
    page = await client_reads.page(viewer, info.context.loaders, query, first, cursor, _columns(info))
    given = [encode_cursor([key, uid], bound_to) for key, uid in zip(page.sort_keys, page.ids, strict=True)]
    return ClientConnection(
        edges=[
            Edge(cursor=c, node=Client.from_model(r)) for c, r in zip(given, page.clients, strict=True) if r is not None
        ],
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=cursor is not None,
            start_cursor=given[0] if given else None,
            end_cursor=given[-1] if given else None,
        ),
        total_count=page.total,
    )
