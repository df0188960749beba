"""Live event latency: how long a message takes from `sendMessage` to an open subscription.

A coach holds a `messageReceived` subscription open over graphql-transport-ws on a real socket;
their client sends MESSAGES messages one after another with `sendMessage` over real HTTP. For each,
the time from the request's start, and from its response, to the `next` frame on the coach's
socket; p50 and p95 of each, in ms. The target: < 100 ms p50 (the events used to wait for a
worker's poll of the outbox, 250-500 ms).

The API is `caseload serve` in a process of its own, with no worker anywhere: every event measured
went the direct way (published by the request right after its commit). The client side (httpx
and websockets) runs in this process. A frame can arrive before the HTTP response does (the
request publishes before it answers): "after the response" is then negative.

Database: DATABASE_URL / REDIS_URL when set, else the embedded servers (app.infra), as the tests
do. It creates (dropping it first) `<database>_bench_live` next to the configured database and
migrates it; nothing else on the server is touched. BENCH_MESSAGES sets the messages timed
(default 20), after WARM_UP untimed ones.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import math
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import httpx
import websockets
from websockets.typing import Subprotocol

from app import db, infra
from app import settings as settings_module
from bench import run
from bench.booking import database_url, fresh_database

MESSAGES = int(os.environ.get("BENCH_MESSAGES", "20"))
WARM_UP = 3
TARGET_P50_MS = 100.0
PASSWORD = "bench horse battery staple"
ROOT = Path(__file__).resolve().parents[1]
PROTOCOL = Subprotocol("graphql-transport-ws")
SUBSCRIPTION = "subscription { messageReceived { body } }"
SEND = "mutation($i: SendMessageInput!) { sendMessage(input: $i) { userErrors { code } } }"
LOGIN = """mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) {
  token userErrors { code } } }"""
FRAME_TIMEOUT = 10.0  # a message that has not arrived by then is lost: the run fails


async def create_cast(settings: settings_module.Settings) -> str:
    """A GLOBAL coach and a client, made through the domain; returns the coach's global id."""
    import models
    from domain import encryption, users
    from domain.viewer import Viewer
    from models.enums import CoachKind, Role
    from schema.node import encode

    encryption.configure(settings.master_keys)
    await db.init(settings)
    try:
        system = Viewer(user_id=None, role=Role.ADMIN, name="System")
        coach_user = await users.create_user(
            system,
            email="coach@bench.test",
            name="Bench Coach",
            password=PASSWORD,
            role=Role.COACH,
            coach_kind=CoachKind.GLOBAL,
        )
        await users.create_user(
            system, email="client@bench.test", name="Bench Client", password=PASSWORD, role=Role.CLIENT
        )
        coach = await models.Coach.get(user_id=coach_user.id)
        return encode("Coach", coach.id)
    finally:
        await db.close()


