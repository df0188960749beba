"""Calendar feeds: the secret iCalendar address a coach or client subscribes to (app.calendar serves it)."""

from __future__ import annotations

from datetime import datetime

import strawberry

import models
from domain import calendar
from schema.context import Info
from schema.errors import UserError

FEED_PATH = "/calendar/{token}.ics"  # app.calendar.PATH


@strawberry.type(
    description="The viewer's calendar subscription: sessions from 30 days back to a year ahead, one event per session, cancelled ones marked CANCELLED."
)
class CalendarFeed:
    url: str = strawberry.field(
        description="A secret iCalendar (RFC 5545) address for any calendar app; anyone holding it can read the feed."
    )
    created_at: datetime = strawberry.field(description="When this address was made (a reset makes a new one).")

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


@strawberry.input(description="A new feed address (the old one stops answering at once), or none.")
class ResetCalendarFeedInput:
    revoke: bool | None = strawberry.field(
        default=False, description="true: stop publishing the feed without making a new address."
    )


@strawberry.type(description="The result of resetCalendarFeed.")
class CalendarFeedPayload:
    feed: CalendarFeed | None = strawberry.field(default=None, description="The new feed; null after a revoke.")
    user_errors: list[UserError] = strawberry.field(description="Why nothing changed, if so.", default_factory=list)
