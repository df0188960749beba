"""The client list behind `clients` and `myClients`: filters, orderings and keyset pages in one
hand-written query, index-ordered, enriched only after its LIMIT; and the per-client session and
message facts its rows show, for a whole page in one query each, within the viewer's scopes (so a
coach sees their own relationship, a client their own sessions)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from tortoise import connections

import models
from domain import access, clock, cursors, eligibility, joined, validation
from domain.errors import invalid
from domain.viewer import Viewer
from models.enums import ClientCategory, Role, SessionStatus

# Category order for sorting: most actionable first.
CATEGORY_RANK = {
    ClientCategory.BOOKED: 0,
    ClientCategory.PREVIOUSLY_BOOKED_0_14: 1,
    ClientCategory.PREVIOUSLY_BOOKED_14_30: 2,
    ClientCategory.PREVIOUSLY_BOOKED_30_PLUS: 3,
    ClientCategory.PROSPECTIVE: 4,
}
_RANK_SQL = (
    "CASE cc.category " + " ".join(f"WHEN '{c.value}' THEN {r}" for c, r in CATEGORY_RANK.items()) + " ELSE 9 END"
)

# Sort key expressions and their cursor checks (domain.cursors); nullable keys are COALESCEd so
# keyset comparisons stay total (the stand-ins are in migration 0005's indexes too).
NO_LAST_SESSION = datetime(1, 1, 1, tzinfo=UTC)
NO_NEXT_SESSION = datetime(9999, 12, 31, tzinfo=UTC)
ORDER_KEYS: dict[str, tuple[str, cursors.Check]] = {
    "NAME": ("lower(c.name)", cursors.text),
    "CREATED_AT": ("c.created_at", cursors.instant),
    "CREDITS": ("p.balance", cursors.integer),
    "CATEGORY": (_RANK_SQL, cursors.integer),
    "LAST_SESSION": (
        "COALESCE(cc.last_session_at, '0001-01-01T00:00:00Z'::timestamptz)",
        cursors.instant_or(NO_LAST_SESSION),
    ),
    "NEXT_SESSION": (
        "COALESCE(cc.next_session_at, '9999-12-31T00:00:00Z'::timestamptz)",
        cursors.instant_or(NO_NEXT_SESSION),
    ),
    "RELATIONSHIP_SINCE": ("cc.created_at", cursors.instant),
    "SESSIONS_LAST_90_DAYS": ("COALESCE(r90.n, 0)", cursors.integer),
}
RELATIONSHIP_ORDERS = {"CATEGORY", "LAST_SESSION", "NEXT_SESSION", "RELATIONSHIP_SINCE", "SESSIONS_LAST_90_DAYS"}

# Frequency of engagement: sessions confirmed, completed or no-show with the viewing coach that
# started in the 90 days up to now (a confirmed one still ahead is not engagement yet).
RECENT = timedelta(days=90)
MAX_MIN_SESSIONS = 10_000
MAX_SERVICE_IDS = 100


@dataclass
class ClientQuery:
    categories: list[ClientCategory] | None = None
    any_of: list[str] | None = None
    search: str | None = None
    tags: list[str] | None = None
    order: str = "NAME"
    descending: bool = False
    service_ids: list[UUID | None] | None = None  # None: an id that names no service
    relationship_since: tuple[date | None, date | None] | None = None  # inclusive days, in the coach's zone
    min_sessions_last_90_days: int | None = None
    only_my_clients: bool = False  # myClients: the viewing coach's relationships
    organisation_id: UUID | None = None
    params: list[Any] = field(default_factory=list)


@dataclass
class ClientListPage:
    ids: list[UUID]
    sort_keys: list[Any]
    total: int
    has_next: bool
    # What the page's columns need, read by the page query itself (no query per relation):
    clients: list[models.Client] = field(default_factory=list)
    relationships: dict[UUID, models.CoachClient | None] = field(default_factory=dict)
    pools: dict[UUID, models.CreditPool] = field(default_factory=dict)
    facts: dict[UUID, eligibility.Facts] = field(default_factory=dict)


def _like(text: str) -> str:
    return "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class _Sql:
    def __init__(self) -> None:
        self.params: list[Any] = []

    def p(self, value: Any) -> str:
        self.params.append(value)
        return f"${len(self.params)}"

    def scope(self, rule: Any, viewer: Viewer, alias: str) -> str:
        """A scope of domain.access (`clients_sql`, `coach_clients_sql`) with its parameters."""
        condition, params = rule(viewer, alias, len(self.params) + 1)
        self.params.extend(params)
        return condition


def check(q: ClientQuery) -> None:
    """The filters' own bounds (INVALID naming the filter's field)."""
    if q.min_sessions_last_90_days is not None:
        validation.int_range(q.min_sessions_last_90_days, "filter.minSessionsLast90Days", low=0, high=MAX_MIN_SESSIONS)
    if q.service_ids is not None and len(q.service_ids) > MAX_SERVICE_IDS:
        raise invalid(f"At most {MAX_SERVICE_IDS} services.", "filter.serviceIds")
    if q.relationship_since is not None:
        starts, ends = q.relationship_since
        if starts is not None and ends is not None and starts > ends:
            raise invalid("`from` must not be after `to`.", "filter.relationshipSince")


def _relationship_filters(viewer: Viewer, q: ClientQuery, sql: _Sql) -> list[str]:
    """Filters that describe the viewing coach's relationship (cc, and r90: see _recent_sessions):
    for any other viewer they match nothing."""
    wanted = (
        q.categories is not None
        or q.service_ids is not None
        or q.relationship_since is not None
        or q.min_sessions_last_90_days is not None
    )
    if not wanted:
        return []
    if viewer.role is not Role.COACH:
        return ["FALSE"]
    where = []
    if q.categories is not None:
        where.append(f"cc.category = ANY({sql.p([c.value for c in q.categories])}::text[])")
    if q.service_ids is not None:
        # Had or has a session (not cancelled) of one of these services with the coach.
        where.append(
            f"EXISTS (SELECT 1 FROM sessions s WHERE s.coach_id = cc.coach_id AND s.client_id = cc.client_id"
            f" AND s.service_id = ANY({sql.p([i for i in q.service_ids if i is not None])}::uuid[]) AND s.status <> '{SessionStatus.CANCELLED.value}')"
        )
    if q.relationship_since is not None:
        # Calendar days in the coach's own zone: from the first day's midnight to the last one's end.
        # The zone by the viewer's id, not cc's: read once for the statement (not per row), so the
        # bounds are constants and coach_clients_coach_since serves the range.
        starts, ends = q.relationship_since
        zone = f"(SELECT co.timezone FROM coaches co WHERE co.id = {sql.p(viewer.coach_id)})" if starts or ends else ""
        if starts is not None:
            where.append(f"cc.created_at >= ({sql.p(starts)}::date::timestamp AT TIME ZONE {zone})")
        if ends is not None:
            where.append(f"cc.created_at < (({sql.p(ends)}::date + 1)::timestamp AT TIME ZONE {zone})")
    if q.min_sessions_last_90_days is not None:
        where.append(f"{ORDER_KEYS['SESSIONS_LAST_90_DAYS'][0]} >= {sql.p(q.min_sessions_last_90_days)}")
    return where


def _recent_sessions(viewer: Viewer, sql: _Sql) -> str:
    """r90: per client, the viewing coach's sessions in the last 90 days (one pass over the
    coach's sessions of those days by sessions_coach_starts, grouped; joined only when read)."""
    now = clock.now()
    return (
        "LEFT JOIN (SELECT s.client_id, count(*) AS n FROM sessions s"
        f" WHERE s.coach_id = {sql.p(viewer.coach_id)} AND s.status IN {SessionStatus.sql(SessionStatus.HAD)}"
        f" AND s.starts_at > {sql.p(now - RECENT)} AND s.starts_at <= {sql.p(now)} GROUP BY s.client_id) r90"
        " ON r90.client_id = cc.client_id"
    )


