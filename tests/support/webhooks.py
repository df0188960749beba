"""A webhook receiver on loopback (a raw asyncio HTTP/1.1 server) that keeps every request and
answers as scripted: a status, a Retry-After, a body, or hanging until released. Plus helpers
that write webhook endpoints, events and deliveries as the webhooks domain does, and check a
delivery with the independent `standardwebhooks` verifier."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from standardwebhooks.webhooks import Webhook

import models
from domain import clock, encryption
from domain.webhooks import signing
from models.enums import WebhookDeliveryStatus, WebhookEventType, WebhookOwnerKind
from tests.support.workers import run_worker
from workers.settings import create_queue
from workers.webhooks import sweep_webhook_deliveries


@dataclass(frozen=True)
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"ok"
    hang: bool = False  # hold the request open until the receiver is released (or closed)


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    at: float  # time.monotonic() when it arrived whole

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]

    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    """`async with Receiver() as r:` serves on 127.0.0.1:r.port. `r.answer(Answer(500), ...)`
    scripts the next answers (then `r.default`); `r.received` holds what arrived."""

    def __init__(self, default: Answer | None = None) -> None:
        self.default = default or Answer()
        self.script: list[Answer] = []
        self.received: list[Received] = []
        self.hanging = 0  # requests held open right now
        self.port = 0
        self._release = asyncio.Event()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    def url(self, path: str = "/hook", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def answer(self, *answers: Answer) -> None:
        self.script.extend(answers)

    def release(self) -> None:
        """Let every hanging request (and later ones) answer."""
        self._release.set()

    async def __aenter__(self) -> Receiver:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc) -> None:
        self.release()
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    return
                self.received.append(request)
                answer = self.script.pop(0) if self.script else self.default
                if answer.hang:
                    self.hanging += 1
                    try:
                        await self._release.wait()
                    finally:
                        self.hanging -= 1
                head = [f"HTTP/1.1 {answer.status} X", f"content-length: {len(answer.body)}", "connection: close"]
                head += [f"{name}: {value}" for name, value in answer.headers.items()]
                writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + answer.body)
                await writer.drain()
                return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            self._writers.discard(writer)
            with contextlib.suppress(Exception):
                writer.close()


async def _read_request(reader: asyncio.StreamReader) -> Received | None:
    line = await reader.readline()
    if not line:
        return None
    method, path, _ = line.decode("latin-1").split(" ", 2)
    headers: dict[str, str] = {}
    while True:
        header = (await reader.readline()).decode("latin-1").rstrip("\r\n")
        if not header:
            break
        name, _, value = header.partition(":")
        headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return Received(method, path, headers, body, time.monotonic())


def verified(received: Received, secret: str) -> Any:
    """The body, parsed, if the request verifies with `secret` (standardwebhooks raises if not)."""
    return Webhook(secret).verify(received.body, received.headers)


# ---------------------------------------------------------------- rows, as the webhooks domain writes them


async def make_endpoint(
    url: str,
    *,
    owner_kind: WebhookOwnerKind = WebhookOwnerKind.PLATFORM,
    organisation_id: UUID | None = None,
    coach_id: UUID | None = None,
    secret: str | None = None,
) -> tuple[models.WebhookEndpoint, str]:
    """An enabled endpoint and its secret."""
    secret = secret or signing.new_secret()
    now = clock.now()
    endpoint = await models.WebhookEndpoint.create(
        id=uuid.uuid4(),
        owner_kind=owner_kind,
        organisation_id=organisation_id,
        coach_id=coach_id,
        url=url,
        sealed_secret=encryption.seal(secret),
        created_at=now,
        updated_at=now,
    )
    return endpoint, secret


async def rotate(endpoint: models.WebhookEndpoint, old_secret: str) -> str:
    """A new secret; the old one keeps signing for signing.ROTATION_OVERLAP."""
    new = signing.new_secret()
    endpoint.sealed_previous_secret = encryption.seal(old_secret)
    endpoint.previous_secret_expires_at = clock.now() + signing.ROTATION_OVERLAP
    endpoint.sealed_secret = encryption.seal(new)
    await endpoint.save()
    return new


async def make_event(
    event_type: WebhookEventType = WebhookEventType.PING, *, sequence: int = 1, data: dict | None = None
) -> models.WebhookEvent:
    event_id, now = uuid.uuid4(), clock.now()
    payload = {
        "type": event_type.wire,
        "timestamp": now.isoformat().replace("+00:00", "Z"),
        "data": {"sequence": sequence, **(data or {})},
    }
    return await models.WebhookEvent.create(
        id=event_id,
        type=event_type,
        object_kind="endpoint",
        object_id=event_id,
        sequence=sequence,
        payload=payload,
        occurred_at=now,
        fanned_out=True,
    )


async def make_deliveries(endpoint: models.WebhookEndpoint, events: list[models.WebhookEvent]) -> list[UUID]:
    """A PENDING delivery, due now, per event for the endpoint (what the fan-out writes)."""
    now = clock.now()
    rows = [
        models.WebhookDelivery(
            id=uuid.uuid4(),
            endpoint_id=endpoint.id,
            event_id=event.id,
            status=WebhookDeliveryStatus.PENDING,
            next_attempt_at=now,
            created_at=now,
        )
        for event in events
    ]
    await models.WebhookDelivery.bulk_create(rows)
    return [row.id for row in rows]


def worker_settings(settings, *, allow_private: bool = True):
    """The test settings with the private-address switch set (receivers are on loopback)."""
    return dataclasses.replace(settings, webhooks_allow_private=allow_private)


async def deliver_due(settings) -> int:
    """What the sweep cron does, then a real worker run to an empty queue: every due delivery is
    attempted once. Returns the slot jobs queued."""
    queue = await create_queue(settings.redis_url)
    try:
        queued = await sweep_webhook_deliveries({"redis": queue, "settings": settings})
    finally:
        await queue.aclose()
    await run_worker(settings)
    return queued


async def attempts_of(delivery_id: UUID) -> list[models.WebhookAttempt]:
    return await models.WebhookAttempt.filter(delivery_id=delivery_id).order_by("started_at", "id")
