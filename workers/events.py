"""Publishing live events on Redis pub/sub, after the change committed."""

from __future__ import annotations

from domain import events


async def publish_event(ctx: dict, kind: str, object_id: str) -> int:
    """Every API process listening relays it to its own sockets (receivers count returned)."""
    return await ctx["redis"].publish(events.CHANNEL, events.message(kind, object_id))
