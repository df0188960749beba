"""Sending webhook deliveries over HTTP (httpx), and the cron jobs that keep them moving.

Every attempt resolves the endpoint's host again and checks the address (domain.webhooks.addresses),
then connects to exactly that address, keeping the host name for the Host header and for TLS (SNI
and the certificate check): DNS rebinding cannot slip in a private address after the check.
Redirects are not followed (a 3xx is a failed attempt); the whole attempt is cut at 10 s."""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from datetime import UTC, datetime
from functools import lru_cache
from uuid import UUID

import httpx

from domain import clock
from domain.webhooks import addresses, delivery, signing
from domain.webhooks.addresses import AddressPolicy, AddressRefused
from domain.webhooks.delivery import Claimed, Outcome
from workers.outbox import enqueue_many, push_written

log = logging.getLogger("caseload.webhooks")

# A slot job stops taking new deliveries after this long (the sweep queues it again), so it ends
# well within its job timeout even when its last send takes the full 10 s.
SLOT_BUDGET_SECONDS = 5.0
SLOT_JOB_TIMEOUT_SECONDS = int(SLOT_BUDGET_SECONDS + delivery.SEND_TIMEOUT_SECONDS + 15)
USER_AGENT = "Caseload-Webhooks/1"


@lru_cache(maxsize=1)
def _tls() -> ssl.SSLContext:
    """One TLS context for every send (building one per request is slow)."""
    return ssl.create_default_context()


def policy(ctx: dict) -> AddressPolicy:
    settings = ctx["settings"]
    return AddressPolicy.for_settings(production=settings.production, allow_private=settings.webhooks_allow_private)


def client() -> httpx.AsyncClient:
    """For one slot job's sends (one endpoint, so one host name: pooled connections never mix
    hosts). No redirects, no proxies from the environment."""
    return httpx.AsyncClient(
        verify=_tls(), follow_redirects=False, timeout=delivery.SEND_TIMEOUT_SECONDS, trust_env=False
    )


async def send(http: httpx.AsyncClient, claimed: Claimed, address_policy: AddressPolicy) -> Outcome:
    """One attempt: check the address now, POST the signed body to it, read at most the first
    1 KB of the answer. Never raises for what the receiver does."""
    started_at, start = clock.now(), time.monotonic()

    def took() -> int:
        return int((time.monotonic() - start) * 1000)

    try:
        async with asyncio.timeout(delivery.SEND_TIMEOUT_SECONDS):
            target = await addresses.check(claimed.url, address_policy)
            # The signature's timestamp is the real time of sending: receivers compare it with
            # their own clock to refuse stale replays.
            headers = signing.headers(claimed.webhook_id, claimed.body, claimed.secrets, datetime.now(UTC))
            headers |= {"content-type": "application/json", "user-agent": USER_AGENT, "host": target.host_header}
            extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
            async with http.stream(
                "POST", target.connect_url, content=claimed.body, headers=headers, extensions=extensions
            ) as response:
                head = b""
                async for chunk in response.aiter_raw():
                    head += chunk
                    if len(head) >= delivery.RESPONSE_KEPT_BYTES:
                        break
                return Outcome(
                    started_at=started_at,
                    duration_ms=took(),
                    status=response.status_code,
                    response=delivery.response_text(head),
                    retry_after=delivery.retry_after(
                        response.status_code, response.headers.get("retry-after"), clock.now()
                    ),
                )
    except AddressRefused as refused:
        return Outcome(started_at=started_at, duration_ms=took(), error=f"Address refused: {refused.reason}")
    except (TimeoutError, httpx.TimeoutException):
        return Outcome(started_at=started_at, duration_ms=took(), error="Timed out after 10 s")
    except (httpx.HTTPError, OSError, ssl.SSLError) as error:
        return Outcome(started_at=started_at, duration_ms=took(), error=f"No answer: {type(error).__name__}")


async def deliver_webhooks(ctx: dict, endpoint_id: str) -> int:
    """One of an endpoint's slots: send its due deliveries one after another until none is left
    or the slot's time budget is spent. Returns how many were attempted."""
    address_policy = policy(ctx)
    start, attempted = time.monotonic(), 0
    async with client() as http:
        while time.monotonic() - start < SLOT_BUDGET_SECONDS:
            claimed = await delivery.claim_next(UUID(endpoint_id))
            if claimed is None:
                break
            outcome = await send(http, claimed, address_policy)
            result = await delivery.record(claimed, outcome)
            attempted += 1
            if result == "disabled":
                await push_written(ctx)  # the owner's e-mail
                break
    return attempted


async def sweep_webhook_deliveries(ctx: dict) -> int:
    """Cron: queue the slots of every endpoint with deliveries due and unclaimed (retries whose
    time has come, claims a killed worker let lapse, jobs lost with Redis). arq leaves a slot that
    is queued or running alone. Returns the slots queued."""
    jobs = [
        (delivery.DELIVER_JOB, f"{delivery.DELIVER_JOB}:{subject}", [str(endpoint_id)])
        for endpoint_id, due in await delivery.due_endpoints()
        for subject in delivery.slots(endpoint_id, due)
    ]
    return sum(await enqueue_many(ctx["redis"], jobs))


async def purge_webhooks(ctx: dict) -> int:
    """Cron: events and attempts older than 30 days."""
    deleted = await delivery.purge()
    if deleted:
        log.info("purged %d old webhook event(s) and attempt(s)", deleted)
    return deleted
