"""Live events for subscriptions. A change records a `publish_event` job in its transaction (the
outbox); right after the commit, whoever committed it publishes the event on Redis pub/sub at once
(workers.outbox.push with `publish_now`), and every API process relays it to its own sockets, each
checked against that socket's viewer. Events carry a kind and an id only.

The outbox stays the fallback: an event whose direct publish failed (Redis away, the process died
after the commit) is pushed by the relay as a `publish_event` job, which a worker runs. Each event
has its own id, and is published at most once per id (workers.events.publish), so an event
published directly and then again by its job reaches no socket twice.

A credential ending (a user's tokens, an API key, an organisation's keys) travels the same way,
as a kind of its own: every API process then re-checks and closes the sockets opened with it."""

from __future__ import annotations

import json
from uuid import UUID, uuid4

from domain import categories, clock, outbox

PUBLISH_JOB = "publish_event"
CHANNEL = "caseload:events"

# Kinds that end the credentials of sockets (the id is a user, an API key, an organisation).
USER_CREDENTIALS = "user_credentials"
API_KEY_CREDENTIALS = "api_key_credentials"
ORGANISATION_CREDENTIALS = "organisation_credentials"
CREDENTIAL_KINDS = frozenset({USER_CREDENTIALS, API_KEY_CREDENTIALS, ORGANISATION_CREDENTIALS})


def message(kind: str, object_id: str) -> str:
    """The pub/sub message for an event (workers.events publishes it)."""
    return json.dumps({"kind": kind, "id": object_id})


async def publish_later(kind: str, object_id: UUID) -> None:
    """Publish `kind` of `object_id` once the current transaction commits."""
    # The instant keeps each change its own job id (an object changes many times); the event id
    # (a job argument, so a row armed again is a new event) is what publishing once goes by.
    event_id = uuid4().hex
    await outbox.add(PUBLISH_JOB, f"{kind}:{object_id}:{clock.now().timestamp()}", kind, str(object_id), event_id)


async def session_changed(session_id: UUID, coach_id: UUID, client_id: UUID | None) -> None:
    """Everything that follows a change to a session: its pair's category and a live event."""
    await categories.sessions_changed(coach_id, client_id)
    await publish_later("session", session_id)


async def credentials_ended(kind: str, object_id: UUID) -> None:
    """Within the transaction that ends a credential: its sockets close once it commits."""
    assert kind in CREDENTIAL_KINDS
    await publish_later(kind, object_id)
