"""The coach's daily view: category counts, prompts, and what waits for the coach."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from tortoise import connections

from domain import clock
from models.enums import ClientCategory

FOLLOW_UP_RECENT = [ClientCategory.PREVIOUSLY_BOOKED_0_14]
RE_ENGAGE_OLDER = [ClientCategory.PREVIOUSLY_BOOKED_14_30, ClientCategory.PREVIOUSLY_BOOKED_30_PLUS]
FEEDBACK_TO_REVIEW = timedelta(days=14)


async def category_counts(coach_id: UUID) -> dict[ClientCategory, int]:
    rows = await connections.get("default").execute_query_dict(
        "SELECT category, count(*) AS n FROM coach_clients WHERE coach_id = $1 GROUP BY category", [coach_id]
    )
    found = {r["category"]: r["n"] for r in rows}
    return {category: found.get(category.value, 0) for category in ClientCategory}


@dataclass
class PendingItem:
    kind: str
    since: datetime
    client_id: UUID | None = None
    session_id: UUID | None = None
    proposal_id: UUID | None = None
    message_id: UUID | None = None


_PENDING_SQL = """
SELECT 'CONFIRM_BOOKING' AS kind, s.created_at AS since, s.client_id, s.id AS session_id,
       NULL::uuid AS proposal_id, NULL::uuid AS message_id
  FROM sessions s WHERE s.coach_id = $1 AND s.status = 'PENDING' AND s.starts_at > $2
UNION ALL
SELECT 'RESPOND_TO_PROPOSAL', p.created_at, s.client_id, s.id, p.id, NULL
  FROM reschedule_proposals p JOIN sessions s ON s.id = p.session_id
 WHERE s.coach_id = $1 AND p.status = 'OPEN' AND p.proposed_by = 'CLIENT'
UNION ALL
SELECT 'UNREAD_MESSAGE', m.sent_at, m.client_id, NULL, NULL, m.id
  FROM (SELECT DISTINCT ON (m.conversation_id) m.id, m.sent_at, cv.client_id
          FROM messages m JOIN conversations cv ON cv.id = m.conversation_id
         WHERE cv.coach_id = $1 AND m.sender_role = 'CLIENT' AND m.read_at IS NULL
         ORDER BY m.conversation_id, m.sent_at DESC) m
UNION ALL
SELECT 'REVIEW_FEEDBACK', f.created_at, s.client_id, s.id, NULL, NULL
  FROM feedback f JOIN sessions s ON s.id = f.session_id
 WHERE s.coach_id = $1 AND f.created_at > $3
UNION ALL
SELECT 'ADD_SESSION_NOTES', s.ends_at, s.client_id, s.id, NULL, NULL
  FROM sessions s
 WHERE s.coach_id = $1 AND s.status = 'COMPLETED' AND s.client_id IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM notes n WHERE n.session_id = s.id AND n.coach_id = $1)
ORDER BY since DESC
LIMIT 100
"""


async def pending_actions(coach_id: UUID) -> list[PendingItem]:
    """Bookings to confirm, clients' proposals to answer, unread messages (the latest per
    conversation), fresh feedback, sessions held without notes: newest first, at most 100."""
    now = clock.now()
    rows = await connections.get("default").execute_query_dict(_PENDING_SQL, [coach_id, now, now - FEEDBACK_TO_REVIEW])
    return [PendingItem(**row) for row in rows]
