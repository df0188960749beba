"""Ending a user's sessions: the one place `token_version` moves.

Every JWT carries the version it was issued with; `domain.users.viewer_by_id` (the check every
request and socket makes) refuses a token whose version is older than the user's. So a bump ends
every earlier token at once. Callers: password change and reset, deactivation, erasure.
(Its own module, not domain/users.py: clients and records call it, and users imports clients.)"""

from __future__ import annotations

from uuid import UUID

from tortoise import connections


async def end_sessions(user_id: UUID) -> None:
    """Run it in the caller's transaction, so it takes effect exactly when the change that caused
    it commits; it publishes nothing else."""
    await connections.get("default").execute_query(
        "UPDATE users SET token_version = token_version + 1 WHERE id = $1", [user_id]
    )
