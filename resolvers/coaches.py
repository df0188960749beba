"""Coaches: the roster within scope, and a coach's own settings."""

from __future__ import annotations

import models
from domain import access, coaches as coach_domain
from resolvers.payloads import given, returns
from schema.pagination import Ordering, paginate
from schema.types.coach import Coach, CoachConnection, CoachPayload, UpdateCoachSettingsInput

BY_NAME = Ordering((("name", False), ("id", False)))


async def coaches(info, first, after, kind) -> CoachConnection:
    query = models.Coach.filter(access.coaches(info.context.viewer))
    if kind is not None:
        query = query.filter(kind=kind.value)
    page = await paginate(query, BY_NAME, first, after)
    return CoachConnection.of(page, [Coach.from_model(r) for r in page.rows])


@returns(CoachPayload)
async def update_coach_settings(info, input: UpdateCoachSettingsInput) -> CoachPayload:  # noqa: A002
    values = given(input, "timezone", "buffer_minutes", "auto_confirm", "cancellation_window_hours", "bio")
    row = await coach_domain.update_settings(info.context.viewer, values)
    return CoachPayload(coach=Coach.from_model(row))
