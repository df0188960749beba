"""E-mailing notifications over SMTP (aiosmtplib), with retries and back-off for transient faults.

Guarantee: a notification recorded as e-mailed is never e-mailed again, whatever runs twice. A
crash between the SMTP server accepting a message and the database recording it can repeat that
one e-mail; it carries the same Message-ID (derived from the notification) so it is recognisable.
With no SMTP server configured, e-mails are written to the log (kind and id, never the body)."""

from __future__ import annotations

import logging
from email.errors import MessageError
from email.message import EmailMessage
from uuid import UUID

import aiosmtplib
from arq import Retry

from domain import notifications
from workers.outbox import push_written

log = logging.getLogger("caseload.email")

RETRY_BASE_SECONDS = 2.0  # back-off: 2, 4, 8 s between attempts


def _backoff(attempt: int) -> float:
    return RETRY_BASE_SECONDS * 2 ** (attempt - 1)


def _message(email: notifications.Email, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email.to
    message["Subject"] = email.subject
    message["Message-ID"] = email.message_id
    message.set_content(email.body)
    return message


async def email_notification(ctx: dict, notification_id: str) -> str:
    settings = ctx["settings"]
    email = await notifications.claim_email(UUID(notification_id))
    if email is None:
        return "nothing to send"
    try:
        message = _message(email, settings.smtp_sender)
    except (ValueError, MessageError):  # e.g. a line break in a header: no retry can fix it
        return await _failed(email, "invalid header")
    if not settings.smtp_host:
        log.info("e-mail (no SMTP server configured) for notification %s", notification_id)
        await notifications.email_sent(email.notification_id)
        return "logged"
    try:
        await aiosmtplib.send(
            message, hostname=settings.smtp_host, port=settings.smtp_port, timeout=10, start_tls=False, use_tls=False
        )
    except aiosmtplib.SMTPRecipientsRefused as error:  # refused at RCPT: the code of the refusal
        return await _refused(email, error.recipients[0].code if error.recipients else 550)
    except aiosmtplib.SMTPResponseException as error:
        return await _refused(email, error.code)
    except (aiosmtplib.SMTPException, OSError):
        if email.attempt < notifications.MAX_EMAIL_ATTEMPTS:
            raise Retry(defer=_backoff(email.attempt)) from None
        return await _failed(email, "SMTP server unreachable")
    await notifications.email_sent(email.notification_id)
    return "sent"


async def _refused(email: notifications.Email, code: int) -> str:
    if 400 <= code < 500 and email.attempt < notifications.MAX_EMAIL_ATTEMPTS:
        raise Retry(defer=_backoff(email.attempt))  # transient: back off and try again
    return await _failed(email, f"SMTP {code}")


async def _failed(email: notifications.Email, reason: str) -> str:
    await notifications.email_failed(email.notification_id, reason)
    log.warning("e-mail for notification %s failed for good (%s)", email.notification_id, reason)
    return "failed"


async def reconcile_emails(ctx: dict) -> int:
    """Cron: re-drive e-mails stuck in PENDING (their job lost with Redis, or dead each time)."""
    redriven = await notifications.redrive_stuck_emails()
    await push_written(ctx)
    if redriven:
        log.info("re-drove %d stuck e-mail(s)", redriven)
    return redriven
