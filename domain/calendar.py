"""Calendar feeds: a coach's or client's sessions as an iCalendar (RFC 5545) document at a secret
address any calendar app can subscribe to (docs/RULES.md, "Calendar feeds").

The address holds a token worked out from the feed's id with the master keys
(encryption.keyed_digests); the database keeps only a SHA-256 of it, so a copy of the database
alone does not open anyone's feed, while the owner can still be shown their address. A reset
makes a new feed row (a new token) and a revoke deletes it: the old address stops answering at
once. The document is written out by hand below (a few fixed properties, escaped and folded):
500 sessions take about 3 ms, where building them with the icalendar package took about 300 ms
(2 cores, 2026-11), three times the whole feed's budget. The tests read feeds with icalendar."""

from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import dataclass
from datetime import timedelta

from tortoise import connections

import models
from domain import clock, encryption
from domain.errors import forbidden
from domain.locks import retrying
from domain.privacy import DELETED_NAME
from domain.viewer import Viewer
from models.enums import Role, SessionStatus

PAST = timedelta(days=30)
AHEAD = timedelta(days=365)
PRODID = "-//Caseload//Session calendar//EN"
UID_DOMAIN = "caseload"
# Every session in the window is shown, so none vanishes from a calendar when it ends: a pending
# one as TENTATIVE, a cancelled one as CANCELLED, the rest (to come, held, missed) as CONFIRMED.
ICS_STATUS = {SessionStatus.PENDING: "TENTATIVE", SessionStatus.CANCELLED: "CANCELLED"}


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _tokens(feed_id: uuid.UUID) -> list[str]:
    """The feed's token under each master key (newest first)."""
    return [
        base64.urlsafe_b64encode(d).rstrip(b"=").decode("ascii")
        for d in encryption.keyed_digests(b"calendar-feed:" + feed_id.bytes)
    ]


def token_of(feed: models.CalendarFeed) -> str | None:
    """The token of the feed's address; None if no master key still makes it (rotated away)."""
    return next((t for t in _tokens(feed.id) if _digest(t) == feed.token_hash), None)


def _may_have_a_feed(viewer: Viewer) -> None:
    if viewer.role not in (Role.COACH, Role.CLIENT) or viewer.user_id is None or viewer.api_key_id is not None:
        raise forbidden("Only coaches and clients have calendar feeds.")


# One statement that replaces the user's feed row: concurrent resets of one user queue on its
# unique user_id and the last one wins (a delete then an insert made the others collide on it).
_REPLACE_SQL = """
INSERT INTO calendar_feeds (id, user_id, token_hash, created_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (user_id) DO UPDATE SET id = EXCLUDED.id, token_hash = EXCLUDED.token_hash, created_at = EXCLUDED.created_at
"""


@retrying
async def reset(viewer: Viewer, *, revoke: bool = False) -> models.CalendarFeed | None:
    """A new secret address for the viewer's feed (the old one ends), or none when `revoke`."""
    _may_have_a_feed(viewer)
    if revoke:
        await models.CalendarFeed.filter(user_id=viewer.user_id).delete()
        return None
    feed = models.CalendarFeed(id=uuid.uuid4(), user_id=viewer.user_id, created_at=clock.now())
    feed.token_hash = _digest(_tokens(feed.id)[0])
    await connections.get("default").execute_query(
        _REPLACE_SQL, [feed.id, feed.user_id, feed.token_hash, feed.created_at]
    )
    return feed


async def of_viewer(viewer: Viewer) -> models.CalendarFeed | None:
    if viewer.user_id is None or viewer.role not in (Role.COACH, Role.CLIENT):
        return None
    return await models.CalendarFeed.get_or_none(user_id=viewer.user_id)


# ---------------------------------------------------------------------------- the document

_OWNER_SQL = """
SELECT u.role, co.id AS coach_id, co.timezone AS coach_timezone, cl.id AS client_id
  FROM calendar_feeds f JOIN users u ON u.id = f.user_id
  LEFT JOIN coaches co ON co.user_id = u.id
  LEFT JOIN clients cl ON cl.user_id = u.id
 WHERE f.token_hash = $1 AND u.active
"""