def start_server(settings: settings_module.Settings, port: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": settings.database_url or "", "REDIS_URL": settings.redis_url or ""}
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


SERVER_START_SECONDS = 60


async def wait_healthy(http: httpx.AsyncClient) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while True:
        try:
            if (await http.get("/health")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("caseload serve did not become healthy")
        await asyncio.sleep(0.1)


async def sign_in(http: httpx.AsyncClient, email: str) -> str:
    body = (await http.post("/graphql", json={"query": LOGIN, "variables": {"e": email, "p": PASSWORD}})).json()
    token = body["data"]["login"]["token"]
    if not token:
        raise RuntimeError(f"login refused: {body}")
    return token


async def next_body(socket) -> tuple[str, float]:
    """The next message's body on the socket and when its frame arrived (perf_counter)."""
    while True:
        frame = json.loads(await socket.recv())
        arrived = time.perf_counter()
        if frame["type"] == "next":
            return frame["payload"]["data"]["messageReceived"]["body"], arrived
        if frame["type"] in ("error", "complete"):
            raise RuntimeError(f"the subscription ended: {frame}")


@dataclasses.dataclass
class Timing:
    from_request_ms: float
    from_response_ms: float


async def send_and_receive(http: httpx.AsyncClient, socket, token: str, coach_id: str, body: str) -> Timing:
    receiving = asyncio.create_task(asyncio.wait_for(next_body(socket), FRAME_TIMEOUT))
    await asyncio.sleep(0)  # the receiver waits on the socket before the request goes out
    started = time.perf_counter()
    answer = await http.post(
        "/graphql",
        headers={"Authorization": f"Bearer {token}"},
        json={"query": SEND, "variables": {"i": {"coachId": coach_id, "body": body}}},
    )
    answered = time.perf_counter()
    if answer.status_code != 200 or answer.json()["data"]["sendMessage"]["userErrors"]:
        receiving.cancel()
        raise RuntimeError(f"sendMessage failed: {answer.status_code} {answer.text}")
    received, arrived = await receiving
    if received != body:
        raise RuntimeError(f"expected {body!r} on the socket, got {received!r}")
    return Timing((arrived - started) * 1000, (arrived - answered) * 1000)


def percentile(values: list[float], p: float) -> float:
    """Nearest rank: the smallest value with at least p% of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


async def measure(base_url: str, coach_id: str) -> list[Timing]:
    ws_url = base_url.replace("http://", "ws://") + "/graphql"
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        await wait_healthy(http)
        coach_token = await sign_in(http, "coach@bench.test")
        client_token = await sign_in(http, "client@bench.test")
        async with websockets.connect(ws_url, subprotocols=[PROTOCOL]) as socket:
            await socket.send(
                json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {coach_token}"}})
            )
            ack = json.loads(await asyncio.wait_for(socket.recv(), 5))
            if ack["type"] != "connection_ack":
                raise RuntimeError(f"socket refused: {ack}")
            await socket.send(json.dumps({"id": "live", "type": "subscribe", "payload": {"query": SUBSCRIPTION}}))
            # Untimed: the first ones also show the subscription is listening, and warm the caches.
            for n in range(WARM_UP):
                await send_and_receive(http, socket, client_token, coach_id, f"warm-up {n}")
            return [
                await send_and_receive(http, socket, client_token, coach_id, f"message {n}") for n in range(MESSAGES)
            ]


async def bench() -> int:
    base = dataclasses.replace(settings_module.from_env(), environment="bench")
    address = await fresh_database(infra.database(base), "_bench_live")
    redis_url = base.redis_url or infra.redis_url(base)
    settings = dataclasses.replace(base, database_url=database_url(address), redis_url=redis_url)
    await db.migrate(settings)
    coach_id = await create_cast(settings)

    print(f"Live event latency: {MESSAGES} messages, sendMessage over HTTP -> messageReceived on a socket")
    print(
        f"  database {address.database} on {address.host}:{address.port}; `caseload serve` in its own process,"
        f" no worker; Python {platform.python_version()}, {os.cpu_count()} CPUs"
    )
    port = free_port()
    server = start_server(settings, port)
    try:
        timings = await measure(f"http://127.0.0.1:{port}", coach_id)
    finally:
        server.terminate()
        server.wait(timeout=20)

    from_request = [t.from_request_ms for t in timings]
    from_response = [t.from_response_ms for t in timings]
    print(
        f"  from the request's start:  p50 {percentile(from_request, 50):6.1f} ms   p95 {percentile(from_request, 95):6.1f} ms"
    )
    print(
        f"  from its HTTP response:    p50 {percentile(from_response, 50):6.1f} ms   p95 {percentile(from_response, 95):6.1f} ms"
    )
    print(f"  frames that beat the HTTP response: {sum(t < 0 for t in from_response)} of {len(timings)}")
    p50 = percentile(from_request, 50)
    verdict = "met" if p50 < TARGET_P50_MS else "MISSED"
    print(f"  target p50 < {TARGET_P50_MS:.0f} ms from the request's start: {verdict}")
    return 0


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    return run(bench)


if __name__ == "__main__":
    sys.exit(main())