def _reads_recent_sessions(viewer: Viewer, q: ClientQuery, ordered: bool) -> bool:
    return viewer.role is Role.COACH and (
        (ordered and q.order == "SESSIONS_LAST_90_DAYS") or q.min_sessions_last_90_days is not None
    )


def _where(viewer: Viewer, q: ClientQuery, sql: _Sql) -> list[str]:
    is_coach = viewer.role is Role.COACH
    if is_coach:
        # A coach's relationship rows are their scope (_from drives the list from them): one
        # join, not a semi-join and then a second lookup of the same row.
        where = [sql.scope(access.coach_clients_sql, viewer, "cc")]
    else:
        where = [sql.scope(access.clients_sql, viewer, "c")]
    if q.only_my_clients and not is_coach:
        where.append("FALSE")  # only coaches have relationships
    if q.organisation_id is not None:
        where.append(f"c.organisation_id = {sql.p(q.organisation_id)}")
    where += _relationship_filters(viewer, q, sql)
    if q.search:
        pattern = sql.p(_like(q.search.strip()))
        where.append(f"(lower(c.name) LIKE {pattern} OR lower(c.email) LIKE {pattern})")
    if q.tags:
        where.append(f"c.tags @> {sql.p(list(q.tags))}::text[]")
    if q.any_of:
        now = clock.now()
        options = []
        for option in dict.fromkeys(q.any_of):
            if option == "ACTIVE":
                options.append("c.active")
            elif option == "INACTIVE":
                options.append("NOT c.active")
            elif option == "CREDITS_AVAILABLE":
                options.append("p.balance > 0")
            elif option == "NO_CREDITS":
                options.append("p.balance = 0")
            elif option in ("BOOKED_WITH_ME", "BOOKED_WITH_OTHERS") and is_coach:
                op = "=" if option == "BOOKED_WITH_ME" else "<>"
                options.append(
                    f"EXISTS (SELECT 1 FROM sessions s WHERE s.client_id = {_id(viewer)} AND s.status = '{SessionStatus.CONFIRMED.value}'"
                    f" AND s.starts_at > {sql.p(now)} AND s.coach_id {op} {sql.p(viewer.coach_id)})"
                )
        where.append("(" + " OR ".join(options) + ")" if options else "FALSE")
    return where