# Instants come out as iCalendar UTC DATE-TIMEs, written by PostgreSQL (formatting them in Python
# was a third of a 500-session feed's time).
_ICS_UTC = '\'YYYYMMDD"T"HH24MISS"Z"\''
_SESSIONS_SQL = f"""
SELECT s.id::text AS id, s.status, s.revision,
       to_char(s.starts_at AT TIME ZONE 'UTC', {_ICS_UTC}) AS starts_at,
       to_char(s.ends_at AT TIME ZONE 'UTC', {_ICS_UTC}) AS ends_at,
       to_char(s.created_at AT TIME ZONE 'UTC', {_ICS_UTC}) AS created_at,
       to_char(s.updated_at AT TIME ZONE 'UTC', {_ICS_UTC}) AS updated_at,
       sv.name AS service, co.name AS coach, co.timezone, c.name AS client, cc.id IS NOT NULL AS coach_knows_client
  FROM sessions s
  JOIN services sv ON sv.id = s.service_id
  JOIN coaches co ON co.id = s.coach_id
  LEFT JOIN clients c ON c.id = s.client_id
  LEFT JOIN coach_clients cc ON cc.coach_id = s.coach_id AND cc.client_id = s.client_id
 WHERE {{owner}} = $1 AND s.starts_at >= $2 AND s.starts_at < $3
 ORDER BY s.starts_at, s.id
"""


@dataclass(frozen=True)
class Owner:
    role: Role
    owner_id: uuid.UUID
    timezone: str | None  # a coach's own zone; a client's sessions each carry their coach's


async def owner_of(token: str) -> Owner | None:
    """Whose feed the token opens, if any (an unknown token, a revoked or reset one, or a
    deactivated user's: None)."""
    rows = await connections.get("default").execute_query_dict(_OWNER_SQL, [_digest(token)])
    if not rows:
        return None
    row = rows[0]
    if row["role"] == Role.COACH.value and row["coach_id"] is not None:
        return Owner(Role.COACH, row["coach_id"], row["coach_timezone"])
    if row["role"] == Role.CLIENT.value and row["client_id"] is not None:
        return Owner(Role.CLIENT, row["client_id"], None)
    return None


async def document(owner: Owner) -> str:
    """The owner's sessions from 30 days back to a year ahead as one iCalendar document."""
    now = clock.now()
    column = "s.coach_id" if owner.role is Role.COACH else "s.client_id"
    rows = await connections.get("default").execute_query_dict(
        _SESSIONS_SQL.format(owner=column), [owner.owner_id, now - PAST, now + AHEAD]
    )
    return render(owner, rows)


def short_name(name: str | None) -> str:
    """A client as a coach's feed names them: first name and initial ("Casey C.")."""
    parts = (name or "").split()
    if not parts:
        return DELETED_NAME
    return f"{parts[0]} {parts[-1][0]}." if len(parts) > 1 else parts[0]


def _text(value: str) -> str:
    """A TEXT value, escaped (RFC 5545 3.3.11)."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _fold(line: str) -> str:
    """A content line folded at 75 octets (RFC 5545 3.1), never inside a UTF-8 character."""
    if len(line) <= 75 and line.isascii():
        return line
    parts: list[str] = []
    current: list[str] = []
    size, limit = 0, 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, 74  # continuation lines start with a space
        current.append(char)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts)


def render(owner: Owner, rows: list[dict]) -> str:
    """The document from rows as _SESSIONS_SQL reads them (instants already as UTC DATE-TIMEs)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Caseload sessions",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
    ]
    if owner.timezone:
        # Times are UTC (so no VTIMEZONE is needed); the coach's zone is named for display.
        lines.append(f"X-WR-TIMEZONE:{_text(owner.timezone)}")
    for r in rows:
        status = SessionStatus(r["status"])
        if owner.role is Role.COACH:
            who = short_name(r["client"]) if r["coach_knows_client"] else DELETED_NAME
            summary = f"{r['service']} with {who}"
        else:
            summary = f"{r['service']} with {r['coach']}"
        lines += [
            "BEGIN:VEVENT",
            f"UID:{r['id']}@{UID_DOMAIN}",
            f"DTSTAMP:{r['updated_at']}",
            f"CREATED:{r['created_at']}",
            f"LAST-MODIFIED:{r['updated_at']}",
            f"SEQUENCE:{r['revision']}",
            f"DTSTART:{r['starts_at']}",
            f"DTEND:{r['ends_at']}",
            _fold(f"SUMMARY:{_text(summary)}"),
            f"STATUS:{ICS_STATUS.get(status, 'CONFIRMED')}",
            f"TRANSP:{'TRANSPARENT' if status is SessionStatus.CANCELLED else 'OPAQUE'}",
            _fold("COMMENT:" + _text(f"Times in UTC; the coach works in {r['timezone']}.")),
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"
