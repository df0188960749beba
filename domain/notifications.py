"""Notifications: stored in-app for one user, e-mailed by a worker (outbox job per notification),
and published for live subscriptions. Titles and bodies never quote private text (no message or
note bodies), since they travel by e-mail and through logs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from tortoise import connections

import models
from domain import access, clock, encryption, events, outbox
from domain.locks import retrying
from domain.transactions import transaction
from domain.viewer import Viewer
from models.enums import EmailStatus, Role
from models.enums import NotificationKind as Kind

EMAIL_JOB = "email_notification"


@dataclass(frozen=True)
class Recipient:
    user_id: UUID
    timezone: str = "UTC"


async def notify(
    recipient: Recipient | None,
    kind: Kind,
    title: str,
    body: str,
    *,
    session_id: UUID | None = None,
    dedupe_key: str | None = None,
    names_client_id: UUID | None = None,
) -> UUID | None:
    """Record a notification for the recipient (None: nobody to tell, e.g. a client without a
    login) and its e-mail job, in the caller's transaction. With a dedupe key, a second call is a
    no-op (jobs that may run twice). `names_client_id`: the client the text names, if any besides
    a session's (erasure replaces their name by it). Returns the notification id, or None."""
    if recipient is None:
        return None
    rows = await connections.get("default").execute_query_dict(
        "INSERT INTO notifications (id, user_id, kind, title, body, session_id, names_client_id, dedupe_key, created_at, "
        "email_status, email_attempts) "
        "VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, $8, $9, 0) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
        [
            recipient.user_id,
            kind.value,
            title[:300],
            body,
            session_id,
            names_client_id,
            dedupe_key,
            clock.now(),
            EmailStatus.PENDING.value,
        ],
    )
    if not rows:
        return None
    notification_id = rows[0]["id"]
    await outbox.add(EMAIL_JOB, str(notification_id), str(notification_id))
    await events.publish_later("notification", notification_id)
    return notification_id


async def account_email(kind: Kind, account_token_id: UUID, title: str, body: str) -> UUID:
    """An e-mail-only notification carrying an invitation or reset code, in the caller's
    transaction. It has no user (so no viewer lists it, and nothing is published) and its text
    holds no code: the worker adds the code, unsealed from the token's row, when it sends
    (`claim_email`), and the sealed copy is erased once e-mailed or given up (`email_sent`,
    `email_failed`)."""
    rows = await connections.get("default").execute_query_dict(
        "INSERT INTO notifications (id, user_id, account_token_id, kind, title, body, created_at, email_status, email_attempts) "
        "VALUES (gen_random_uuid(), NULL, $1, $2, $3, $4, $5, $6, 0) RETURNING id",
        [account_token_id, kind.value, title, body, clock.now(), EmailStatus.PENDING.value],
    )
    notification_id = rows[0]["id"]
    await outbox.add(EMAIL_JOB, str(notification_id), str(notification_id))
    return notification_id


# The coach's login, or the client's (if any: clients managed by a coach may have none); both
# read times in the coach's zone when a coach is named, else in UTC.
_RECIPIENT = """
SELECT CASE WHEN $3 THEN co.user_id ELSE cl.user_id END AS user_id, COALESCE(co.timezone, 'UTC') AS timezone
FROM (SELECT 1) AS one LEFT JOIN coaches co ON co.id = $1 LEFT JOIN clients cl ON cl.id = $2
"""


async def recipient(*, to_coach: bool, coach_id: UUID | None = None, client_id: UUID | None = None) -> Recipient | None:
    """Who to tell: the coach (`to_coach`) or the client; None when they have no login."""
    if (coach_id if to_coach else client_id) is None:
        return None
    rows = await connections.get("default").execute_query_dict(_RECIPIENT, [coach_id, client_id, to_coach])
    return Recipient(rows[0]["user_id"], rows[0]["timezone"]) if rows and rows[0]["user_id"] is not None else None


def when(session: models.Session, recipient: Recipient) -> str:
    """A session's start in the recipient's words and zone."""
    return session.starts_at.astimezone(ZoneInfo(recipient.timezone)).strftime("%A %d %B %Y, %H:%M %Z")


_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def fill(template: str, values: dict[str, str]) -> str:
    """Our own text with its known {placeholders} replaced in one pass. Never str.format: the
    values (a name like `Brace {nickname}`) are inserted as they are, never read as a template."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


async def about_session(
    kind: Kind,
    session: models.Session,
    *,
    to_coach: bool,
    title: str,
    body: str,
    dedupe_key: str | None = None,
    values: dict[str, str] | None = None,
) -> UUID | None:
    """Tell the coach or the client of a session; `body` may use {when} and the `values` given."""
    told = await recipient(to_coach=to_coach, coach_id=session.coach_id, client_id=session.client_id)
    if told is None:
        return None
    return await notify(
        told,
        kind,
        title,
        fill(body, {**(values or {}), "when": when(session, told)}),
        session_id=session.id,
        dedupe_key=dedupe_key,
    )


async def to_other_side(actor_role, session: models.Session, kind: Kind, title: str, body: str) -> None:
    """Tell whoever did not act: the client when the coach acted, the coach when the client
    did, both when an admin or the system did."""
    if actor_role is not Role.COACH:
        await about_session(kind, session, to_coach=True, title=title, body=body)
    if actor_role is not Role.CLIENT:
        await about_session(kind, session, to_coach=False, title=title, body=body)


LOW_CREDITS = 1


async def credits_low(client_id: UUID, balance: int) -> None:
    """When a client's own pool falls to 1 or 0."""
    if balance <= LOW_CREDITS:
        await notify(
            await recipient(to_coach=False, client_id=client_id),
            Kind.CREDITS_LOW,
            "Your credits are running low",
            f"You have {balance} credit{'s' if balance != 1 else ''} left.",
        )


