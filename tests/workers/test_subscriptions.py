"""Subscriptions over graphql-transport-ws on real sockets: events raised in another API process
and published by a worker reach the right sockets, and only those."""

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import uvicorn
import websockets

from domain import clock
from models.enums import Role
from tests.support.api import APP_ORIGIN, LOGIN, PASSWORD, starlette_app
from tests.support.booking import BOOK, setup_coach
from tests.support.credits import GRANT, GRANT_ORG
from tests.support.dates import utc
from tests.support.workers import eventually, free_port, run_worker

ROOT = Path(__file__).resolve().parents[2]
PROTOCOL = "graphql-transport-ws"
MESSAGES = "subscription { messageReceived { body sender senderName } }"


@pytest.fixture
async def server_a(app):
    """This process's app, served on a real port (its lifespan already runs in the test session)."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning", ws="websockets-sansio")
    )
    task = asyncio.create_task(server.serve())
    await eventually(lambda: server.started, timeout=10, message="uvicorn started")
    yield f"ws://127.0.0.1:{port}/graphql"
    server.should_exit = True
    await task


@pytest.fixture
async def server_b(test_settings):
    """Another API process: `caseload serve` on the same database and Redis."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": test_settings.database_url, "REDIS_URL": test_settings.redis_url}
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=url) as client:

        async def healthy() -> bool:
            return (await client.get("/health")).status_code == 200

        await eventually(
            healthy, timeout=30, interval=0.1, ignoring=(httpx.TransportError,), message="caseload serve healthy"
        )
        yield client
    process.terminate()
    process.wait(timeout=20)


async def connect(url: str, token: str | None):
    socket = await websockets.connect(url, subprotocols=[PROTOCOL])
    await socket.send(
        json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"} if token else {}})
    )
    return socket


@pytest.fixture
def hub(app):
    """The event hub of this process's app (server_a): each live subscription listens on it."""
    return starlette_app(app).state.services["events"]


async def subscribe(socket, query: str, op_id: str = "1", *, hub, listening: bool = True) -> None:
    """Subscribe, and return once the subscription listens for events (a new queue on the hub);
    `listening=False` for one the server refuses (nothing to wait for)."""
    ack = json.loads(await asyncio.wait_for(socket.recv(), 5))
    assert ack["type"] == "connection_ack", ack
    before = set(map(id, hub.listeners))
    await socket.send(json.dumps({"id": op_id, "type": "subscribe", "payload": {"query": query}}))
    if listening:
        await eventually(
            lambda: set(map(id, hub.listeners)) - before, timeout=5, interval=0.01, message="the subscription listening"
        )


async def next_data(socket) -> dict:
    while True:
        message = json.loads(await asyncio.wait_for(socket.recv(), 10))
        if message["type"] == "next":
            return message["payload"]
        assert message["type"] not in ("error", "complete"), message


async def send_message_via(client: httpx.AsyncClient, token: str, coach_id: str, body: str) -> None:
    answer = await client.post(
        "/graphql",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "query": "mutation($i: SendMessageInput!) { sendMessage(input: $i) { userErrors { code } } }",
            "variables": {"i": {"coachId": coach_id, "body": body}},
        },
    )
    assert answer.json()["data"]["sendMessage"]["userErrors"] == [], answer.text


async def test_a_message_sent_through_another_process_reaches_only_its_coach(
    api, world, test_settings, server_a, server_b, hub
):
    clock.freeze(utc(2030, 3, 1, 12))
    coach, _ = await setup_coach(api, world)
    other_coach, _ = await setup_coach(api, world)
    member = await world.user(Role.CLIENT, name="Mia Client")
    other_member = await world.user(Role.CLIENT, name="Otto Client")
    mine = await connect(server_a, coach.token)
    theirs = await connect(server_a, other_coach.token)
    await subscribe(mine, MESSAGES, hub=hub)
    await subscribe(theirs, MESSAGES, hub=hub)

    clock.reset()  # process B has its own (real) clock
    await send_message_via(server_b, member.token, coach.coach_id, "Hello from process B")
    await run_worker(test_settings)  # publishes the event on Redis pub/sub

    received = await next_data(mine)
    assert received["data"]["messageReceived"] == {
        "body": "Hello from process B",
        "sender": "CLIENT",
        "senderName": "Mia Client",
    }

    # The other coach's first event is their own client's message, never the first one.
    await send_message_via(server_b, other_member.token, other_coach.coach_id, "Hello other coach")
    await run_worker(test_settings)
    seen_by_other = await next_data(theirs)
    assert seen_by_other["data"]["messageReceived"]["body"] == "Hello other coach"
    await mine.close()
    await theirs.close()


