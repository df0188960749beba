"""Sessions and their reschedule proposals: what a viewer may read of them, as querysets and rows."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

import models
from domain import access
from domain.viewer import Viewer
from models.enums import SessionStatus


def sessions(
    viewer: Viewer,
    *,
    of_client: UUID | None = None,
    statuses: list[SessionStatus] | None = None,
    starts_from: datetime | None = None,
    starts_before: datetime | None = None,
    client_id: UUID | None = None,
    coach_id: UUID | None = None,
) -> QuerySet[models.Session]:
    """The viewer's sessions (of one client when `of_client` is given), narrowed by whichever of
    the filters are given."""
    query = models.Session.filter(access.sessions(viewer))
    if of_client is not None:
        query = query.filter(client_id=of_client)
    if statuses:
        query = query.filter(status__in=[s.value for s in statuses])
    if starts_from is not None:
        query = query.filter(starts_at__gte=starts_from)
    if starts_before is not None:
        query = query.filter(starts_at__lt=starts_before)
    if client_id is not None:
        query = query.filter(client_id=client_id)
    if coach_id is not None:
        query = query.filter(coach_id=coach_id)
    return query


async def visible(viewer: Viewer, session_id: UUID) -> models.Session | None:
    """The session if the viewer may see it."""
    return await models.Session.filter(access.sessions(viewer), id=session_id).first()


def visible_sessions(viewer: Viewer, ids: list[UUID]) -> QuerySet[models.Session]:
    return models.Session.filter(access.sessions(viewer), id__in=ids)


async def visible_proposal(viewer: Viewer, proposal_id: UUID) -> models.RescheduleProposal | None:
    """A proposal on a session the viewer may see."""
    in_scope = Subquery(models.Session.filter(access.sessions(viewer)).values("id"))
    return await models.RescheduleProposal.get_or_none(id=proposal_id, session_id__in=in_scope)


def proposals(session_id: UUID) -> QuerySet[models.RescheduleProposal]:
    """The proposals on a session already in scope, oldest first."""
    return models.RescheduleProposal.filter(session_id=session_id).order_by("created_at", "id")


def series_in_scope(viewer: Viewer) -> QuerySet[models.SessionSeries]:
    """Series scoped like sessions (access.series)."""
    return models.SessionSeries.filter(access.series(viewer))


async def visible_series(viewer: Viewer, series_id: UUID) -> models.SessionSeries | None:
    return await series_in_scope(viewer).filter(id=series_id).first()


def series_sessions(viewer: Viewer, series_id: UUID) -> QuerySet[models.Session]:
    """A series' sessions the viewer may see (cancelled ones included)."""
    return models.Session.filter(access.sessions(viewer), series_id=series_id)
