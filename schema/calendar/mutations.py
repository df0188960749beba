"""Calendar feeds: a new secret address, or none."""

from __future__ import annotations

import strawberry

from domain import calendar
from models.enums import Role
from schema.calendar.types import CalendarFeed, CalendarFeedPayload, ResetCalendarFeedInput
from schema.context import Info
from schema.payloads import returns
from schema.permissions import signed_in


@strawberry.type
class Mutation:
    @strawberry.mutation(
        permission_classes=signed_in(Role.COACH, Role.CLIENT),
        description="A new secret address for the viewer's calendar feed; the previous address stops working at once.",
    )
    @returns(CalendarFeedPayload)
    async def reset_calendar_feed(self, info: Info, input: ResetCalendarFeedInput) -> CalendarFeedPayload:
        feed = await calendar.reset(info.context.viewer, revoke=bool(input.revoke))
        return CalendarFeedPayload(feed=CalendarFeed.of(info, feed) if feed else None)