async def test_sockets_without_a_valid_token_are_closed_with_a_reason_that_says_why(server_a):
    reasons = {}
    for token in (None, "not-a-token"):
        socket = await connect(server_a, token)
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), 5)
        assert closed.value.rcvd.code == 4403
        reasons[token] = closed.value.rcvd.reason

    assert reasons == {
        None: 'Sign in first: connection_init needs {"authorization": "Bearer <token or API key>"}',
        "not-a-token": "Token or API key not accepted: expired, signed out, revoked or malformed",
    }


async def test_a_socket_that_never_says_connection_init_is_closed(server_a):
    socket = await websockets.connect(server_a, subprotocols=[PROTOCOL])
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await asyncio.wait_for(socket.recv(), 8)
    assert closed.value.rcvd.code == 4408  # the protocol's "connection initialisation timeout", after 5 s


async def test_at_most_ten_subscriptions_per_socket(api, world, server_a, hub):
    coach = await world.user(Role.COACH)
    socket = await connect(server_a, coach.token)
    await subscribe(socket, MESSAGES, "0", hub=hub)
    for op in range(1, 11):
        await socket.send(json.dumps({"id": str(op), "type": "subscribe", "payload": {"query": MESSAGES}}))
    message = json.loads(await asyncio.wait_for(socket.recv(), 5))
    assert message["id"] == "10", message  # the eleventh is refused; the first ten stay open
    errors = message["payload"]["errors"] if message["type"] == "next" else message["payload"]
    assert [e["extensions"]["code"] for e in errors] == ["RATE_LIMITED"], message
    await socket.close()


async def test_a_socket_opens_from_the_allowed_origin_the_same_origin_or_none_and_no_other(api, world, server_a):
    """One list for HTTP and sockets (CASELOAD_ALLOWED_ORIGINS; the tests allow APP_ORIGIN)."""
    coach = await world.user(Role.COACH)
    same = "http://" + server_a.removeprefix("ws://").split("/")[0]
    for origin in (APP_ORIGIN, same, None):
        headers = {"Origin": origin} if origin else {}
        socket = await websockets.connect(server_a, subprotocols=[PROTOCOL], additional_headers=headers)
        await socket.send(
            json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {coach.token}"}})
        )
        assert json.loads(await asyncio.wait_for(socket.recv(), 5)) == {"type": "connection_ack"}, origin
        await socket.close()
    with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
        await websockets.connect(
            server_a, subprotocols=[PROTOCOL], additional_headers={"Origin": "https://elsewhere.example"}
        )
    assert refused.value.response.status_code == 403


async def test_session_changes_and_notifications_reach_the_coachs_socket(api, world, test_settings, server_a, hub):

    clock.freeze(utc(2030, 3, 1, 12))
    admin = await world.admin()
    member = await world.user(Role.CLIENT)
    coach, service = await setup_coach(api, world, auto_confirm=False)
    stranger, _ = await setup_coach(api, world)
    await api.ok(GRANT, {"input": {"clientId": member.client_id, "amount": 1}}, admin.token)
    socket = await connect(server_a, coach.token)
    await subscribe(socket, "subscription { sessionChanged { status startsAt } }", "s", hub=hub)
    await socket.send(
        json.dumps(
            {"id": "n", "type": "subscribe", "payload": {"query": "subscription { notificationAdded { kind title } }"}}
        )
    )
    other = await connect(server_a, stranger.token)
    await subscribe(other, "subscription { sessionChanged { status } }", "s", hub=hub)

    await api.ok(BOOK, {"i": {"serviceId": service, "startsAt": "2030-03-02T09:00:00Z"}}, member.token)
    await run_worker(test_settings)

    received = {}
    while len(received) < 2:
        message = json.loads(await asyncio.wait_for(socket.recv(), 10))
        assert message["type"] == "next", message
        received[message["id"]] = message["payload"]["data"]
    assert received["s"] == {"sessionChanged": {"status": "PENDING", "startsAt": "2030-03-02T09:00:00+00:00"}}
    assert received["n"] == {"notificationAdded": {"kind": "BOOKING_REQUESTED", "title": "New booking to confirm"}}
    with pytest.raises(asyncio.TimeoutError):  # another coach's socket hears nothing of it
        await asyncio.wait_for(other.recv(), 1)
    await socket.close()
    await other.close()


