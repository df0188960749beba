"""Per-client session facts for the client list, for a whole page in one query each, within the
viewer's session scope (so a coach sees their own relationship, a client their own sessions)."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from tortoise import connections

import models
from domain import access, clock, joined
from domain.viewer import Viewer
from models.enums import Role, SessionStatus

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
        "bool_or(s.status = 'CONFIRMED' AND s.starts_at > $2 AND s.coach_id <> $3) AS with_others "
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
            last=joined.read(models.Session, r, "last"), next=joined.read(models.Session, r, "next"),
            stats=Stats(
                total=r["total"], completed=r["completed"], cancelled=r["cancelled"], no_shows=r["no_shows"],
                revenue_minor=r["revenue"] if r["currencies"] == 1 else None,
                currency=r["currency"] if r["currencies"] == 1 else None,
                booked_with_others=viewer.role is Role.COACH and bool(r["with_others"]),
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
            id=r["conversation_id"], coach_id=r.pop("cv__coach_id"), client_id=r.pop("cv__client_id"),
            last_message_at=r.pop("cv__last_message_at"), created_at=r.pop("cv__created_at"),
        )
        wrapped = r.pop("k__wrapped_key")
        found[conversation.client_id] = (models.Message._init_from_db(**r), conversation, wrapped)
    return found
