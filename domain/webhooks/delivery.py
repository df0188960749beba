"""Delivering webhook events: which delivery is sent next, what each attempt leaves behind, the
retry schedule, and when an endpoint is switched off. The HTTP call itself is the worker's
(workers/webhooks.py); everything it decides lives here.

How rows move: a delivery is PENDING with a `next_attempt_at`. A worker job owns one of an
endpoint's PER_ENDPOINT_CONCURRENCY slots (job id `deliver_webhooks:<endpoint>:<slot>`, so no
endpoint ever has more sends in flight than that, whichever worker runs them) and claims the
endpoint's due deliveries one at a time: the claim sets `claimed_until` (a lease), so a worker
killed mid-send leaves a row that becomes claimable again when the lease lapses; the periodic
sweep (`due_endpoints`) queues the slots of every endpoint with due, unclaimed rows, which covers
retries, lapsed leases and jobs lost with Redis alike. Delivery is therefore at least once:
receivers dedupe by `webhook-id` (the event id)."""

from __future__ import annotations

import json
import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit
from uuid import UUID

from tortoise import connections

from domain import clock, encryption, notifications, outbox
from domain.locks import retrying
from domain.transactions import transaction
from domain.webhooks import signing
from models.enums import NotificationKind, Role, WebhookDeliveryStatus, WebhookOwnerKind

log = logging.getLogger("caseload.webhooks")

DELIVER_JOB = "deliver_webhooks"
# Sends in flight at once for one endpoint (across every worker): one slow or hanging endpoint
# holds at most this many worker slots, never all of them.
PER_ENDPOINT_CONCURRENCY = 4
# Waits after the 1st, 2nd, ... failed attempt; after the last one the delivery has FAILED.
RETRY_SCHEDULE = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=20),
    timedelta(hours=24),
)
MAX_ATTEMPTS = len(RETRY_SCHEDULE) + 1
# Each wait is lengthened by up to this fraction at random, so retries of many deliveries that
# failed together (a receiver's outage) do not all come back in the same second.
JITTER = 0.2
# The longest Retry-After honoured (a longer one waits this long).
MAX_RETRY_AFTER = timedelta(hours=24)
SEND_TIMEOUT_SECONDS = 10.0
# A claim outlives any live send (10 s plus recording); a killed worker's claim lapses after it.
CLAIM_LEASE = timedelta(seconds=45)
# An endpoint whose attempts have all failed for this long is disabled and its owner told.
FAILING_LIMIT = timedelta(days=5)
# Events and attempts older than this are purged.
KEEP_FOR = timedelta(days=30)
RESPONSE_KEPT_BYTES = 1024

DISABLED_GONE = "The endpoint answered 410 Gone"
DISABLED_FAILING = "Failing for 5 days"


def slots(endpoint_id: UUID, due: int) -> list[str]:
    """The job subjects (`<endpoint>:<slot>`) of the slots that send up to `due` deliveries of an
    endpoint; the job is DELIVER_JOB(endpoint_id) under the id `deliver_webhooks:<subject>`."""
    return [f"{endpoint_id}:{slot}" for slot in range(max(1, min(due, PER_ENDPOINT_CONCURRENCY)))]


async def enqueue(delivery_ids: list[UUID]) -> None:
    """Get these (PENDING, due) deliveries sent soon: call after the commit that made or reset
    them. Writes the endpoints' slot jobs to the outbox, pushed after the request (or, in a
    worker, by `workers.outbox.push_written(ctx)`); the periodic sweep would send them anyway."""
    if not delivery_ids:
        return
    # Per endpoint, how many deliveries are due now (counted up to the slots there are): a burst
    # arms as many slots as it can keep busy.
    rows = await connections.get("default").execute_query_dict(
        "SELECT e.endpoint_id, (SELECT count(*) FROM (SELECT 1 FROM webhook_deliveries d "
        "  WHERE d.endpoint_id = e.endpoint_id AND d.status = 'PENDING' AND d.next_attempt_at <= $2 LIMIT $3) AS due"
        ") AS due FROM (SELECT DISTINCT endpoint_id FROM webhook_deliveries WHERE id = ANY($1::uuid[])) AS e",
        [list(delivery_ids), clock.now(), PER_ENDPOINT_CONCURRENCY],
    )
    for row in rows:
        for subject in slots(row["endpoint_id"], row["due"]):
            await outbox.add(DELIVER_JOB, subject, str(row["endpoint_id"]))


