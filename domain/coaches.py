"""A coach's own settings."""

from __future__ import annotations

from typing import Any

import models
from domain import access, validation
from domain.viewer import Viewer

MAX_RESPONSE_TIME_HOURS = 168  # a week; the coaches_response_time_hours CHECK says the same
MAX_AUTO_REPLY = 2000


async def update_settings(viewer: Viewer, values: dict[str, Any]) -> models.Coach:
    access.only_coaches(viewer, "Only coaches have coach settings.")
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
    if "response_time_hours" in values:  # null: no promise made
        coach.response_time_hours = validation.int_range(
            values["response_time_hours"], "responseTimeHours", low=0, high=MAX_RESPONSE_TIME_HOURS
        )
    if "auto_reply" in values:  # null or blank: no auto-reply
        coach.auto_reply = validation.text(values["auto_reply"], "autoReply", max_length=MAX_AUTO_REPLY)
    await coach.save()
    return coach
