"""Live events for subscriptions. A change records a `publish_event` job in its transaction; a
worker publishes it on Redis pub/sub after the commit, and every API process relays it to its
own sockets, each checked against that socket's viewer. Events carry a kind and an id only."""

from __future__ import annotations

from uuid import UUID

from domain import categories, clock, outbox

PUBLISH_JOB = "publish_event"
CHANNEL = "caseload:events"


async def publish_later(kind: str, object_id: UUID) -> None:
    # The instant keeps each change its own job id (an object changes many times).
    await outbox.add(PUBLISH_JOB, f"{kind}:{object_id}:{clock.now().timestamp()}", kind, str(object_id))


async def session_changed(session_id: UUID, coach_id: UUID, client_id: UUID | None) -> None:
    """Everything that follows a change to a session: its pair's category and a live event."""
    await categories.sessions_changed(coach_id, client_id)
    await publish_later("session", session_id)