# Orders and filters that read the clients table itself (c), or the pool (p); the others read
# only a coach's relationship (cc, and r90).
_CLIENT_ORDERS = {"NAME", "CREATED_AT"}
_CLIENT_OPTIONS = {"ACTIVE", "INACTIVE"}
_POOL_OPTIONS = {"CREDITS_AVAILABLE", "NO_CREDITS"}


def _id(viewer: Viewer) -> str:
    return "cc.client_id" if viewer.role is Role.COACH else "c.id"


def _reads_clients(q: ClientQuery, ordered: bool) -> bool:
    return bool(
        (ordered and q.order in _CLIENT_ORDERS)
        or q.search
        or q.tags
        or q.organisation_id is not None
        or _CLIENT_OPTIONS & set(q.any_of or ())
    )


def _reads_pools(q: ClientQuery, ordered: bool) -> bool:
    return (ordered and q.order == "CREDITS") or bool(_POOL_OPTIONS & set(q.any_of or ()))


def _from(viewer: Viewer, q: ClientQuery, sql: _Sql, *, ordered: bool = True) -> str:
    """Clients with their pool and the viewing coach's relationship (cc, none for other viewers).
    A coach's list joins the pools, the clients table and the recent sessions (r90) only when the
    query (or its order) reads them: every relationship has its client and every client its one
    pool, so leaving a join out changes no row, and an order no index serves (r90's) then sorts
    the relationships alone, not joined to 20,000 pools."""
    if viewer.role is Role.COACH:
        joined = "FROM coach_clients cc"
        if _reads_pools(q, ordered):
            joined += " JOIN credit_pools p ON p.client_id = cc.client_id"
        if _reads_clients(q, ordered):
            joined += " JOIN clients c ON c.id = cc.client_id"
        if _reads_recent_sessions(viewer, q, ordered):
            joined += " " + _recent_sessions(viewer, sql)
        return joined
    return "FROM clients c JOIN credit_pools p ON p.client_id = c.id LEFT JOIN coach_clients cc ON FALSE"


