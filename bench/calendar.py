"""A calendar feed of 500 sessions: GET /calendar/<token>.ics through the real app.

Seeds one run's fresh database: a coach in Europe/London with 50 clients (made by the domain, as
the API would) and 500 sessions in the feed's window (30 days back to a year ahead), mostly
CONFIRMED, some PENDING, CANCELLED and COMPLETED, inserted straight into the table. Then the feed
is fetched through the ASGI app built by `app.http.asgi` with its lifespan running, over httpx's
ASGITransport (no socket; the client's cost is in the numbers, as in bench/booking.py): the token
lookup, the throttle (Redis), one query, the document, its ETag. The document alone
(domain.calendar.document, the query and the writing) is timed too.

Target: the feed served in under 100 ms (p50 and worst); exit status 1 otherwise, or when the feed
does not hold the 500 sessions. The throttle allows 30 fetches per address in 5 minutes, so 5
warm-up and 20 timed fetches stay inside it.

Database: DATABASE_URL / REDIS_URL when set, else the embedded servers (app.infra). It creates
(dropping it first) `<database>_bench_calendar` next to the configured database, migrates it and
leaves it for inspection.
"""

from __future__ import annotations

import dataclasses
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import httpx
from tortoise import connections

from app import db, infra
from app import settings as settings_module
from app.http import asgi
from bench import run
from bench.booking import create_users, database_url, fresh_database
from domain import calendar, clock
from domain.viewer import Viewer
from models.enums import CoachKind, Role, SessionStatus

SESSIONS = 500
CLIENTS = 50
TARGET_MS = 100.0
WARMUP, TIMED = 5, 20
NOW = datetime(2030, 6, 1, 8, tzinfo=UTC)


def status_of(i: int, starts_at: datetime) -> SessionStatus:
    if i % 10 == 3:
        return SessionStatus.CANCELLED
    if starts_at < NOW:
        return SessionStatus.COMPLETED
    return SessionStatus.PENDING if i % 10 == 7 else SessionStatus.CONFIRMED


async def seed() -> Viewer:
    import models
    from domain import clients

    [user] = await create_users(
        [{"email": "coach@bench.test", "name": "Bench Coach", "role": Role.COACH, "coach_kind": CoachKind.GLOBAL}]
    )
    coach = await models.Coach.get(user_id=user.id)
    coach.timezone = "Europe/London"
    await coach.save()
    service = await models.Service.create(
        coach_id=coach.id, name="Coaching, 50 minutes", duration_minutes=50, format="VIDEO", credits=1
    )
    viewer = Viewer(user_id=user.id, role=Role.COACH, name=user.name, coach_id=coach.id)
    client_ids = [
        (await clients.create_client(viewer, {"name": f"Client Number{i} Benchmark"})).id for i in range(CLIENTS)
    ]
    # Two a day (10:00 and 14:00 UTC) from 29 days back: 250 days, inside the year ahead.
    first_day = (NOW - timedelta(days=29)).replace(hour=0)
    rows = []
    for i in range(SESSIONS):
        starts_at = first_day + timedelta(days=i // 2, hours=10 if i % 2 == 0 else 14)
        ends_at = starts_at + timedelta(minutes=50)
        status = status_of(i, starts_at)
        rows.append((uuid4(), coach.id, client_ids[i % CLIENTS], service.id, starts_at, ends_at, status.value, i % 4))
    await connections.get("default").execute_many(
        "INSERT INTO sessions (id, coach_id, client_id, service_id, kind, format, credits, starts_at, ends_at, "
        "blocked_until, status, booked_by, late_cancellation, created_at, updated_at, revision) "
        "VALUES ($1, $2, $3, $4, 'GLOBAL', 'VIDEO', 1, $5, $6, $6, $7, 'COACH', false, now(), now(), $8)",
        rows,
    )
    return viewer


def ms(seconds: float) -> float:
    return seconds * 1000


async def bench() -> int:
    base = settings_module.from_env()
    base = dataclasses.replace(base, environment="bench", db_pool_max=4)
    address = await fresh_database(infra.database(base), "_bench_calendar")
    redis_url = base.redis_url or infra.redis_url(base)
    settings = dataclasses.replace(base, database_url=database_url(address), redis_url=redis_url)
    await db.migrate(settings)
    print(f"Calendar feed benchmark: {SESSIONS} sessions of one coach, {WARMUP} warm-up and {TIMED} timed fetches")
    print(
        f"  database {address.database} on {address.host}:{address.port}; Python {platform.python_version()}, {os.cpu_count()} CPUs"
    )

    app = asgi(settings, migrate=False)
    inner = app
    while not hasattr(inner, "router"):  # the Starlette app inside asgi()'s layers
        inner = inner.app
    problems: list[str] = []
    async with inner.router.lifespan_context(inner):
        clock.freeze(NOW)
        viewer = await seed()
        feed = await calendar.reset(viewer)
        assert feed is not None
        token = calendar.token_of(feed)
        owner = await calendar.owner_of(token or "")
        assert owner is not None

        documents = []
        for _ in range(WARMUP + TIMED):
            began = time.perf_counter()
            document = await calendar.document(owner)
            documents.append(time.perf_counter() - began)
        held = document.count("BEGIN:VEVENT")
        if held != SESSIONS:
            problems.append(f"the feed holds {held} sessions, not {SESSIONS}")

        served = []
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as http:
            for n in range(WARMUP + TIMED):
                began = time.perf_counter()
                response = await http.get(f"/calendar/{token}.ics")
                elapsed = time.perf_counter() - began
                if response.status_code != 200:
                    problems.append(f"fetch {n + 1} answered {response.status_code}")
                    break
                if n >= WARMUP:
                    served.append(elapsed)
            size = len(response.content)
        clock.reset()

    timed_documents = documents[WARMUP:]
    print(
        f"  document alone (query + writing): p50 {ms(statistics.median(timed_documents)):.1f} ms,"
        f" worst {ms(max(timed_documents)):.1f} ms"
    )
    if served:
        p50, worst = ms(statistics.median(served)), ms(max(served))
        print(
            f"  GET /calendar/<token>.ics, {SESSIONS} sessions, {size / 1024:.0f} KB:"
            f" p50 {p50:.1f} ms, worst {worst:.1f} ms (target < {TARGET_MS:.0f} ms)"
        )
        if worst >= TARGET_MS:
            problems.append(f"served in {worst:.1f} ms at worst, over the {TARGET_MS:.0f} ms target")
    for problem in problems:
        print(f"  PROBLEM: {problem}")
    return 1 if problems else 0


def main() -> int:
    return run(bench)


if __name__ == "__main__":
    sys.exit(main())