async def test_the_legacy_graphql_ws_protocol_is_refused(server_a):
    with pytest.raises((websockets.InvalidStatus, websockets.InvalidHandshake, websockets.ConnectionClosed)):  # noqa: PT012
        socket = await websockets.connect(server_a, subprotocols=["graphql-ws"])
        await asyncio.wait_for(socket.recv(), 5)


# ---------------------------------------------------------------------------- a socket lives no longer than its credential
# (Found by the November 2026 outside attack: a socket opened with an API key received events after the key was revoked, one
# opened with a token 40 s after it expired; mutations ran over the socket.)

SESSIONS = "subscription { sessionChanged { status startsAt } }"


async def frames_until_closed(socket, timeout: float) -> tuple[int, str, list[dict]]:
    """Every frame the socket receives until the server closes it (TimeoutError if it never does)."""
    frames = []
    try:
        while True:
            frames.append(json.loads(await asyncio.wait_for(socket.recv(), timeout)))
    except websockets.ConnectionClosed as closed:
        return closed.rcvd.code, closed.rcvd.reason, frames


async def test_a_revoked_api_keys_socket_is_closed_at_once_and_hears_nothing_more(
    api, world, test_settings, server_a, hub
):
    import time

    clock.freeze(utc(2030, 3, 1, 12))
    admin = await world.admin()
    org = await world.organisation()
    org_admin = await world.user(Role.ORG_ADMIN, organisation=org)
    member = await world.user(Role.CLIENT, organisation=org)
    await api.ok(GRANT, {"input": {"clientId": member.client_id, "amount": 5}}, admin.token)
    await api.ok(GRANT_ORG, {"input": {"organisationId": org, "amount": 5}}, admin.token)
    _coach, service = await setup_coach(api, world)
    created = (
        await api.ok('mutation { createApiKey(input: {name: "zap"}) { apiKey { id } secret } }', token=org_admin.token)
    )["createApiKey"]
    socket = await connect(server_a, created["secret"])
    await subscribe(socket, SESSIONS, "s", hub=hub)

    # The key sees its member's sessions (time, coach, status) while it holds.
    await api.ok(BOOK, {"i": {"serviceId": service, "startsAt": "2030-03-02T09:00:00Z"}}, member.token)
    await run_worker(test_settings)
    assert (await next_data(socket))["data"]["sessionChanged"]["status"] == "CONFIRMED"

    started = time.perf_counter()
    revoked = await api.ok(
        "mutation($id: ID!) { revokeApiKey(input: {apiKeyId: $id}) { userErrors { code } } }",
        {"id": created["apiKey"]["id"]},
        org_admin.token,
    )
    assert revoked["revokeApiKey"]["userErrors"] == []
    # No worker runs: the request published the signal itself, right after its commit.
    closing = asyncio.create_task(frames_until_closed(socket, 5))
    await asyncio.sleep(0)
    await api.ok(BOOK, {"i": {"serviceId": service, "startsAt": "2030-03-03T09:00:00Z"}}, member.token)
    await run_worker(test_settings)
    code, reason, frames = await closing
    elapsed_ms = (time.perf_counter() - started) * 1000
    print(f"revokeApiKey -> socket closed in {elapsed_ms:.0f} ms (including the revoke request and a booking)")
    assert (code, reason) == (4403, "API key revoked")
    assert frames == []  # the second booking never reached it


async def test_revocation_closes_the_socket_within_milliseconds(api, world, server_a, hub):
    """The figure: from sending revokeApiKey to the close frame, with nothing else in between."""
    import time

    org = await world.organisation()
    org_admin = await world.user(Role.ORG_ADMIN, organisation=org)
    timings = []
    for _ in range(5):
        created = (
            await api.ok(
                'mutation { createApiKey(input: {name: "zap"}) { apiKey { id } secret } }', token=org_admin.token
            )
        )["createApiKey"]
        socket = await connect(server_a, created["secret"])
        await subscribe(socket, SESSIONS, "s", hub=hub)
        closing = asyncio.create_task(frames_until_closed(socket, 5))
        started = time.perf_counter()
        await api.ok(
            "mutation($id: ID!) { revokeApiKey(input: {apiKeyId: $id}) { userErrors { code } } }",
            {"id": created["apiKey"]["id"]},
            org_admin.token,
        )
        answered = time.perf_counter()
        code, reason, frames = await closing
        closed = time.perf_counter()
        assert (code, reason, frames) == (4403, "API key revoked", [])
        timings.append(((closed - started) * 1000, (closed - answered) * 1000))
    print(
        "revocation -> close (ms from request sent, ms after its answer):",
        ", ".join(f"{a:.0f}/{b:.0f}" for a, b in timings),
    )
    assert sorted(t for t, _ in timings)[2] < 1000  # median well under a second