def _order_key(viewer: Viewer, q: ClientQuery) -> tuple[str, cursors.Check]:
    if q.order in RELATIONSHIP_ORDERS and viewer.role is not Role.COACH:
        return ORDER_KEYS["NAME"]
    return ORDER_KEYS[q.order]


def cursor_checks(viewer: Viewer, q: ClientQuery) -> list[cursors.Check]:
    """What the `after` of this list holds: (sort key, id)."""
    return [_order_key(viewer, q)[1], cursors.identifier]


def ordering_name(q: ClientQuery) -> str:
    """The list's ordering as its cursors are bound to it (cursors.binding)."""
    return f"clients:{q.order}:{'desc' if q.descending else 'asc'}"


def _key_param(sql: _Sql, value: Any) -> str:
    # As text: asyncpg sends 0001-01-01 00:00 UTC (the LAST_SESSION stand-in) as -infinity.
    return f"{sql.p(value.isoformat())}::text::timestamptz" if isinstance(value, datetime) else sql.p(value)


def _count(viewer: Viewer, q: ClientQuery) -> tuple[str, list]:
    """totalCount. A coach's list without client-side filters counts relationship rows alone
    (the relationship is the scope): an index range, not a join of every client."""
    if viewer.role is Role.COACH and not (q.any_of or q.search or q.tags or q.organisation_id):
        sql = _Sql()
        from_sql = "FROM coach_clients cc"
        if _reads_recent_sessions(viewer, q, ordered=False):
            from_sql += " " + _recent_sessions(viewer, sql)
        where = [sql.scope(access.coach_clients_sql, viewer, "cc"), *_relationship_filters(viewer, q, sql)]
        return f"SELECT count(*) AS n {from_sql} WHERE {' AND '.join(where)}", sql.params
    sql = _Sql()
    from_sql = _from(viewer, q, sql, ordered=False)
    where = _where(viewer, q, sql)
    return f"SELECT count(*) AS n {from_sql} WHERE {' AND '.join(where)}", sql.params


async def page(viewer: Viewer, q: ClientQuery, first: int, after: list[Any] | None) -> ClientListPage:
    """`after` is the (sort key, id) of the last row of the previous page, as read by
    domain.cursors with cursor_checks()."""
    key_sql, _ = _order_key(viewer, q)
    cursor = after

    conn = connections.get("default")
    total_rows = await conn.execute_query_dict(*_count(viewer, q))

    sql = _Sql()
    from_sql = _from(viewer, q, sql)
    where = _where(viewer, q, sql)
    direction = "DESC" if q.descending else "ASC"
    if cursor is not None:
        op = "<" if q.descending else ">"
        where.append(f"({key_sql}, {_id(viewer)}) {op} ({_key_param(sql, cursor[0])}, {sql.p(cursor[1])})")
    # Choose the page on the narrow join first; enrich only the rows kept (the LIMIT comes before
    # the organisation joins and the wide client rows).
    coach_id = viewer.coach_id if viewer.role is Role.COACH else None
    rows = await conn.execute_query_dict(
        f"WITH page AS (SELECT {_id(viewer)} AS id, {key_sql} AS sort_key {from_sql} WHERE {' AND '.join(where)}"
        f" ORDER BY {key_sql} {direction}, {_id(viewer)} {direction} LIMIT {sql.p(first + 1)}) "
        f"SELECT c.*, page.sort_key, {_EXTRA_COLUMNS} FROM page JOIN clients c ON c.id = page.id "
        f"JOIN credit_pools p ON p.client_id = c.id "
        f"LEFT JOIN coach_clients cc ON cc.client_id = c.id AND cc.coach_id = {sql.p(coach_id)} {_EXTRA_JOINS} "
        f"ORDER BY page.sort_key {direction}, c.id {direction}",
        sql.params,
    )
    has_next = len(rows) > first
    rows = rows[:first]
    result = ClientListPage(
        ids=[r["id"] for r in rows],
        sort_keys=[r["sort_key"] for r in rows],
        total=total_rows[0]["n"],
        has_next=has_next,
    )
    for r in rows:
        _read_row(r, result)
    return result


