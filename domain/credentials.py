"""Ending a user's sessions: the one place `token_version` moves.

Every JWT carries the version it was issued with; `domain.users.viewer_by_id` (the check every
request and socket makes) refuses a token whose version is older than the user's. So a bump ends
every earlier token at once, and the credentials-ended event closes the user's open sockets once
the change commits. Callers: password change and reset, deactivation, erasure.
(Its own module, not domain/users.py: clients and records call it, and users imports clients.)"""

from __future__ import annotations

from uuid import UUID

from tortoise import connections

from domain import events
from domain.locks import retrying
from domain.transactions import transaction


@retrying
async def end_sessions(user_id: UUID, *, deactivate: bool = False) -> None:
    """End every token and open socket of the user. Joins the caller's transaction when there is
    one, so it takes effect exactly when the change that caused it commits."""
    changes = "token_version = token_version + 1" + (", active = FALSE" if deactivate else "")
    async with transaction():
        await connections.get("default").execute_query(f"UPDATE users SET {changes} WHERE id = $1", [user_id])
        await events.credentials_ended(events.USER_CREDENTIALS, user_id)