async def test_deactivating_an_organisation_closes_its_api_keys_sockets(api, world, server_a, hub):
    admin = await world.admin()
    org = await world.organisation()
    org_admin = await world.user(Role.ORG_ADMIN, organisation=org)
    secret = (await api.ok('mutation { createApiKey(input: {name: "zap"}) { secret } }', token=org_admin.token))[
        "createApiKey"
    ]["secret"]
    socket = await connect(server_a, secret)
    await subscribe(socket, SESSIONS, "s", hub=hub)

    await api.ok(
        "mutation($i: UpdateOrganisationInput!) { updateOrganisation(input: $i) { userErrors { code } } }",
        {"i": {"organisationId": org, "active": False}},
        admin.token,
    )
    code, reason, frames = await frames_until_closed(socket, 5)
    assert (code, reason, frames) == (4403, "Organisation deactivated", [])


async def test_a_tokens_socket_closes_when_the_token_expires(api, world, test_settings, server_a, hub):
    import time

    import jwt

    import models

    coach = await world.user(Role.COACH)
    user = await models.User.get(email=coach.email)
    now = int(time.time())
    token = jwt.encode(
        {
            "sub": str(user.id),
            "ver": user.token_version,
            "role": "COACH",
            "iss": test_settings.jwt_issuer,
            "aud": test_settings.jwt_audience,
            "iat": now,
            "exp": now + 2,
        },
        test_settings.secret_key,
        algorithm="HS256",
    )
    socket = await connect(server_a, token)
    await subscribe(socket, MESSAGES, hub=hub)

    code, reason, frames = await frames_until_closed(socket, 6)
    assert (code, reason, frames) == (4403, "Token expired", [])
    assert time.time() >= now + 2  # at the token's `exp`, not before


async def test_ending_a_users_tokens_closes_their_sockets_but_not_one_with_a_fresh_token(
    api, world, app, test_settings, server_a, hub
):
    """credentials.end_sessions is what a password change or reset and a deactivation run."""
    import models
    from domain import credentials, outbox

    coach = await world.user(Role.COACH)
    member = await world.user(Role.CLIENT, name="Mia Client")
    old = await connect(server_a, coach.token)
    await subscribe(old, MESSAGES, hub=hub)
    user = await models.User.get(email=coach.email)

    await credentials.end_sessions(user.id)
    await starlette_app(app).state.services["push_jobs"](
        outbox.take_written()
    )  # as the request path does after a commit
    code, reason, frames = await frames_until_closed(old, 5)
    assert (code, reason, frames) == (4403, "Token ended: signed out, deactivated or erased", [])

    fresh_token = (await api.ok(LOGIN, {"e": coach.email, "p": PASSWORD}))["login"]["token"]
    fresh = await connect(server_a, fresh_token)
    await subscribe(fresh, MESSAGES, hub=hub)
    await api.ok(
        "mutation($i: SendMessageInput!) { sendMessage(input: $i) { userErrors { code } } }",
        {"i": {"coachId": coach.coach_id, "body": "Still there?"}},
        member.token,
    )
    await run_worker(test_settings)
    assert (await next_data(fresh))["data"]["messageReceived"]["body"] == "Still there?"

    # Deactivation, heard through the worker's job alone (the fallback when the request could not publish).
    await credentials.end_sessions(user.id, deactivate=True)
    outbox.take_written()
    from workers.outbox import relay_outbox
    from workers.settings import create_queue

    queue = await create_queue(test_settings.redis_url)
    try:
        await relay_outbox({"redis": queue})
    finally:
        await queue.aclose()
    await run_worker(test_settings)
    code, reason, frames = await frames_until_closed(fresh, 5)
    assert (code, reason, frames) == (4403, "Token ended: signed out, deactivated or erased", [])


