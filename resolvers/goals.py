"""Goal reads: the goals a viewer may see (domain.access.goals) and their action items."""

from __future__ import annotations

from collections import defaultdict
from uuid import UUID

from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

import models
from domain import access
from domain.viewer import Viewer


def client_goals(viewer: Viewer, client_id: UUID) -> QuerySet[models.Goal]:
    return models.Goal.filter(access.goals(viewer), client_id=client_id).order_by("created_at", "id")


async def visible(viewer: Viewer, goal_id: UUID) -> models.Goal | None:
    """The goal if the viewer may see it."""
    return await models.Goal.filter(access.goals(viewer), id=goal_id).first()


async def visible_many(viewer: Viewer, goal_ids: list[UUID]) -> dict[UUID, models.Goal]:
    return {row.id: row for row in await models.Goal.filter(access.goals(viewer), id__in=goal_ids)}


def _visible_items(viewer: Viewer) -> QuerySet[models.ActionItem]:
    """Action items belong to goals: visible with their goal."""
    return models.ActionItem.filter(goal_id__in=Subquery(models.Goal.filter(access.goals(viewer)).values("id")))


async def visible_action_item(viewer: Viewer, item_id: UUID) -> models.ActionItem | None:
    return await _visible_items(viewer).filter(id=item_id).first()


async def visible_action_items(viewer: Viewer, item_ids: list[UUID]) -> dict[UUID, models.ActionItem]:
    return {row.id: row for row in await _visible_items(viewer).filter(id__in=item_ids)}


async def action_items_of(viewer: Viewer, goal_ids: list[UUID]) -> dict[UUID, list[models.ActionItem]]:
    """Each visible goal's action items, oldest first: one query for a list of goals."""
    found: dict[UUID, list[models.ActionItem]] = defaultdict(list)
    for row in await _visible_items(viewer).filter(goal_id__in=goal_ids).order_by("created_at", "id"):
        found[row.goal_id].append(row)
    return dict(found)
