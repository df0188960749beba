"""Fan-out: each webhook event becomes one delivery per enabled endpoint whose owner is in the
event's audience (fixed when the change happened: see domain.webhooks.events) and that asked for
its type. Run by a job right after the event's commit and by a periodic sweep for any left over;
set-based, claimed with SKIP LOCKED and written with ON CONFLICT, so running twice or side by
side makes each delivery once."""

from __future__ import annotations

from uuid import UUID

from tortoise import connections

from domain import clock
from domain.locks import retrying
from domain.transactions import transaction
from domain.webhooks import delivery

SWEEP_BATCH = 500

# Which endpoints receive an event: the platform's every event; an organisation's those its
# admins read; a coach's those about their sessions and clients; only events that happened once
# the endpoint existed (the fan-out may run later). An empty event_types is "all".
_RECEIVES = """
    w.enabled AND w.created_at <= e.occurred_at
    AND (
        w.owner_kind = 'PLATFORM'
        OR (w.owner_kind = 'ORGANISATION' AND w.organisation_id = e.organisation_id)
        OR (w.owner_kind = 'COACH' AND w.coach_id = ANY(e.coach_ids))
    )
    AND (cardinality(w.event_types) = 0 OR e.type = ANY(w.event_types))
"""

_FAN_OUT = f"""
WITH e AS (
    SELECT id, type, organisation_id, coach_ids, occurred_at FROM webhook_events
    WHERE NOT fanned_out AND {{which}}
    ORDER BY occurred_at, id LIMIT {SWEEP_BATCH}
    FOR UPDATE SKIP LOCKED
), marked AS (
    UPDATE webhook_events SET fanned_out = TRUE FROM e WHERE webhook_events.id = e.id RETURNING e.id
), made AS (
    INSERT INTO webhook_deliveries (id, endpoint_id, event_id, status, attempts, next_attempt_at, created_at)
    SELECT gen_random_uuid(), w.id, e.id, 'PENDING', 0, $1, $1
    FROM e JOIN webhook_endpoints w ON {_RECEIVES}
    ON CONFLICT (endpoint_id, event_id) DO NOTHING
    RETURNING id
)
SELECT (SELECT count(*) FROM marked) AS events, (SELECT coalesce(array_agg(id), ARRAY[]::uuid[]) FROM made) AS deliveries
"""


@retrying
async def fan_out(event_ids: list[UUID] | None = None) -> tuple[int, int]:
    """Write the deliveries of these events (None: of the oldest events not fanned out yet) and
    hand them to the sender. Returns (events fanned out, deliveries made)."""
    which, params = ("id = ANY($2::uuid[])", [list(event_ids)]) if event_ids is not None else ("TRUE", [])
    async with transaction():
        row = (
            await connections.get("default").execute_query_dict(_FAN_OUT.format(which=which), [clock.now(), *params])
        )[0]
        made = list(row["deliveries"])
        await delivery.enqueue(made)
    return row["events"], len(made)


async def sweep() -> int:
    """Fan out whatever the jobs left (Redis away, a job lost or timed out), oldest first, in
    batches; returns the deliveries made."""
    total = 0
    while True:
        events, made = await fan_out(None)
        total += made
        if events < SWEEP_BATCH:
            return total