@pytest.mark.parametrize("change", ["token_version", "deactivated"])
async def test_a_change_that_sent_no_signal_still_delivers_nothing(api, world, test_settings, server_a, change, hub):
    """A bump or deactivation made behind the API's back (or a lost signal): the re-check before
    the next delivery closes the socket instead of delivering."""
    import models

    coach = await world.user(Role.COACH)
    member = await world.user(Role.CLIENT)
    socket = await connect(server_a, coach.token)
    await subscribe(socket, MESSAGES, hub=hub)
    user = await models.User.get(email=coach.email)
    if change == "token_version":
        await models.User.filter(id=user.id).update(token_version=user.token_version + 1)
    else:
        await models.User.filter(id=user.id).update(active=False)

    await api.ok(
        "mutation($i: SendMessageInput!) { sendMessage(input: $i) { userErrors { code } } }",
        {"i": {"coachId": coach.coach_id, "body": "private words"}},
        member.token,
    )
    await run_worker(test_settings)
    code, reason, frames = await frames_until_closed(socket, 5)
    assert (code, reason, frames) == (4403, "Token ended: signed out, deactivated or erased", [])


async def test_erasing_a_client_closes_their_sockets(api, world, server_a, hub):
    admin = await world.admin()
    member = await world.user(Role.CLIENT)
    socket = await connect(server_a, member.token)
    await subscribe(socket, MESSAGES, hub=hub)

    erased = await api.ok(
        "mutation($id: ID!) { eraseClient(input: {clientId: $id}) { userErrors { code } } }",
        {"id": member.client_id},
        admin.token,
    )
    assert erased["eraseClient"]["userErrors"] == []
    code, reason, frames = await frames_until_closed(socket, 5)
    assert (code, reason, frames) == (4403, "Token ended: signed out, deactivated or erased", [])


async def test_queries_and_mutations_over_the_socket_are_refused_and_change_nothing(api, world, server_a, hub):
    import models

    coach = await world.user(Role.COACH)
    socket = await connect(server_a, coach.token)
    await subscribe(socket, MESSAGES, "live", hub=hub)
    refusal = [
        {
            "message": "Only subscriptions run over this socket; send queries and mutations over HTTP POST.",
            "extensions": {"code": "INVALID"},
        }
    ]
    operations = {
        "m": {"query": 'mutation { createClient(input: {name: "Sneaky"}) { client { id } } }'},
        "q": {"query": "{ viewer { role } }"},
        "named": {
            "query": 'subscription S { messageReceived { body } } mutation M { createClient(input: {name: "Sneaky"}) { client { id } } }',
            "operationName": "M",
        },
    }
    for op_id, payload in operations.items():
        await socket.send(json.dumps({"id": op_id, "type": "subscribe", "payload": payload}))
        message = json.loads(await asyncio.wait_for(socket.recv(), 5))
        assert message == {"id": op_id, "type": "error", "payload": refusal}
    assert await models.Client.all().count() == 0
    # The socket and its subscription carry on.
    await socket.send(json.dumps({"type": "ping"}))
    assert json.loads(await asyncio.wait_for(socket.recv(), 5)) == {"type": "pong"}
    await socket.close()


async def test_a_subscribe_without_one_operation_to_run_is_a_coded_error(api, world, server_a, hub, caplog):
    import models

    coach = await world.user(Role.COACH)
    socket = await connect(server_a, coach.token)
    await subscribe(socket, MESSAGES, "live", hub=hub)
    both = (
        'mutation M { createClient(input: {name: "x"}) { client { id } } } subscription S { notificationAdded { id } }'
    )
    cases = {
        "number": ({"query": both, "operationName": 5}, "`operationName` must be a string."),
        "list": ({"query": MESSAGES, "operationName": ["S"]}, "`operationName` must be a string."),
        "unknown": ({"query": both, "operationName": "Nope"}, "The document has no operation named Nope."),
        "unnamed": ({"query": both}, "The document has several operations; name the one to run in `operationName`."),
        "none": ({"query": "fragment F on Query { viewer { role } }"}, "The document has no operation."),
    }
    for op_id, (payload, message) in cases.items():
        await socket.send(json.dumps({"id": op_id, "type": "subscribe", "payload": payload}))
        answer = json.loads(await asyncio.wait_for(socket.recv(), 5))
        assert answer == {
            "id": op_id,
            "type": "error",
            "payload": [{"message": message, "extensions": {"code": "INVALID"}}],
        }
    assert await models.Client.all().count() == 0
    assert [r for r in caplog.records if r.levelname == "ERROR"] == []
    await socket.send(json.dumps({"type": "ping"}))
    assert json.loads(await asyncio.wait_for(socket.recv(), 5)) == {"type": "pong"}
    await socket.close()


