"""An organisation's usage over a period: aggregates only, never notes or messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from tortoise import connections


@dataclass
class Usage:
    sessions_booked: int
    sessions_completed: int
    sessions_cancelled: int
    credits_spent: int
    active_members: int


_USAGE_SQL = """
WITH member_sessions AS (
    SELECT s.id, s.status, s.client_id FROM sessions s
    WHERE s.organisation_id = $1 AND ($2::timestamptz IS NULL OR s.starts_at >= $2) AND ($3::timestamptz IS NULL OR s.starts_at < $3)
)
SELECT
    (SELECT count(*) FROM member_sessions) AS booked,
    (SELECT count(*) FROM member_sessions WHERE status = 'COMPLETED') AS completed,
    (SELECT count(*) FROM member_sessions WHERE status = 'CANCELLED') AS cancelled,
    (SELECT count(DISTINCT client_id) FROM member_sessions WHERE status <> 'CANCELLED' AND client_id IS NOT NULL) AS active,
    (SELECT COALESCE(-sum(t.delta), 0) FROM credit_transactions t
      WHERE t.session_id IN (SELECT id FROM member_sessions) AND t.reason IN ('BOOKING', 'REFUND')) AS spent
"""


async def for_organisation(organisation_id: UUID, start: datetime | None, end: datetime | None) -> Usage:
    """Sessions booked for members (the organisation recorded on the session, so deleted and
    erased members still count) starting in [start, end): booked (every one), completed, cancelled;
    credits spent = credits the sessions took, from the members' and the organisation's pools,
    net of refunds; active members = members with a session not cancelled."""
    row = (await connections.get("default").execute_query_dict(_USAGE_SQL, [organisation_id, start, end]))[0]
    return Usage(row["booked"], row["completed"], row["cancelled"], row["spent"], row["active"])