# Endpoints with deliveries due now and not claimed (PINGs go out even to a disabled endpoint:
# they test an address before it is enabled again).
_DUE_ENDPOINTS = """
SELECT d.endpoint_id, count(*) AS due
FROM webhook_deliveries d
JOIN webhook_endpoints e ON e.id = d.endpoint_id
JOIN webhook_events ev ON ev.id = d.event_id
WHERE d.status = 'PENDING' AND d.next_attempt_at <= $1
  AND (d.claimed_until IS NULL OR d.claimed_until < $1)
  AND (e.enabled OR ev.type = 'PING')
GROUP BY d.endpoint_id
LIMIT $2
"""


async def due_endpoints(limit: int = 1000) -> list[tuple[UUID, int]]:
    """(endpoint id, deliveries due) for the sweep."""
    rows = await connections.get("default").execute_query_dict(_DUE_ENDPOINTS, [clock.now(), limit])
    return [(row["endpoint_id"], row["due"]) for row in rows]


@dataclass(frozen=True)
class Claimed:
    """A delivery a worker holds until `claimed_until`: what to send, where, and with which secrets."""

    delivery_id: UUID
    endpoint_id: UUID
    event_id: UUID
    attempt: int
    claimed_until: datetime
    url: str
    body: bytes
    secrets: list[str]

    @property
    def webhook_id(self) -> str:
        return str(self.event_id)


# The endpoint's next due delivery, oldest first, claimed in one statement (SKIP LOCKED: two
# slots never take the same row).
_CLAIM = """
WITH next AS (
  SELECT d.id FROM webhook_deliveries d
  JOIN webhook_endpoints e ON e.id = d.endpoint_id
  JOIN webhook_events ev ON ev.id = d.event_id
  WHERE d.endpoint_id = $1 AND d.status = 'PENDING' AND d.next_attempt_at <= $2
    AND (d.claimed_until IS NULL OR d.claimed_until < $2)
    AND (e.enabled OR ev.type = 'PING')
  ORDER BY d.next_attempt_at, d.created_at, d.id
  LIMIT 1
  FOR UPDATE OF d SKIP LOCKED
)
UPDATE webhook_deliveries d SET claimed_until = $3, attempts = d.attempts + 1
FROM next, webhook_events ev, webhook_endpoints e
WHERE d.id = next.id AND ev.id = d.event_id AND e.id = d.endpoint_id
RETURNING d.id, d.endpoint_id, d.event_id, d.attempts, d.claimed_until, ev.payload, e.url,
  e.sealed_secret, e.sealed_previous_secret, e.previous_secret_expires_at
"""


def body_of(payload: dict | str) -> bytes:
    """The bytes sent: the event's stored payload as compact JSON (the same bytes on every retry)."""
    if isinstance(payload, str):  # asyncpg hands jsonb over as text
        payload = json.loads(payload)
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


async def claim_next(endpoint_id: UUID) -> Claimed | None:
    """Claim the endpoint's next due delivery, or None when it has none. The attempt counts from
    here, so a delivery that kills its worker every time still runs out of attempts."""
    now = clock.now()
    rows = await connections.get("default").execute_query_dict(_CLAIM, [endpoint_id, now, now + CLAIM_LEASE])
    if not rows:
        return None
    row = rows[0]
    current = encryption.unseal(row["sealed_secret"])
    if current is None:  # the master keys lost it: nothing can sign, so nothing is sent
        raise RuntimeError(f"webhook endpoint {row['endpoint_id']}: its secret cannot be unsealed")
    previous = encryption.unseal(row["sealed_previous_secret"])
    return Claimed(
        delivery_id=row["id"],
        endpoint_id=row["endpoint_id"],
        event_id=row["event_id"],
        attempt=row["attempts"],
        claimed_until=row["claimed_until"],
        url=row["url"],
        body=body_of(row["payload"]),
        secrets=signing.signing_secrets(current, previous, row["previous_secret_expires_at"], now),
    )