async def test_a_conversation_id_that_is_not_one_is_an_error_never_a_dropped_filter(api, world, server_a, hub):
    coach = await world.user(Role.COACH)
    member = await world.user(Role.CLIENT)
    other_coach = await world.user(Role.COACH)
    sent = await api.ok(
        "mutation($i: SendMessageInput!) { sendMessage(input: $i) { message { conversation { id } } } }",
        {"i": {"coachId": other_coach.coach_id, "body": "hello"}},
        member.token,
    )
    others_conversation = sent["sendMessage"]["message"]["conversation"]["id"]
    socket = await connect(server_a, coach.token)
    await subscribe(
        socket, 'subscription { messageReceived(conversationId: "not-an-id") { body } }', "0", hub=hub, listening=False
    )
    for op_id, conversation_id in (("0", "not-an-id"), ("1", member.client_id), ("2", others_conversation)):
        if op_id != "0":
            query = "subscription($c: ID) { messageReceived(conversationId: $c) { body } }"
            await socket.send(
                json.dumps(
                    {"id": op_id, "type": "subscribe", "payload": {"query": query, "variables": {"c": conversation_id}}}
                )
            )
        message = json.loads(await asyncio.wait_for(socket.recv(), 5))
        if message["type"] == "complete":  # after the previous operation's error
            message = json.loads(await asyncio.wait_for(socket.recv(), 5))
        assert message["id"] == op_id, message
        errors = message["payload"]["errors"] if message["type"] == "next" else message["payload"]
        assert [(e["message"], e["extensions"]["code"]) for e in errors] == [
            ("Conversation not found.", "NOT_FOUND")
        ], message
    await socket.close()


async def test_a_subscription_sent_over_http_is_a_coded_error(api, world):
    coach = await world.user(Role.COACH)
    for token in (coach.token, None):
        for query in (MESSAGES, "subscription { sessionChanged { status } }"):
            response = await api.post(query, token=token)
            assert response.status_code == 200, response.text
            assert response.json() == {
                "data": None,
                "errors": [
                    {
                        "message": "Subscriptions run over the WebSocket at /graphql (graphql-transport-ws), not over HTTP.",
                        "extensions": {"code": "INVALID"},
                    }
                ],
            }


# ---------------------------------------------------------------------------- live events right after the commit
# (issue 12: events waited for a worker's poll of the outbox, 250-500 ms; the request now publishes them itself and the outbox
# job is the fallback.)

SEND_MESSAGE = "mutation($i: SendMessageInput!) { sendMessage(input: $i) { userErrors { code } } }"


async def publish_jobs_queued(redis) -> list[str]:
    from arq.constants import default_queue_name

    return [job_id.decode() for job_id in await redis.zrange(default_queue_name, 0, -1) if b"publish_event" in job_id]


async def test_a_message_reaches_an_open_socket_right_after_its_commit_with_no_worker_running(
    api, world, server_a, hub, redis
):
    import models

    coach, _ = await setup_coach(api, world)
    member = await world.user(Role.CLIENT, name="Mia Client")
    socket = await connect(server_a, coach.token)
    await subscribe(socket, MESSAGES, hub=hub)

    await api.ok(SEND_MESSAGE, {"i": {"coachId": coach.coach_id, "body": "Straight through"}}, member.token)

    received = await next_data(socket)  # no worker runs in this test
    assert received["data"]["messageReceived"] == {
        "body": "Straight through",
        "sender": "CLIENT",
        "senderName": "Mia Client",
    }
    # The request published it and marked its outbox row: nothing left for the relay or a worker.
    assert await models.OutboxJob.filter(job_name="publish_event", pushed_at__isnull=True).count() == 0
    assert await publish_jobs_queued(redis) == []
    await socket.close()