async def mark_read(viewer: Viewer, notification_ids: list[UUID]) -> int:
    """Mark the viewer's own unread notifications among these as read (others' ids change
    nothing); returns how many changed. One statement."""
    if not notification_ids:
        return 0
    return await models.Notification.filter(
        access.notifications(viewer), id__in=notification_ids, read_at__isnull=True
    ).update(read_at=clock.now())


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


# The claim counts an attempt; the recipient is the user's address, or for an e-mail-only
# notification the address its account token was issued to, with that token's sealed code.
_CLAIM_EMAIL = """
WITH claimed AS (
    UPDATE notifications SET email_attempts = email_attempts + 1
    WHERE id = $1 AND email_status = 'PENDING'
    RETURNING id, user_id, account_token_id, title, body, email_attempts
)
SELECT COALESCE(u.email, t.email) AS email, c.title, c.body, c.email_attempts, c.account_token_id, t.sealed_token
FROM claimed c LEFT JOIN users u ON u.id = c.user_id LEFT JOIN account_tokens t ON t.id = c.account_token_id
"""


async def claim_email(notification_id: UUID) -> Email | None:
    """Count an attempt on a notification still waiting for its e-mail; None when it was sent
    (or given up) already, so a job delivered twice sends nothing twice. An invitation or reset
    whose code is gone (used, replaced, expired with its client erased) is given up, unsent."""
    rows = await connections.get("default").execute_query_dict(_CLAIM_EMAIL, [notification_id])
    if not rows:
        return None
    r = rows[0]
    body = r["body"]
    if r["account_token_id"] is not None:
        code = encryption.unseal(r["sealed_token"])
        if code is None or r["email"] is None:
            await email_failed(notification_id, "code no longer valid")
            return None
        body = f"{body}\n\n{code}\n"  # appended, never formatted into the text
    elif r["email"] is None:
        return None
    return Email(notification_id, r["email"], r["title"], body, r["email_attempts"])


# Once the e-mail is out (or given up), the sealed code has done its work: erase it.
_FORGET_SEALED = (
    "UPDATE account_tokens SET sealed_token = NULL WHERE sealed_token IS NOT NULL "
    "AND id = (SELECT account_token_id FROM notifications WHERE id = $1)"
)


@retrying
async def email_sent(notification_id: UUID) -> None:
    async with transaction():
        await models.Notification.filter(id=notification_id, email_status=EmailStatus.PENDING).update(
            email_status=EmailStatus.SENT, emailed_at=clock.now()
        )
        await connections.get("default").execute_query(_FORGET_SEALED, [notification_id])


@retrying
async def email_failed(notification_id: UUID, reason: str) -> None:
    """Given up for good. `reason` is for operators ("SMTP 550", "invalid header"): never an
    address or any of the notification's text."""
    async with transaction():
        await models.Notification.filter(id=notification_id, email_status=EmailStatus.PENDING).update(
            email_status=EmailStatus.FAILED, email_failure=reason[:64]
        )
        await connections.get("default").execute_query(_FORGET_SEALED, [notification_id])


# Past every attempt a live job can make (4 attempts, back-off 2+4+8 s, 10 s SMTP timeouts), so an
# e-mail still PENDING this long after its notification lost its job (Redis restarted empty) or
# the job died each time (arq gives up after its own tries, recording nothing).
EMAIL_STUCK_AFTER = timedelta(minutes=10)
REDRIVE_BATCH = 500


@retrying
async def redrive_stuck_emails() -> int:
    """Give every e-mail stuck in PENDING its job again (through the outbox); one that has used its
    attempts without an answer is FAILED instead, so none waits for ever. Returns jobs re-armed."""
    cutoff = clock.now() - EMAIL_STUCK_AFTER
    conn = connections.get("default")
    async with transaction():
        await conn.execute_query(
            "WITH failed AS (UPDATE notifications SET email_status = 'FAILED', email_failure = $3 "
            "WHERE email_status = 'PENDING' AND created_at < $1 AND email_attempts >= $2 "
            "RETURNING account_token_id) "
            "UPDATE account_tokens SET sealed_token = NULL WHERE id IN (SELECT account_token_id FROM failed)",
            [cutoff, MAX_EMAIL_ATTEMPTS, f"no answer after {MAX_EMAIL_ATTEMPTS} attempts"],
        )
        rows = await conn.execute_query_dict(
            "SELECT id FROM notifications WHERE email_status = 'PENDING' AND created_at < $1 "
            "ORDER BY created_at LIMIT $2",
            [cutoff, REDRIVE_BATCH],
        )
        for row in rows:
            await outbox.add(EMAIL_JOB, str(row["id"]), str(row["id"]))
    return len(rows)
