"""Calendar feeds: the secret iCalendar address a coach or client subscribes to (app.calendar serves it)."""

from __future__ import annotations

from datetime import datetime

import strawberry

import models
from domain import calendar
from schema.context import Info
from schema.errors import UserError

FEED_PATH = "/calendar/{token}.ics"  # app.calendar.PATH


@strawberry.type
class CalendarFeed:
    url: str = strawberry.field(
        description="A secret iCalendar (RFC 5545) address for any calendar app; anyone holding it can read the feed."
    )
    created_at: datetime

    @classmethod
    def of(cls, info: Info, feed: models.CalendarFeed) -> "CalendarFeed | None":
        """The feed with its address (absolute under CASELOAD_PUBLIC_URL); None once no master
        key makes its token any more (a reset gives a new one)."""
        token = calendar.token_of(feed)
        if token is None:
            return None
        path = FEED_PATH.format(token=token)
        base = info.context.settings.public_url
        return cls(url=f"{base}{path}" if base else path, created_at=feed.created_at)


@strawberry.input
class ResetCalendarFeedInput:
    revoke: bool | None = strawberry.field(
        default=False, description="true: stop publishing the feed without making a new address."
    )


@strawberry.type
class CalendarFeedPayload:
    feed: CalendarFeed | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
