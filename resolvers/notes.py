"""Notes and the client timeline: what a viewer may read of them, as querysets and rows."""

from __future__ import annotations

from uuid import UUID

from tortoise.queryset import QuerySet

import models
from domain import access
from domain.viewer import Viewer
from models.enums import ActivityKind


def client_notes(viewer: Viewer, client_id: UUID) -> QuerySet[models.Note]:
    return models.Note.filter(access.notes(viewer), client_id=client_id)


def client_timeline(
    viewer: Viewer, client_id: UUID, kinds: list[ActivityKind] | None
) -> QuerySet[models.ActivityEvent]:
    query = models.ActivityEvent.filter(access.activity(viewer), client_id=client_id)
    return query.filter(kind__in=[k.value for k in kinds]) if kinds else query


async def own_note(viewer: Viewer, note_id: UUID) -> models.Note | None:
    """A note the viewing coach wrote (the only notes anyone may change)."""
    if viewer.coach_id is None:
        return None
    return await models.Note.filter(access.notes(viewer), id=note_id, coach_id=viewer.coach_id).first()


def session_notes(viewer: Viewer, session_id: UUID) -> QuerySet[models.Note]:
    """The notes on a session the viewer may read, oldest first."""
    return models.Note.filter(access.notes(viewer), session_id=session_id).order_by("created_at", "id")
