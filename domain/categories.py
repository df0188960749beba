"""Client categories per coach-client relationship (docs/RULES.md, "Clients").

At the instant `now`:
1. BOOKED: a CONFIRMED session with this coach starts after `now` (PENDING does not count).
2. Else `last` = the latest start of a CONFIRMED, COMPLETED or NO_SHOW session with this coach at or
   before `now`; none: PROSPECTIVE.
3. `now - last` < 14 days: PREVIOUSLY_BOOKED_0_14; < 30 days: PREVIOUSLY_BOOKED_14_30; else _30_PLUS.

Each relationship row stores its category, last/next session and `category_valid_until`, the
instant the category next changes on its own (the next live session's start, last + 14 d,
last + 30 d, or never). The same SQL recomputes a handful of pairs after a change and, set-based
and in batches, every row whose `category_valid_until` has passed.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from tortoise import connections

from domain import clock, outbox
from domain.locks import retrying
from models.enums import SessionStatus

JOB = "recalculate_category"
BATCH = 10_000

# $1 = now. The caller's CTE `target(id, coach_id, client_id)` picks the rows.
_RECALCULATE = f"""
{{target}},
facts AS MATERIALIZED (
    -- One pass over each pair's sessions (MATERIALIZED: referenced many times below, computed once).
    SELECT t.id, a.next_confirmed, a.next_live, a.last FROM target t CROSS JOIN LATERAL (
        SELECT min(s.starts_at) FILTER (WHERE s.status = 'CONFIRMED' AND s.starts_at > $1) AS next_confirmed,
               min(s.starts_at) FILTER (WHERE s.status IN {SessionStatus.sql(SessionStatus.LIVE)} AND s.starts_at > $1) AS next_live,
               max(s.starts_at) FILTER (WHERE s.status IN {SessionStatus.sql(SessionStatus.HAD)} AND s.starts_at <= $1) AS last
        FROM sessions s WHERE s.coach_id = t.coach_id AND s.client_id = t.client_id
    ) a
)
UPDATE coach_clients cc SET
    last_session_at = f.last,
    next_session_at = f.next_live,
    category = CASE
        WHEN f.next_confirmed IS NOT NULL THEN 'BOOKED'
        WHEN f.last IS NULL THEN 'PROSPECTIVE'
        WHEN $1 - f.last < interval '14 days' THEN 'PREVIOUSLY_BOOKED_0_14'
        WHEN $1 - f.last < interval '30 days' THEN 'PREVIOUSLY_BOOKED_14_30'
        ELSE 'PREVIOUSLY_BOOKED_30_PLUS' END,
    -- The next instant anything above changes by itself: a live session starting, or a threshold.
    category_valid_until = LEAST(f.next_live, CASE
        WHEN f.next_confirmed IS NOT NULL OR f.last IS NULL THEN NULL
        WHEN $1 - f.last < interval '14 days' THEN f.last + interval '14 days'
        WHEN $1 - f.last < interval '30 days' THEN f.last + interval '30 days'
        END)
FROM facts f
WHERE cc.id = f.id
"""

# Rows locked in id order (domain.locks), so two jobs over overlapping pairs never deadlock.
_PAIRS = """WITH target AS (
    SELECT cc.id, cc.coach_id, cc.client_id FROM coach_clients cc
    JOIN unnest($2::uuid[], $3::uuid[]) AS p(coach_id, client_id)
      ON cc.coach_id = p.coach_id AND cc.client_id = p.client_id
    ORDER BY cc.id
    FOR NO KEY UPDATE OF cc
)"""

_EXPIRED = """WITH target AS (
    SELECT id, coach_id, client_id FROM coach_clients
    WHERE category_valid_until <= $1
    ORDER BY category_valid_until
    LIMIT $2
    FOR UPDATE SKIP LOCKED
)"""


async def _update(sql: str, params: list) -> int:
    """Run an UPDATE (behind a CTE) and return the rows it changed, without shipping them back."""
    async with connections.get("default").acquire_connection() as connection:
        status = await connection.execute(sql, *params)  # "UPDATE <n>"
    return int(status.split()[-1])


@retrying
async def recalculate_pairs(pairs: list[tuple[UUID, UUID]], now: datetime | None = None) -> int:
    """Recompute the relationships of these (coach, client) pairs; returns rows updated."""
    if not pairs:
        return 0
    coaches, clients = zip(*pairs, strict=True)
    return await _update(_RECALCULATE.format(target=_PAIRS), [now or clock.now(), list(coaches), list(clients)])


@retrying
async def recalculate_expired(now: datetime | None = None, batch: int = BATCH) -> int:
    """Every relationship whose category has expired, set-based, `batch` rows per statement (each
    its own short transaction, so a big catch-up never holds many locks for long)."""
    now = now or clock.now()
    total = 0
    while True:
        done = await _update(_RECALCULATE.format(target=_EXPIRED), [now, batch])
        total += done
        if done < batch:
            return total


async def sessions_changed(coach_id: UUID, client_id: UUID | None) -> None:
    """Called in the transaction that changed a pair's sessions: recompute its category right
    after the commit (the job id collapses repeats while one is queued)."""
    if client_id is not None:
        await outbox.add(JOB, f"{coach_id}:{client_id}", str(coach_id), str(client_id))
