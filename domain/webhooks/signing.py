"""Standard Webhooks signing (https://www.standardwebhooks.com): what a receiver verifies.

Headers: `webhook-id` (the event's id, the same on every retry and redelivery, for dedupe),
`webhook-timestamp` (Unix seconds of this attempt) and `webhook-signature`: space-separated
`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, one per secret that signs now: the current one
and, for 24 hours after a rotation, the previous one too, so a receiver can switch secrets at its
own pace."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets as random
from datetime import datetime, timedelta

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
# How long the previous secret keeps signing after a rotation.
ROTATION_OVERLAP = timedelta(hours=24)


def new_secret() -> str:
    """A fresh signing secret: `whsec_` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(random.token_bytes(SECRET_BYTES)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signature(secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256>` of `id.timestamp.body` with one secret."""
    message = f"{webhook_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), message, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signing_secrets(
    current: str, previous: str | None, previous_expires_at: datetime | None, now: datetime
) -> list[str]:
    """The secrets that sign at `now`: the current one, and the previous one until its expiry
    (set to the rotation + ROTATION_OVERLAP)."""
    if previous and previous_expires_at is not None and now < previous_expires_at:
        return [current, previous]
    return [current]


def headers(webhook_id: str, body: bytes, secrets: list[str], at: datetime) -> dict[str, str]:
    """The three Standard Webhooks headers for one attempt sent at `at`."""
    timestamp = int(at.timestamp())
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signature(s, webhook_id, timestamp, body) for s in secrets),
    }