# Enrichment joined after the filters, for the LIMITed rows only.
_EXTRA_COLUMNS = (
    "p.id AS pool__id, p.balance AS pool__balance, p.updated_at AS pool__updated_at, "
    "cc.id AS rel__id, cc.coach_id AS rel__coach_id, cc.private_notes_enc AS rel__private_notes_enc, "
    "cc.category AS rel__category, cc.category_valid_until AS rel__category_valid_until, "
    "cc.last_session_at AS rel__last_session_at, cc.next_session_at AS rel__next_session_at, "
    f"cc.created_at AS rel__created_at, {eligibility.FACTS_COLUMNS}"
)
_EXTRA_JOINS = eligibility.FACTS_JOINS


def _read_row(r: dict, page: ClientListPage) -> None:
    prefixed = {k for k in r if "__" in k}
    client = models.Client._init_from_db(**{k: v for k, v in r.items() if k not in prefixed and k != "sort_key"})
    page.clients.append(client)
    page.pools[client.id] = models.CreditPool._init_from_db(
        id=r["pool__id"],
        kind="CLIENT",
        client_id=client.id,
        organisation_id=None,
        balance=r["pool__balance"],
        updated_at=r["pool__updated_at"],
    )
    page.relationships[client.id] = (
        None
        if r["rel__id"] is None
        else models.CoachClient._init_from_db(
            id=r["rel__id"],
            coach_id=r["rel__coach_id"],
            client_id=client.id,
            private_notes_enc=r["rel__private_notes_enc"],
            category=r["rel__category"],
            category_valid_until=r["rel__category_valid_until"],
            last_session_at=r["rel__last_session_at"],
            next_session_at=r["rel__next_session_at"],
            created_at=r["rel__created_at"],
        )
    )
    page.facts[client.id] = eligibility.facts_from_row(r)


# ---------------------------------------------------------------------------- session and message facts

_HELD = f"visible AND s.status IN {SessionStatus.sql(SessionStatus.HELD)}"


@dataclass
class Stats:
    total: int = 0
    completed: int = 0
    cancelled: int = 0
    no_shows: int = 0
    revenue_minor: int | None = None
    currency: str | None = None
    booked_with_others: bool = False
    last_90_days: int = 0  # with the viewing coach (coach viewers), as RECENT says


@dataclass
class Summary:
    """A client's sessions as one row of the client list sees them."""

    last: models.Session | None = None  # the latest had (confirmed, completed, no-show) at or before now
    next: models.Session | None = None  # the next pending or confirmed one after now
    stats: Stats = field(default_factory=Stats)