@dataclass(frozen=True)
class Outcome:
    """What one attempt got: an HTTP status (None: no answer), the start of the answer, an error
    in words (never the body), the time it took, and a Retry-After if the receiver gave one."""

    started_at: datetime
    duration_ms: int
    status: int | None = None
    response: str | None = None
    error: str | None = None
    retry_after: timedelta | None = None

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def response_text(head: bytes) -> str:
    """The first RESPONSE_KEPT_BYTES of an answer as storable text (no NUL, invalid UTF-8 replaced)."""
    return head[:RESPONSE_KEPT_BYTES].decode("utf-8", errors="replace").replace("\x00", "")


def retry_after(status: int, value: str | None, now: datetime) -> timedelta | None:
    """The wait a 429 or 503 asks for (seconds or an HTTP date), at most MAX_RETRY_AFTER; None
    for other statuses or a value that is neither."""
    if status not in (429, 503) or not value:
        return None
    value = value.strip()
    if value.isdigit():
        wait = timedelta(seconds=int(value))
    else:
        try:
            wait = parsedate_to_datetime(value) - now
        except (TypeError, ValueError, IndexError):
            return None
    return min(max(wait, timedelta(0)), MAX_RETRY_AFTER)


def next_wait(attempt: int, outcome: Outcome) -> timedelta | None:
    """How long before the next attempt after failed attempt number `attempt`; None when it was
    the last. A Retry-After replaces the schedule's wait (no jitter: the receiver chose it)."""
    if attempt >= MAX_ATTEMPTS:
        return None
    if outcome.retry_after is not None:
        return outcome.retry_after
    wait = RETRY_SCHEDULE[attempt - 1]
    return wait * (1 + random.random() * JITTER)


@retrying
async def record(claimed: Claimed, outcome: Outcome) -> str:
    """Keep the attempt and move the delivery on, in one transaction: SUCCEEDED on a 2xx; on a
    failure the next attempt per the schedule (or Retry-After), FAILED after the last; a 410
    disables the endpoint, and so do FAILING_LIMIT of failures without a success. Returns what
    happened: succeeded, retrying, failed, or disabled."""
    now = clock.now()
    async with transaction() as conn:
        await conn.execute_query(
            "INSERT INTO webhook_attempts (delivery_id, started_at, duration_ms, response_status, response_body, error) "
            "VALUES ($1, $2, $3, $4, $5, $6)",
            [
                claimed.delivery_id,
                outcome.started_at,
                outcome.duration_ms,
                outcome.status,
                outcome.response,
                (outcome.error or "")[:500] or None,
            ],
        )
        if outcome.succeeded:
            status, next_at, result = WebhookDeliveryStatus.SUCCEEDED, None, "succeeded"
            await conn.execute_query(
                "UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL",
                [claimed.endpoint_id],
            )
        else:
            wait = None if outcome.status == 410 else next_wait(claimed.attempt, outcome)
            status = WebhookDeliveryStatus.PENDING if wait is not None else WebhookDeliveryStatus.FAILED
            next_at = now + wait if wait is not None else None
            result = "retrying" if wait is not None else "failed"
            if await _failed(conn, claimed.endpoint_id, outcome, now):
                result = "disabled"
        # Only while the claim is still ours: a lease that lapsed (and was claimed again) leaves
        # the row to its new holder; the attempt is kept either way.
        await conn.execute_query(
            "UPDATE webhook_deliveries SET status = $3, next_attempt_at = $4, last_attempt_at = $5, "
            "last_response_status = $6, last_error = $7, claimed_until = NULL "
            "WHERE id = $1 AND claimed_until = $2",
            [
                claimed.delivery_id,
                claimed.claimed_until,
                status.value,
                next_at,
                outcome.started_at,
                outcome.status,
                None if outcome.succeeded else (outcome.error or f"HTTP {outcome.status}")[:500],
            ],
        )
    return result


