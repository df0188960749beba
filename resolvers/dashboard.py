"""Dashboard reads: what a coach's daily view lists, scoped like every other read."""

from __future__ import annotations

from uuid import UUID

from tortoise.expressions import Subquery

import models
from domain import access, clock
from domain.viewer import Viewer
from models.enums import ActivityKind as Kind
from models.enums import SessionStatus as Status

RECENT_KINDS = [
    Kind.SESSION_BOOKED,
    Kind.SESSION_COMPLETED,
    Kind.SESSION_CANCELLED,
    Kind.MESSAGE_SENT,
    Kind.FEEDBACK_RECEIVED,
]


async def upcoming_sessions(viewer: Viewer, limit: int) -> list[models.Session]:
    """The viewing coach's pending and confirmed sessions still to come, soonest first."""
    return (
        await models.Session.filter(
            access.sessions(viewer),
            coach_id=viewer.coach_id,
            status__in=[Status.PENDING, Status.CONFIRMED],
            starts_at__gt=clock.now(),
        )
        .order_by("starts_at", "id")
        .limit(limit)
    )


async def recent_activity(viewer: Viewer, limit: int) -> list[models.ActivityEvent]:
    return (
        await models.ActivityEvent.filter(access.activity(viewer), kind__in=RECENT_KINDS)
        .order_by("-occurred_at", "-id")
        .limit(limit)
    )


async def message(viewer: Viewer, message_id: UUID) -> models.Message | None:
    """A message in one of the viewer's conversations, with its conversation."""
    conversations = models.Conversation.filter(access.conversations(viewer)).values("id")
    return (
        await models.Message.filter(id=message_id, conversation_id__in=Subquery(conversations))
        .select_related("conversation")
        .first()
    )


async def proposal(viewer: Viewer, proposal_id: UUID) -> models.RescheduleProposal | None:
    """A reschedule proposal on one of the viewer's sessions."""
    sessions = models.Session.filter(access.sessions(viewer)).values("id")
    return await models.RescheduleProposal.filter(id=proposal_id, session_id__in=Subquery(sessions)).first()
