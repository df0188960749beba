"""Keeping client categories current: one pair after a change, and every expired row each minute."""

from __future__ import annotations

from uuid import UUID

from domain import categories


async def recalculate_category(ctx: dict, coach_id: str, client_id: str) -> int:
    return await categories.recalculate_pairs([(UUID(coach_id), UUID(client_id))])


async def recalculate_expired_categories(ctx: dict) -> int:
    """Set-based, in batches: the cost follows the number of categories that changed."""
    return await categories.recalculate_expired()
