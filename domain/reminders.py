"""Session reminders 24 h and 1 h before each CONFIRMED session, once each. The dedupe key holds
the session's start, so a moved session gets reminders for its new time and a cancelled one
none (only CONFIRMED sessions are looked at). Sessions already reminded are skipped in SQL, so
each run works only on what is due and new, however many sessions are coming up."""

from __future__ import annotations

from datetime import timedelta

from tortoise import connections

import models
from domain import clock, notifications
from domain.locks import retrying
from domain.transactions import transaction
from models.enums import NotificationKind

LEADS = {"24h": timedelta(hours=24), "1h": timedelta(hours=1)}
BATCH = 500


# The dedupe keys of a session's two reminders, written here only: "reminder-<label>:<session>:
# <start, epoch seconds>:<side>". The coach always has a login, so the coach's reminder marks a
# session as reminded.
_DUE = """
SELECT s.*, k.prefix || ':coach' AS coach_key, k.prefix || ':client' AS client_key FROM sessions s
CROSS JOIN LATERAL (SELECT $3 || s.id || ':' || extract(epoch FROM s.starts_at)::bigint AS prefix) k
WHERE s.status = 'CONFIRMED' AND s.starts_at > $1 AND s.starts_at <= $2
  AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.dedupe_key = k.prefix || ':coach')
ORDER BY s.starts_at
LIMIT $4
"""


async def send_due() -> int:
    """Remind of every confirmed session starting within a lead time; returns reminders made."""
    now = clock.now()
    made = 0
    for label, lead in LEADS.items():
        rows = await connections.get("default").execute_query_dict(_DUE, [now, now + lead, f"reminder-{label}:", BATCH])
        for row in rows:
            keys = {"coach": row.pop("coach_key"), "client": row.pop("client_key")}
            made += await _remind(label, models.Session._init_from_db(**row), keys)
    return made


@retrying
async def _remind(label: str, session: models.Session, keys: dict[str, str]) -> int:
    made = 0
    async with transaction():
        for to_coach in (False, True):
            made += (
                await notifications.about_session(
                    NotificationKind.SESSION_REMINDER,
                    session,
                    to_coach=to_coach,
                    title=f"Reminder: session in {label}",
                    body="Your session starts on {when}.",
                    dedupe_key=keys["coach" if to_coach else "client"],
                )
                is not None
            )
    return made
