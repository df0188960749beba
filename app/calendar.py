"""GET /calendar/<token>.ics: a coach's or client's calendar feed (domain.calendar), for calendar
apps that subscribe to it. No sign-in: the secret address is the credential, so the path is kept
out of the logs (app.logs) and each address is throttled."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from app.infra import REQUEST_REDIS_TIMEOUT_SECONDS
from domain import calendar

log = logging.getLogger("caseload.calendar")

PATH = "/calendar/{token}.ics"
# Calendar apps poll every few minutes to hours; this leaves room for several devices and retries.
MAX_REQUESTS = 30
WINDOW_SECONDS = 300
MAX_TOKEN_LENGTH = 100
MEDIA_TYPE = "text/calendar; charset=utf-8"


async def _throttled(redis: Any, token: str) -> int | None:
    """Seconds to wait when this address asked too often in its window, else None. Fail-open
    when Redis does not answer (as the login throttle; the address is a 256-bit secret)."""
    key = "caseload:calendar-feed:" + hashlib.sha256(token.encode()).hexdigest()[:32]

    async def count() -> list:
        pipe = redis.pipeline()
        pipe.set(key, 0, ex=WINDOW_SECONDS, nx=True)  # opens the window once
        pipe.incr(key)
        pipe.ttl(key)
        return await pipe.execute()

    try:
        _, used, ttl = await asyncio.wait_for(count(), REQUEST_REDIS_TIMEOUT_SECONDS)
    except Exception as error:
        log.warning("calendar feed throttle skipped: Redis %s", type(error).__name__)
        return None
    return max(int(ttl), 1) if used > MAX_REQUESTS else None


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    # A weak comparison (RFC 9110 13.1.2): W/"x" matches "x".
    return any(t.strip().removeprefix("W/") == etag for t in if_none_match.split(","))


async def feed(request: Request) -> Response:
    token = request.path_params["token"]
    not_found = PlainTextResponse("Not found.", status_code=404)
    if len(token) > MAX_TOKEN_LENGTH:
        return not_found
    wait = await _throttled(request.app.state.services["redis"], token)
    if wait is not None:
        return PlainTextResponse("Too many requests.", status_code=429, headers={"Retry-After": str(wait)})
    owner = await calendar.owner_of(token)
    if owner is None:
        return not_found
    body = (await calendar.document(owner)).encode("utf-8")
    etag = _etag(body)
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=MEDIA_TYPE, headers=headers)


ROUTE = Route(PATH, feed, methods=["GET"])  # Starlette answers HEAD for a GET route