async def summaries(viewer: Viewer, client_ids: list[UUID]) -> dict[UUID, Summary]:
    """Per client, in one query: the last and next session and the counts of the sessions in the
    viewer's scope; revenue: the price of sessions held (completed or no-show) when their services
    are priced in one currency; and, for a coach, whether the client has an upcoming confirmed
    session with another coach (which looks past the scope, as a yes or no only)."""
    scope, params = access.sessions_sql(viewer, "s", 4)
    rows = await connections.get("default").execute_query_dict(
        f"WITH s AS MATERIALIZED (SELECT s.*, ({scope}) AS visible FROM sessions s WHERE s.client_id = ANY($1::uuid[])), "
        "counts AS (SELECT s.client_id, "
        "count(*) FILTER (WHERE visible) AS total, "
        "count(*) FILTER (WHERE visible AND s.status = 'COMPLETED') AS completed, "
        "count(*) FILTER (WHERE visible AND s.status = 'CANCELLED') AS cancelled, "
        "count(*) FILTER (WHERE visible AND s.status = 'NO_SHOW') AS no_shows, "
        f"sum(sv.price_minor) FILTER (WHERE {_HELD}) AS revenue, "
        f"min(sv.currency) FILTER (WHERE {_HELD}) AS currency, "
        f"count(DISTINCT sv.currency) FILTER (WHERE {_HELD}) AS currencies, "
        "bool_or(s.status = 'CONFIRMED' AND s.starts_at > $2 AND s.coach_id <> $3) AS with_others, "
        f"count(*) FILTER (WHERE s.coach_id = $3 AND s.status IN {SessionStatus.sql(SessionStatus.HAD)} "
        f"AND s.starts_at > $2::timestamptz - interval '{RECENT.days * 24} hours' AND s.starts_at <= $2) AS last_90_days "
        "FROM s JOIN services sv ON sv.id = s.service_id GROUP BY s.client_id), "
        f"last AS (SELECT DISTINCT ON (client_id) * FROM s WHERE visible AND status IN {SessionStatus.sql(SessionStatus.HAD)} AND starts_at <= $2 "
        "ORDER BY client_id, starts_at DESC), "
        f"next AS (SELECT DISTINCT ON (client_id) * FROM s WHERE visible AND status IN {SessionStatus.sql(SessionStatus.LIVE)} AND starts_at > $2 "
        "ORDER BY client_id, starts_at ASC) "
        f"SELECT counts.*, {joined.select(models.Session, 'last')}, {joined.select(models.Session, 'next')} FROM counts "
        "LEFT JOIN last ON last.client_id = counts.client_id LEFT JOIN next ON next.client_id = counts.client_id",
        [list(client_ids), clock.now(), viewer.coach_id if viewer.role is Role.COACH else None, *params],
    )
    return {
        r["client_id"]: Summary(
            last=joined.read(models.Session, r, "last"),
            next=joined.read(models.Session, r, "next"),
            stats=Stats(
                total=r["total"],
                completed=r["completed"],
                cancelled=r["cancelled"],
                no_shows=r["no_shows"],
                revenue_minor=r["revenue"] if r["currencies"] == 1 else None,
                currency=r["currency"] if r["currencies"] == 1 else None,
                booked_with_others=viewer.role is Role.COACH and bool(r["with_others"]),
                last_90_days=r["last_90_days"],
            ),
        )
        for r in rows
    }


async def last_messages(
    viewer: Viewer, client_ids: list[UUID]
) -> dict[UUID, tuple[models.Message, models.Conversation, bytes | None]]:
    """Per client, the latest message the viewer may read, with the client's wrapped data key to
    read it by (one query for a page)."""
    scope, params = access.conversations_sql(viewer, "cv", 2)
    rows = await connections.get("default").execute_query_dict(
        "SELECT DISTINCT ON (cv.client_id) m.*, cv.coach_id AS cv__coach_id, cv.client_id AS cv__client_id, "
        "cv.last_message_at AS cv__last_message_at, cv.created_at AS cv__created_at, k.wrapped_key AS k__wrapped_key "
        "FROM messages m JOIN conversations cv ON cv.id = m.conversation_id "
        f"LEFT JOIN client_data_keys k ON k.client_id = cv.client_id WHERE cv.client_id = ANY($1::uuid[]) AND {scope} "
        "ORDER BY cv.client_id, m.sent_at DESC, m.id DESC",
        [list(client_ids), *params],
    )
    found = {}
    for r in rows:
        conversation = models.Conversation._init_from_db(
            id=r["conversation_id"],
            coach_id=r.pop("cv__coach_id"),
            client_id=r.pop("cv__client_id"),
            last_message_at=r.pop("cv__last_message_at"),
            created_at=r.pop("cv__created_at"),
        )
        wrapped = r.pop("k__wrapped_key")
        found[conversation.client_id] = (models.Message._init_from_db(**r), conversation, wrapped)
    return found
