"""The activity timeline: one row per profile, session, note, message, credit or feedback event."""

from __future__ import annotations

from uuid import UUID

from tortoise import connections

from domain import clock
from domain.viewer import Viewer
from models.enums import ActivityKind


async def record(
    kind: ActivityKind,
    *,
    client_id: UUID | None,
    summary: str,
    actor: Viewer | None,
    coach_id: UUID | None = None,
    session_id: UUID | None = None,
    visible_to_client: bool = True,
    using_db=None,
) -> None:
    """`coach_id` keeps an event inside one coach's practice (e.g. a private note); None shares
    it with every coach of the client. Summaries never quote private text. One plain INSERT: it
    is on every write path (bookings among them)."""
    await (using_db or connections.get("default")).execute_query(
        "INSERT INTO activity_events (id, kind, client_id, coach_id, session_id, actor_id, actor_name, summary, "
        "visible_to_client, occurred_at) VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, $8, $9)",
        [
            kind.value,
            client_id,
            coach_id,
            session_id,
            actor.user_id if actor else None,
            actor.name if actor else None,
            summary[:500],
            visible_to_client,
            clock.now(),
        ],
    )
