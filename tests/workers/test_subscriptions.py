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
from tests.api.test_booking import setup_coach, utc
from tests.workers.test_notifications import free_port, run_worker

ROOT = Path(__file__).resolve().parents[2]
PROTOCOL = "graphql-transport-ws"
MESSAGES = "subscription { messageReceived { body sender senderName } }"


@pytest.fixture
async def server_a(app):
    """This process's app, served on a real port (its lifespan already runs in the test session)."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning", ws="websockets-sansio"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    yield f"ws://127.0.0.1:{port}/graphql"
    server.should_exit = True
    await task


@pytest.fixture
async def server_b(test_settings):
    """Another API process: `caseload serve` on the same database and Redis."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": test_settings.database_url, "REDIS_URL": test_settings.redis_url}
    process = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--port", str(port)], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=url) as client:
        for _ in range(300):
            try:
                if (await client.get("/health")).status_code == 200:
                    break
            except httpx.TransportError:
                await asyncio.sleep(0.1)
        yield client
    process.terminate()
    process.wait(timeout=20)


async def connect(url: str, token: str | None):
    socket = await websockets.connect(url, subprotocols=[PROTOCOL])
    await socket.send(json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"} if token else {}}))
    return socket


async def subscribe(socket, query: str, op_id: str = "1") -> None:
    ack = json.loads(await asyncio.wait_for(socket.recv(), 5))
    assert ack["type"] == "connection_ack", ack
    await socket.send(json.dumps({"id": op_id, "type": "subscribe", "payload": {"query": query}}))
    await asyncio.sleep(0.2)  # let the subscription start listening


async def next_data(socket) -> dict:
    while True:
        message = json.loads(await asyncio.wait_for(socket.recv(), 10))
        if message["type"] == "next":
            return message["payload"]
        assert message["type"] not in ("error", "complete"), message


async def send_message_via(client: httpx.AsyncClient, token: str, coach_id: str, body: str) -> None:
    answer = await client.post("/graphql", headers={"Authorization": f"Bearer {token}"}, json={
        "query": "mutation($i: SendMessageInput!) { sendMessage(input: $i) { userErrors { code } } }",
        "variables": {"i": {"coachId": coach_id, "body": body}}})
    assert answer.json()["data"]["sendMessage"]["userErrors"] == [], answer.text


async def test_a_message_sent_through_another_process_reaches_only_its_coach(api, world, test_settings, server_a, server_b):
    clock.freeze(utc(2030, 3, 1, 12))
    coach, _ = await setup_coach(api, world)
    other_coach, _ = await setup_coach(api, world)
    member = await world.user(Role.CLIENT, name="Mia Client")
    other_member = await world.user(Role.CLIENT, name="Otto Client")
    mine = await connect(server_a, coach.token)
    theirs = await connect(server_a, other_coach.token)
    await subscribe(mine, MESSAGES)
    await subscribe(theirs, MESSAGES)

    clock.reset()  # process B has its own (real) clock
    await send_message_via(server_b, member.token, coach.coach_id, "Hello from process B")
    await run_worker(test_settings)  # publishes the event on Redis pub/sub

    received = await next_data(mine)
    assert received["data"]["messageReceived"] == {"body": "Hello from process B", "sender": "CLIENT", "senderName": "Mia Client"}

    # The other coach's first event is their own client's message, never the first one.
    await send_message_via(server_b, other_member.token, other_coach.coach_id, "Hello other coach")
    await run_worker(test_settings)
    seen_by_other = await next_data(theirs)
    assert seen_by_other["data"]["messageReceived"]["body"] == "Hello other coach"
    await mine.close()
    await theirs.close()


async def test_sockets_without_a_valid_token_are_closed(server_a):
    for token in (None, "not-a-token"):
        socket = await connect(server_a, token)
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), 5)
        assert closed.value.rcvd.code == 4403


async def test_a_socket_that_never_says_connection_init_is_closed(server_a):
    socket = await websockets.connect(server_a, subprotocols=[PROTOCOL])
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await asyncio.wait_for(socket.recv(), 8)
    assert closed.value.rcvd.code == 4408  # the protocol's "connection initialisation timeout", after 5 s


async def test_at_most_ten_subscriptions_per_socket(api, world, server_a):
    coach = await world.user(Role.COACH)
    socket = await connect(server_a, coach.token)
    await subscribe(socket, MESSAGES, "0")
    for op in range(1, 11):
        await socket.send(json.dumps({"id": str(op), "type": "subscribe", "payload": {"query": MESSAGES}}))
    message = json.loads(await asyncio.wait_for(socket.recv(), 5))
    assert message["id"] == "10", message  # the eleventh is refused; the first ten stay open
    errors = message["payload"]["errors"] if message["type"] == "next" else message["payload"]
    assert [e["extensions"]["code"] for e in errors] == ["RATE_LIMITED"], message
    await socket.close()


def test_origins_outside_the_allowed_list_are_refused():
    from app.http import CaseloadGraphQL

    view = CaseloadGraphQL.__new__(CaseloadGraphQL)
    view.settings = type("S", (), {"allowed_origins": ("https://app.example",)})()
    scope = lambda origin: {"headers": [(b"origin", origin)] if origin else []}  # noqa: E731
    assert view._origin_allowed(scope(b"https://app.example"))
    assert not view._origin_allowed(scope(b"https://evil.example"))
    assert view._origin_allowed(scope(None))  # not a browser


async def test_session_changes_and_notifications_reach_the_coachs_socket(api, world, test_settings, server_a):
    from tests.api.test_booking import BOOK
    from tests.api.test_credits import GRANT

    clock.freeze(utc(2030, 3, 1, 12))
    admin = await world.admin()
    member = await world.user(Role.CLIENT)
    coach, service = await setup_coach(api, world, auto_confirm=False)
    stranger, _ = await setup_coach(api, world)
    await api.ok(GRANT, {"input": {"clientId": member.client_id, "amount": 1}}, admin.token)
    socket = await connect(server_a, coach.token)
    await subscribe(socket, "subscription { sessionChanged { status startsAt } }", "s")
    await socket.send(json.dumps({"id": "n", "type": "subscribe", "payload": {"query": "subscription { notificationAdded { kind title } }"}}))
    other = await connect(server_a, stranger.token)
    await subscribe(other, "subscription { sessionChanged { status } }", "s")

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
    with pytest.raises((websockets.InvalidStatus, websockets.InvalidHandshake, websockets.ConnectionClosed)):
        socket = await websockets.connect(server_a, subprotocols=["graphql-ws"])
        await asyncio.wait_for(socket.recv(), 5)
