"""Per-client session facts for the client list, for a whole page in one query each, within the
viewer's session scope (so a coach sees their own relationship, a client their own sessions)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from tortoise import connections

import models
from domain import access, clock
from domain.viewer import Viewer
from models.enums import Role

HAD = "('CONFIRMED', 'COMPLETED', 'NO_SHOW')"
LIVE = "('PENDING', 'CONFIRMED')"


async def around(viewer: Viewer, client_ids: list[UUID]) -> dict[UUID, tuple[models.Session | None, models.Session | None]]:
    """Per client, in one query: the latest session had (confirmed, completed or no-show) at or
    before now, and the next pending or confirmed one after now."""
    scope, params = access.sessions_sql(viewer, "s", 3)
    where = f"s.client_id = ANY($1::uuid[]) AND {scope}"
    rows = await connections.get("default").execute_query_dict(
        f"(SELECT DISTINCT ON (s.client_id) 'last' AS which, s.* FROM sessions s "
        f" WHERE {where} AND s.status IN {HAD} AND s.starts_at <= $2 ORDER BY s.client_id, s.starts_at DESC) "
        f"UNION ALL "
        f"(SELECT DISTINCT ON (s.client_id) 'next' AS which, s.* FROM sessions s "
        f" WHERE {where} AND s.status IN {LIVE} AND s.starts_at > $2 ORDER BY s.client_id, s.starts_at ASC)",
        [list(client_ids), clock.now(), *params],
    )
    found: dict[UUID, list] = {}
    for r in rows:
        which = r.pop("which")
        pair = found.setdefault(r["client_id"], [None, None])
        pair[0 if which == "last" else 1] = models.Session._init_from_db(**r)
    return {client_id: (pair[0], pair[1]) for client_id, pair in found.items()}


@dataclass
class Stats:
    total: int = 0
    completed: int = 0
    cancelled: int = 0
    no_shows: int = 0
    revenue_minor: int | None = None
    currency: str | None = None
    booked_with_others: bool = False


async def stats(viewer: Viewer, client_ids: list[UUID]) -> dict[UUID, Stats]:
    """Counts of the sessions in the viewer's scope; revenue: the price of sessions held
    (completed or no-show) when their services are priced in one currency; and, for a coach,
    whether the client has an upcoming confirmed session with another coach. One query."""
    scope, params = access.sessions_sql(viewer, "s", 4)
    held = f"({scope}) AND s.status IN ('COMPLETED', 'NO_SHOW')"
    rows = await connections.get("default").execute_query_dict(
        "SELECT s.client_id, "
        f"count(*) FILTER (WHERE {scope}) AS total, "
        f"count(*) FILTER (WHERE ({scope}) AND s.status = 'COMPLETED') AS completed, "
        f"count(*) FILTER (WHERE ({scope}) AND s.status = 'CANCELLED') AS cancelled, "
        f"count(*) FILTER (WHERE ({scope}) AND s.status = 'NO_SHOW') AS no_shows, "
        f"sum(sv.price_minor) FILTER (WHERE {held}) AS revenue, "
        f"min(sv.currency) FILTER (WHERE {held}) AS currency, "
        f"count(DISTINCT sv.currency) FILTER (WHERE {held}) AS currencies, "
        "bool_or(s.status = 'CONFIRMED' AND s.starts_at > $2 AND s.coach_id <> $3) AS with_others "
        "FROM sessions s JOIN services sv ON sv.id = s.service_id WHERE s.client_id = ANY($1::uuid[]) "
        "GROUP BY s.client_id",
        [list(client_ids), clock.now(), viewer.coach_id if viewer.role is Role.COACH else None, *params],
    )
    return {
        r["client_id"]: Stats(
            total=r["total"], completed=r["completed"], cancelled=r["cancelled"], no_shows=r["no_shows"],
            revenue_minor=r["revenue"] if r["currencies"] == 1 else None,
            currency=r["currency"] if r["currencies"] == 1 else None,
            booked_with_others=viewer.role is Role.COACH and bool(r["with_others"]),
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
