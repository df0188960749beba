"""A coach's own settings."""

from __future__ import annotations

from typing import Any

import models
from domain import validation
from domain.errors import forbidden
from domain.viewer import Viewer
from models.enums import Role


async def update_settings(viewer: Viewer, values: dict[str, Any]) -> models.Coach:
    if viewer.role is not Role.COACH:
        raise forbidden("Only coaches have coach settings.")
    coach = await models.Coach.get(id=viewer.coach_id)
    if values.get("timezone") is not None:
        coach.timezone = validation.timezone_name(values["timezone"])
    if values.get("buffer_minutes") is not None:
        coach.buffer_minutes = validation.int_range(values["buffer_minutes"], "bufferMinutes", low=0, high=240)
    if values.get("auto_confirm") is not None:
        coach.auto_confirm = values["auto_confirm"]
    if values.get("cancellation_window_hours") is not None:
        coach.cancellation_window_hours = validation.int_range(
            values["cancellation_window_hours"], "cancellationWindowHours", low=0, high=336
        )
    if "bio" in values:
        coach.bio = validation.text(values["bio"], "bio", max_length=5000)
    await coach.save()
    return coach
