"""Notifications: stored in-app for one user, e-mailed by a worker (outbox job per notification),
and published for live subscriptions. Titles and bodies never quote private text (no message or
note bodies), since they travel by e-mail and through logs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from uuid import UUID
from zoneinfo import ZoneInfo

from tortoise import connections

import models
from domain import clock, events, outbox
from models.enums import EmailStatus, NotificationKind as Kind

EMAIL_JOB = "email_notification"


@dataclass(frozen=True)
class Recipient:
    user_id: UUID
    timezone: str = "UTC"


async def notify(
    recipient: Recipient | None, kind: Kind, title: str, body: str, *, session_id: UUID | None = None,
    dedupe_key: str | None = None,
) -> UUID | None:
    """Record a notification for the recipient (None: nobody to tell, e.g. a client without a
    login) and its e-mail job, in the caller's transaction. With a dedupe key, a second call is a
    no-op (jobs that may run twice). Returns the notification id, or None."""
    if recipient is None:
        return None
    rows = await connections.get("default").execute_query_dict(
        "INSERT INTO notifications (id, user_id, kind, title, body, session_id, dedupe_key, created_at, email_status, email_attempts) "
        "VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, $8, 0) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
        [recipient.user_id, kind.value, title[:300], body, session_id, dedupe_key, clock.now(), EmailStatus.PENDING.value],
    )
    if not rows:
        return None
    notification_id = rows[0]["id"]
    await outbox.add(EMAIL_JOB, str(notification_id), str(notification_id))
    await events.publish_later("notification", notification_id)
    return notification_id


async def coach_recipient(coach_id: UUID) -> Recipient | None:
    row = await models.Coach.filter(id=coach_id).values("user_id", "timezone")
    return Recipient(row[0]["user_id"], row[0]["timezone"]) if row else None


async def client_recipient(client_id: UUID | None, zone: str = "UTC") -> Recipient | None:
    """The client's login, if they have one (clients managed by a coach may have none)."""
    if client_id is None:
        return None
    row = await models.Client.filter(id=client_id, user_id__isnull=False).values("user_id")
    return Recipient(row[0]["user_id"], zone) if row else None


def when(session: models.Session, recipient: Recipient) -> str:
    """A session's start in the recipient's words and zone."""
    return session.starts_at.astimezone(ZoneInfo(recipient.timezone)).strftime("%A %d %B %Y, %H:%M %Z")


# A session's coach or client (the client's login, if any: clients managed by a coach may have
# none), with the coach's timezone, in which both read the session's time.
_SESSION_RECIPIENT = """
SELECT CASE WHEN $3 THEN co.user_id ELSE cl.user_id END AS user_id, co.timezone
FROM coaches co LEFT JOIN clients cl ON cl.id = $2 WHERE co.id = $1
"""


_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def fill(template: str, values: dict[str, str]) -> str:
    """Our own text with its known {placeholders} replaced in one pass. Never str.format: the
    values (a name like `Brace {nickname}`) are inserted as they are, never read as a template."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


async def about_session(
    kind: Kind, session: models.Session, *, to_coach: bool, title: str, body: str, dedupe_key: str | None = None,
    values: dict[str, str] | None = None,
) -> UUID | None:
    """Tell the coach or the client of a session; `body` may use {when} and the `values` given."""
    rows = await connections.get("default").execute_query_dict(_SESSION_RECIPIENT, [session.coach_id, session.client_id, to_coach])
    if not rows or rows[0]["user_id"] is None:
        return None
    recipient = Recipient(rows[0]["user_id"], rows[0]["timezone"])
    return await notify(recipient, kind, title, fill(body, {**(values or {}), "when": when(session, recipient)}), session_id=session.id,
                        dedupe_key=dedupe_key)


async def to_other_side(actor_role, session: models.Session, kind: Kind, title: str, body: str) -> None:
    """Tell whoever did not act: the client when the coach acted, the coach when the client
    did, both when an admin or the system did."""
    from models.enums import Role

    if actor_role is not Role.COACH:
        await about_session(kind, session, to_coach=True, title=title, body=body)
    if actor_role is not Role.CLIENT:
        await about_session(kind, session, to_coach=False, title=title, body=body)


LOW_CREDITS = 1


async def credits_low(client_id: UUID, balance: int) -> None:
    """When a client's own pool falls to 1 or 0."""
    if balance <= LOW_CREDITS:
        recipient = await client_recipient(client_id)
        await notify(recipient, Kind.CREDITS_LOW, "Your credits are running low",
                     f"You have {balance} credit{'s' if balance != 1 else ''} left.")


# ---------------------------------------------------------------------------- e-mail delivery

MAX_EMAIL_ATTEMPTS = 4  # below arq's max_tries (5), so the last attempt can still record FAILED


@dataclass(frozen=True)
class Email:
    notification_id: UUID
    to: str
    subject: str
    body: str
    attempt: int

    @property
    def message_id(self) -> str:
        """Stable per notification: the one duplicate a crash between sending and recording can
        cause carries the same Message-ID, so mail systems and people can recognise it."""
        return f"<notification.{self.notification_id}@caseload>"


async def claim_email(notification_id: UUID) -> Email | None:
    """Count an attempt on a notification still waiting for its e-mail; None when it was sent
    (or given up) already, so a job delivered twice sends nothing twice."""
    rows = await connections.get("default").execute_query_dict(
        "UPDATE notifications n SET email_attempts = n.email_attempts + 1 FROM users u "
        "WHERE n.id = $1 AND n.email_status = 'PENDING' AND u.id = n.user_id "
        "RETURNING u.email, n.title, n.body, n.email_attempts",
        [notification_id],
    )
    if not rows:
        return None
    r = rows[0]
    return Email(notification_id, r["email"], r["title"], r["body"], r["email_attempts"])


async def email_sent(notification_id: UUID) -> None:
    await models.Notification.filter(id=notification_id, email_status=EmailStatus.PENDING).update(
        email_status=EmailStatus.SENT, emailed_at=clock.now()
    )


async def email_failed(notification_id: UUID) -> None:
    await models.Notification.filter(id=notification_id, email_status=EmailStatus.PENDING).update(email_status=EmailStatus.FAILED)
