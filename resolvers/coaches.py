"""Coaches: the roster a viewer may see and a coach's services, weekly availability and time off,
as querysets and rows."""

from __future__ import annotations

from uuid import UUID

from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

import models
from domain import access
from domain.viewer import Viewer
from models.enums import CoachKind


def coaches(viewer: Viewer, kind: CoachKind | None = None) -> QuerySet[models.Coach]:
    query = models.Coach.filter(access.coaches(viewer))
    return query.filter(kind=kind.value) if kind is not None else query


def visible_coaches(viewer: Viewer, ids: list[UUID]) -> QuerySet[models.Coach]:
    return coaches(viewer).filter(id__in=ids)


def visible_services(viewer: Viewer, ids: list[UUID]) -> QuerySet[models.Service]:
    """Services of coaches on the viewer's roster."""
    return models.Service.filter(id__in=ids, coach_id__in=Subquery(coaches(viewer).values("id")))


async def bookable_service(viewer: Viewer, service_id: UUID) -> models.Service | None:
    """An active service of a coach on the viewer's roster."""
    return await models.Service.get_or_none(
        id=service_id, active=True, coach_id__in=Subquery(coaches(viewer).values("id"))
    )


async def own_service(viewer: Viewer, service_id: UUID) -> models.Service | None:
    """A service of the viewing coach (the only services anyone may change or log sessions of)."""
    if viewer.coach_id is None:
        return None
    return await models.Service.get_or_none(id=service_id, coach_id=viewer.coach_id)


async def coach(coach_id: UUID) -> models.Coach:
    """A coach already reached through something in scope (the viewer, a service, a session)."""
    return await models.Coach.get(id=coach_id)


def services(coach_id: UUID, include_inactive: bool) -> QuerySet[models.Service]:
    query = models.Service.filter(coach_id=coach_id)
    return (query if include_inactive else query.filter(active=True)).order_by("name", "id")


def availability(coach_id: UUID) -> QuerySet[models.AvailabilityRule]:
    return models.AvailabilityRule.filter(coach_id=coach_id).order_by("weekday", "start_time")


def time_off(coach_id: UUID) -> QuerySet[models.TimeOff]:
    return models.TimeOff.filter(coach_id=coach_id).order_by("starts_at")
