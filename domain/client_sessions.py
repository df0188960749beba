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


async def _sessions(viewer: Viewer, client_ids: list[UUID], condition: str, order: str) -> dict[UUID, models.Session]:
    scope, params = access.sessions_sql(viewer, "s", 3)
    rows = await connections.get("default").execute_query_dict(
        f"SELECT DISTINCT ON (s.client_id) s.* FROM sessions s "
        f"WHERE s.client_id = ANY($1::uuid[]) AND {condition} AND {scope} ORDER BY s.client_id, s.starts_at {order}",
        [list(client_ids), clock.now(), *params],
    )
    return {r["client_id"]: models.Session._init_from_db(**r) for r in rows}


async def last_sessions(viewer: Viewer, client_ids: list[UUID]) -> dict[UUID, models.Session]:
    """The latest session had (confirmed, completed or no-show) at or before now."""
    return await _sessions(viewer, client_ids, f"s.status IN {HAD} AND s.starts_at <= $2", "DESC")


async def next_sessions(viewer: Viewer, client_ids: list[UUID]) -> dict[UUID, models.Session]:
    """The next pending or confirmed session after now."""
    return await _sessions(viewer, client_ids, f"s.status IN {LIVE} AND s.starts_at > $2", "ASC")


async def booked_with_others(viewer: Viewer, client_ids: list[UUID]) -> set[UUID]:
    """Clients with an upcoming confirmed session with a coach other than the viewing coach."""
    if viewer.role is not Role.COACH:
        return set()
    rows = await connections.get("default").execute_query_dict(
        "SELECT DISTINCT client_id FROM sessions WHERE client_id = ANY($1::uuid[]) AND status = 'CONFIRMED' "
        "AND starts_at > $2 AND coach_id <> $3",
        [list(client_ids), clock.now(), viewer.coach_id],
    )
    return {r["client_id"] for r in rows}


@dataclass
class Stats:
    total: int = 0
    completed: int = 0
    cancelled: int = 0
    no_shows: int = 0
    revenue_minor: int | None = None
    currency: str | None = None


async def stats(viewer: Viewer, client_ids: list[UUID]) -> dict[UUID, Stats]:
    """Counts of the sessions in scope, and revenue: the price of sessions held (completed or
    no-show), when their services have a price in one currency."""
    scope, params = access.sessions_sql(viewer, "s", 2)
    rows = await connections.get("default").execute_query_dict(
        "SELECT s.client_id, count(*) AS total, "
        "count(*) FILTER (WHERE s.status = 'COMPLETED') AS completed, "
        "count(*) FILTER (WHERE s.status = 'CANCELLED') AS cancelled, "
        "count(*) FILTER (WHERE s.status = 'NO_SHOW') AS no_shows, "
        "sum(sv.price_minor) FILTER (WHERE s.status IN ('COMPLETED', 'NO_SHOW')) AS revenue, "
        "min(sv.currency) FILTER (WHERE s.status IN ('COMPLETED', 'NO_SHOW')) AS currency, "
        "count(DISTINCT sv.currency) FILTER (WHERE s.status IN ('COMPLETED', 'NO_SHOW')) AS currencies "
        f"FROM sessions s JOIN services sv ON sv.id = s.service_id WHERE s.client_id = ANY($1::uuid[]) AND {scope} "
        "GROUP BY s.client_id",
        [list(client_ids), *params],
    )
    return {
        r["client_id"]: Stats(
            total=r["total"], completed=r["completed"], cancelled=r["cancelled"], no_shows=r["no_shows"],
            revenue_minor=r["revenue"] if r["currencies"] == 1 else None,
            currency=r["currency"] if r["currencies"] == 1 else None,
        )
        for r in rows
    }
