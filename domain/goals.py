"""Goals and action items: set by a coach for a client (or by the client for themself), seen by
the coach who set them and by the client."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import models
from domain import validation
from domain.errors import forbidden, not_found
from domain.viewer import Viewer
from models.enums import GoalStatus, Role


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    if "title" in values:
        cleaned["title"] = validation.text(values["title"], "title", max_length=300, required=True)
    if "description" in values:
        cleaned["description"] = validation.text(values["description"], "description", max_length=5000)
    if values.get("status") is not None:
        cleaned["status"] = GoalStatus(values["status"])
    if "target_date" in values:
        cleaned["target_date"] = values["target_date"]
    return cleaned


async def create_goal(viewer: Viewer, client_id: UUID, values: dict[str, Any]) -> models.Goal:
    """`client_id` is inside the viewer's scope (the resolver checked)."""
    if viewer.role not in (Role.COACH, Role.CLIENT):
        raise forbidden("Coaches and clients set goals.")
    return await models.Goal.create(client_id=client_id, coach_id=viewer.coach_id, **_clean(values))


async def update_goal(viewer: Viewer, goal: models.Goal, values: dict[str, Any]) -> models.Goal:
    for key, value in _clean(values).items():
        setattr(goal, key, value)
    await goal.save()
    return goal


async def add_action_item(
    viewer: Viewer, goal: models.Goal, title: str, due: date | None, session_id: UUID | None
) -> models.ActionItem:
    title = validation.text(title, "title", max_length=300, required=True)
    if session_id is not None and not await models.Session.exists(id=session_id, client_id=goal.client_id):
        raise not_found("Session", "sessionId")
    return await models.ActionItem.create(goal_id=goal.id, title=title, due_date=due, session_id=session_id)


async def set_done(item: models.ActionItem, done: bool) -> models.ActionItem:
    item.done = done
    await item.save(update_fields=["done"])
    return item