async def _failed(conn, endpoint_id: UUID, outcome: Outcome, now: datetime) -> bool:
    """Count a failure against the endpoint; disable it on a 410 or after FAILING_LIMIT of
    failures in a row, telling its owner. True when this failure disabled it."""
    rows = await conn.execute_query_dict(
        "UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, $2) WHERE id = $1 "
        "RETURNING enabled, failing_since",
        [endpoint_id, outcome.started_at],
    )
    if not rows or not rows[0]["enabled"]:
        return False
    if outcome.status == 410:
        reason = DISABLED_GONE
    elif now - rows[0]["failing_since"] >= FAILING_LIMIT:
        reason = DISABLED_FAILING
    else:
        return False
    await disable(conn, endpoint_id, reason, now)
    return True


async def disable(conn, endpoint_id: UUID, reason: str, now: datetime) -> None:
    """Switch the endpoint off for `reason` and tell its owner, in-app and by e-mail."""
    rows = await conn.execute_query_dict(
        "UPDATE webhook_endpoints SET enabled = false, disabled_reason = $2, updated_at = $3 WHERE id = $1 AND enabled "
        "RETURNING owner_kind, organisation_id, coach_id, url",
        [endpoint_id, reason, now],
    )
    if not rows:
        return
    endpoint = rows[0]
    log.warning("webhook endpoint %s disabled: %s", endpoint_id, reason)
    host = urlsplit(endpoint["url"]).hostname or "its address"  # never the path or query: they may hold tokens
    title = "A webhook endpoint was disabled"
    body = (
        f"Caseload stopped sending webhooks to {host}: {reason.lower()}. "
        "Once the receiver works again, enable the endpoint and replay the deliveries it missed."
    )
    for user_id in await _owners(conn, endpoint):
        await notifications.notify(
            notifications.Recipient(user_id),
            NotificationKind.WEBHOOK_DISABLED,
            title,
            body,
            dedupe_key=f"webhook-disabled:{endpoint_id}:{user_id}:{now.isoformat()}",
        )


async def _owners(conn, endpoint: dict) -> list[UUID]:
    """Who answers for an endpoint: the platform's admins, the organisation's admins, or the coach."""
    kind = WebhookOwnerKind(endpoint["owner_kind"])
    if kind == WebhookOwnerKind.COACH:
        sql, args = (
            "SELECT u.id FROM coaches c JOIN users u ON u.id = c.user_id WHERE c.id = $1 AND u.active",
            [endpoint["coach_id"]],
        )
    elif kind == WebhookOwnerKind.ORGANISATION:
        sql, args = (
            "SELECT id FROM users WHERE organisation_id = $1 AND role = $2 AND active",
            [endpoint["organisation_id"], Role.ORG_ADMIN.value],
        )
    else:
        sql, args = "SELECT id FROM users WHERE role = $1 AND active", [Role.ADMIN.value]
    return [row["id"] for row in await conn.execute_query_dict(sql, args)]


async def purge(batch: int = 5000) -> int:
    """Delete events (their deliveries and attempts go with them) and attempts older than
    KEEP_FOR, a batch at a time. Returns rows deleted."""
    cutoff = clock.now() - KEEP_FOR
    conn = connections.get("default")
    total = 0
    for sql in (
        "DELETE FROM webhook_attempts WHERE id IN (SELECT id FROM webhook_attempts WHERE started_at < $1 LIMIT $2)",
        "DELETE FROM webhook_events WHERE id IN (SELECT id FROM webhook_events WHERE occurred_at < $1 LIMIT $2)",
    ):
        while True:
            deleted, _ = await conn.execute_query(sql, [cutoff, batch])
            total += deleted
            if deleted < batch:
                break
    return total