async def test_when_the_direct_publish_fails_the_outbox_job_delivers_the_event(
    app, api, world, test_settings, server_a, hub, redis
):
    from arq.connections import ArqRedis
    from redis.asyncio import ConnectionPool

    import models
    from app.jobs import JobPusher
    from workers.outbox import relay_outbox
    from workers.settings import create_queue

    coach, _ = await setup_coach(api, world)
    member = await world.user(Role.CLIENT, name="Mia Client")
    socket = await connect(server_a, coach.token)
    await subscribe(socket, MESSAGES, hub=hub)

    services = starlette_app(app).state.services
    working = services["push_jobs"]
    dead = ArqRedis(connection_pool=ConnectionPool(host="127.0.0.1", port=1, socket_connect_timeout=0.2))
    services["push_jobs"] = JobPusher(dead)  # Redis is away for the request's publish
    try:
        await api.ok(SEND_MESSAGE, {"i": {"coachId": coach.coach_id, "body": "Later but there"}}, member.token)
    finally:
        services["push_jobs"] = working
        await dead.aclose()
    waiting = await models.OutboxJob.filter(
        job_name="publish_event", pushed_at__isnull=True, args__contains=["message"]
    )
    assert len(waiting) == 1  # the event waits in the outbox

    queue = await create_queue(test_settings.redis_url)  # Redis is back: the relay pushes it as a job
    try:
        await relay_outbox({"redis": queue})
    finally:
        await queue.aclose()
    assert waiting[0].job_id in await publish_jobs_queued(redis)
    await run_worker(test_settings)

    received = await next_data(socket)
    assert received["data"]["messageReceived"]["body"] == "Later but there"
    assert await publish_jobs_queued(redis) == []
    await socket.close()


async def test_an_event_published_directly_and_again_by_its_job_reaches_a_socket_once(
    api, world, test_settings, server_a, hub, redis
):
    """The process dies after publishing, before marking the outbox row: the relay pushes the job
    as well, and a worker runs it; the socket still hears the message once."""
    import models
    from workers.outbox import relay_outbox
    from workers.settings import create_queue

    coach, _ = await setup_coach(api, world)
    member = await world.user(Role.CLIENT)
    socket = await connect(server_a, coach.token)
    await subscribe(socket, MESSAGES, hub=hub)
    await api.ok(SEND_MESSAGE, {"i": {"coachId": coach.coach_id, "body": "Only once"}}, member.token)
    assert (await next_data(socket))["data"]["messageReceived"]["body"] == "Only once"

    # As if the row had never been marked: the fallback job publishes every event again.
    assert await models.OutboxJob.filter(job_name="publish_event").update(pushed_at=None) >= 1
    unpushed = await models.OutboxJob.filter(pushed_at__isnull=True).count()  # with any other job waiting
    queue = await create_queue(test_settings.redis_url)
    try:
        assert await relay_outbox({"redis": queue}) == unpushed
    finally:
        await queue.aclose()
    await run_worker(test_settings)
    assert await publish_jobs_queued(redis) == []  # the jobs ran

    # The next frame is the next message, not the first one again (pub/sub keeps the order).
    await api.ok(SEND_MESSAGE, {"i": {"coachId": coach.coach_id, "body": "And then this"}}, member.token)
    assert (await next_data(socket))["data"]["messageReceived"]["body"] == "And then this"


async def test_an_auto_reply_reaches_the_clients_socket_like_any_message(api, world, test_settings, server_a, hub):
    clock.freeze(utc(2030, 3, 1, 12))
    coach, _ = await setup_coach(api, world)
    member = await world.user(Role.CLIENT, name="Mia Client")
    await api.ok(
        'mutation { updateCoachSettings(input: {autoReply: "Away this week"}) { userErrors { code } } }',
        token=coach.token,
    )
    await api.ok(
        """mutation { addTimeOff(input: {startsAt: "2030-03-01T00:00:00Z", endsAt: "2030-03-08T00:00:00Z"}) {
        userErrors { code } } }""",
        token=coach.token,
    )
    socket = await connect(server_a, member.token)
    await subscribe(socket, "subscription { messageReceived { body sender automatic } }", hub=hub)

    sent = await api.ok(
        "mutation($i: SendMessageInput!) { sendMessage(input: $i) { userErrors { code } } }",
        {"i": {"coachId": coach.coach_id, "body": "Hello?"}},
        member.token,
    )
    assert sent["sendMessage"]["userErrors"] == []
    await run_worker(test_settings)  # the outbox's fallback, should the direct publish have missed

    received = await next_data(socket)
    assert received["data"]["messageReceived"] == {"body": "Away this week", "sender": "COACH", "automatic": True}
    await socket.close()
