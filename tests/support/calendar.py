"""Calendar feeds: resetting one through the API and fetching its address as a calendar app does."""

from __future__ import annotations

import contextlib
import logging

import httpx
from icalendar import Calendar

from tests.support.logs import LOG_SECRETS

RESET_FEED = """mutation($i: ResetCalendarFeedInput!) { resetCalendarFeed(input: $i) {
  feed { url createdAt } userErrors { code field message } } }"""
VIEWER_FEED = "{ viewer { calendarFeed { url createdAt } } }"


async def reset_feed(api, actor, *, revoke: bool = False) -> str | None:
    """The viewer's new feed address (None after a revoke). The address is a credential: the
    suite-wide log check must find it nowhere."""
    data = await api.ok(RESET_FEED, {"i": {"revoke": revoke}}, actor.token)
    assert data["resetCalendarFeed"]["userErrors"] == [], data
    feed = data["resetCalendarFeed"]["feed"]
    if feed is None:
        return None
    LOG_SECRETS.add(feed["url"].rsplit("/", 1)[1].removesuffix(".ics"))
    return feed["url"]


@contextlib.contextmanager
def _quiet_test_client():
    """httpx logs every request line at INFO: the test's own client, not the app, would write the
    secret address into the log the canary check reads."""
    logger = logging.getLogger("httpx")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


async def get_feed(api, url: str, headers: dict | None = None) -> httpx.Response:
    with _quiet_test_client():
        return await api.http.get(url, headers=headers or {})


def events(response: httpx.Response) -> dict[str, dict]:
    """The feed's events by UID (asserting each UID appears once): start, end, status, summary, sequence."""
    calendar = Calendar.from_ical(response.content)
    found: dict[str, dict] = {}
    for event in calendar.walk("VEVENT"):
        uid = str(event["UID"])
        assert uid not in found, f"UID {uid} twice"
        found[uid] = {
            "start": event.decoded("DTSTART"),
            "end": event.decoded("DTEND"),
            "status": str(event["STATUS"]),
            "summary": str(event["SUMMARY"]),
            "sequence": int(event["SEQUENCE"]),
        }
    return found
