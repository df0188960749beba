"""Session reminders 24 h and 1 h before each CONFIRMED session, once each. The dedupe key holds
the session's start, so a moved session gets reminders for its new time and a cancelled one
none (only CONFIRMED sessions are looked at)."""

from __future__ import annotations

from datetime import timedelta

from tortoise.transactions import in_transaction

import models
from domain import clock, notifications
from models.enums import NotificationKind, SessionStatus

LEADS = {"24h": timedelta(hours=24), "1h": timedelta(hours=1)}
BATCH = 500


async def send_due() -> int:
    """Remind of every confirmed session starting within a lead time; returns reminders made."""
    now = clock.now()
    made = 0
    for label, lead in LEADS.items():
        due = await models.Session.filter(
            status=SessionStatus.CONFIRMED, starts_at__gt=now, starts_at__lte=now + lead
        ).order_by("starts_at").limit(BATCH)
        for session in due:
            key = f"reminder-{label}:{session.id}:{session.starts_at.isoformat()}"
            async with in_transaction():
                for to_coach in (False, True):
                    made += await notifications.about_session(
                        NotificationKind.SESSION_REMINDER, session, to_coach=to_coach,
                        title=f"Reminder: session in {label}", body="Your session starts on {when}.",
                        dedupe_key=f"{key}:{'coach' if to_coach else 'client'}",
                    ) is not None
    return made
