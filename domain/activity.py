"""The activity timeline: one row per profile, session, note, message, credit or feedback event."""

from __future__ import annotations

from uuid import UUID

import models
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
) -> models.ActivityEvent:
    """`coach_id` keeps an event inside one coach's practice (e.g. a private note); None shares
    it with every coach of the client. Summaries never quote private text."""
    return await models.ActivityEvent.create(
        kind=kind,
        client_id=client_id,
        coach_id=coach_id,
        session_id=session_id,
        actor_id=actor.user_id if actor else None,
        actor_name=actor.name if actor else None,
        summary=summary[:500],
        visible_to_client=visible_to_client,
        occurred_at=clock.now(),
        using_db=using_db,
    )
