"""Publishing live events on Redis pub/sub, after the change committed: at once by whoever
committed it (workers.outbox.push with `publish_now`), else by its outbox job (`publish_event`)."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import uuid4

from redis.asyncio import Redis

from domain import events

PUBLISHED_KEY_PREFIX = "caseload:event-published:"
# How long an event's id is remembered as published. Its outbox job only follows a direct publish
# when the process died (or Redis stopped answering) between the publish and marking the row, and
# the relay pushes such rows within seconds; a live event an hour late is of no use to anyone.
REMEMBER_PUBLISHED_SECONDS = 3600

# Publish each event whose id has not been published yet, and remember its id, atomically: the
# direct publish and the outbox job of one event (or two relays racing) publish it once.
# KEYS: each event's "published" key. ARGV: the channel, the expiry (s), then each event's message.
_PUBLISH_ONCE = """
local published = 0
for i = 1, #KEYS do
  if redis.call('SET', KEYS[i], '', 'NX', 'EX', ARGV[2]) then
    redis.call('PUBLISH', ARGV[1], ARGV[i + 2])
    published = published + 1
  end
end
return published
"""


async def publish(redis: Redis, batch: Sequence[Sequence[str]]) -> int:
    """Publish each event, given as its `publish_event` job's arguments (kind, object id, event
    id), in one round trip; an event id published before is skipped. Returns events published."""
    if not batch:
        return 0
    keys, messages = [], []
    for kind, object_id, *event_id in batch:
        # Rows written before events had ids carry none: each is published as it comes.
        keys.append(PUBLISHED_KEY_PREFIX + (event_id[0] if event_id else uuid4().hex))
        messages.append(events.message(kind, object_id))
    # redis-py types eval for the sync and async clients alike and its arguments as str only.
    return await redis.eval(_PUBLISH_ONCE, len(keys), *keys, events.CHANNEL, REMEMBER_PUBLISHED_SECONDS, *messages)  # type: ignore[misc,arg-type]


async def publish_event(ctx: dict, kind: str, object_id: str, event_id: str | None = None) -> int:
    """The outbox's fallback for an event not published right after its commit: every API
    process listening relays it to its own sockets, unless it was published already."""
    return await publish(ctx["redis"], [(kind, object_id, *([event_id] if event_id else []))])
