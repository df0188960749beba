"""Booking throughput: `bookSession` through the real schema against one hand-written SQL statement
per booking, then a check of the ledger.

For 1, 8 and 32 concurrent clients, in two pool modes:
- distinct pools: clients without an organisation, each debiting only its own credit pool;
- shared organisation pool: every client in one organisation, so every (GLOBAL) booking debits the
  client's pool and the organisation's one pool as well, the contended row.

Each concurrent client books successive 15-minute slots of its own GLOBAL coach: a coach's bookings
serialise on a per-coach advisory lock by design, so one coach per client keeps that lock out of
the numbers and the pools are what is measured.

The API side sends `bookSession` mutations with real JWTs over httpx's ASGITransport to the app
built by `app.http.asgi` with its lifespan running (the path tests/conftest.py uses: context,
authentication, strawberry extensions, resolvers, domain, tortoise). No HTTP server or socket is
involved, and the httpx client runs on the same event loop and core as the app, so its cost is in
the API numbers (the /health line shows that floor).

The SQL side does the same bookings with asyncpg: one statement per booking (SQL_BOOK below) that
debits the pool(s) with the conditional UPDATE, inserts the session, its BOOKING ledger row(s), the
coach-client relationship (if new) and the timeline event: the rows bookSession writes. It runs at
the same concurrency (N tasks on a pool of N connections), after the API side, once the app has
closed its connections (so the two pools never hold a shared server's connections together). It
skips what the domain checks before writing (the service, eligibility, the coach's weekly windows);
the exclusion constraint still guards the slot, and the CHECK constraints the balances.

API and SQL sessions go to separate date ranges (API in 2030, SQL from 2031), so the exclusion
constraint never sees them collide and the check can tell them apart. Afterwards: sessions booked =
credits debited = BOOKING ledger rows, for each source and pool kind, and for every session; every
pool's balance equals its ledger and is >= 0. Any mismatch is an inconsistency: exit status 1.

Database: DATABASE_URL / REDIS_URL when set, else the embedded servers (app.infra), as the tests
do. It creates (dropping it first) `<database>_bench` next to the configured database, migrates it
and leaves it for inspection; nothing else on the server is touched. BENCH_BOOKINGS sets the
bookings per measurement (default 768: about 3-10 s per API measurement on 2 cores).
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
import os
import platform
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from uuid import UUID

import asyncpg
import httpx

from app import db, infra
from app import settings as settings_module
from app.http import asgi
from bench import run
from domain import clock

UTC = UTC
CONCURRENCY = (1, 8, 32)
MODES = ("distinct pools", "shared org pool")
BOOKINGS = int(os.environ.get("BENCH_BOOKINGS", "768"))
WARMUP_BOOKINGS = 64  # per mode and source, at the highest concurrency; not timed, but checked
PASSWORD = "bench horse battery staple"
CREDITS_EACH = 100_000  # domain.ledger.MAX_GRANT

FROZEN_AT = datetime(2030, 1, 7, tzinfo=UTC)  # domain.clock.now() for the whole run
API_FIRST_DAY = date(2030, 1, 8)
SQL_FIRST_DAY = date(2031, 1, 8)
SQL_FROM = datetime(2031, 1, 1, tzinfo=UTC)  # sessions from here on were booked by SQL
SLOT = timedelta(minutes=15)
# Availability is 00:00-23:59 every day, so a day holds 95 quarter-hour slots (23:45 would end
# at 24:00, after the window).
SLOTS_PER_DAY = 95

BOOK = """mutation($i: BookSessionInput!) { bookSession(input: $i) {
  session { id status startsAt } userErrors { code field message } } }"""
LOGIN = """mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) {
  token userErrors { code field message } } }"""
COACH_SETTINGS = """mutation($i: UpdateCoachSettingsInput!) { updateCoachSettings(input: $i) {
  userErrors { code field message } } }"""
SET_AVAILABILITY = """mutation($i: SetAvailabilityInput!) { setAvailability(input: $i) {
  userErrors { code field message } } }"""
CREATE_SERVICE = """mutation($i: CreateServiceInput!) { createService(input: $i) {
  service { id } userErrors { code field message } } }"""

# One booking in one statement. Parameters: $1 coach, $2 client, $3 service, $4 starts_at,
# $5 ends_at (= blocked_until, no buffer), $6 credits, $7 booking user, $8 actor name,
# $9 timeline summary, $10 occurred_at (the domain clock), $11 client pool, $12 organisation pool
# or NULL. A pool without the credits returns no row from its UPDATE; its ledger row then gets
# balance_after -1, which the CHECK constraint refuses, so the whole statement (debits included)
# rolls back: all or nothing without a transaction block.
SQL_BOOK = """
WITH client_debit AS (
    UPDATE credit_pools SET balance = balance - $6, updated_at = now()
    WHERE id = $11 AND balance >= $6 RETURNING balance
), organisation_debit AS (
    UPDATE credit_pools SET balance = balance - $6, updated_at = now()
    WHERE id = $12 AND balance >= $6 RETURNING balance
), debits (pool_id, balance_after) AS (
    SELECT $11::uuid, (SELECT balance FROM client_debit)
    UNION ALL
    SELECT $12::uuid, (SELECT balance FROM organisation_debit) WHERE $12::uuid IS NOT NULL
), booked AS (
    INSERT INTO sessions (id, coach_id, client_id, service_id, kind, format, credits, starts_at, ends_at,
                          blocked_until, status, booked_by, booked_by_user_id, late_cancellation,
                          created_at, updated_at)
    VALUES (gen_random_uuid(), $1, $2, $3, 'GLOBAL', 'VIDEO', $6, $4, $5,
            $5, 'CONFIRMED', 'CLIENT', $7, false, now(), now())
    RETURNING id
), ledger AS (
    INSERT INTO credit_transactions (id, pool_id, delta, balance_after, reason, session_id, created_by_id, created_at)
    SELECT gen_random_uuid(), d.pool_id, -$6, COALESCE(d.balance_after, -1), 'BOOKING', b.id, $7, now()
    FROM debits d CROSS JOIN booked b
), relationship AS (
    INSERT INTO coach_clients (id, coach_id, client_id, category, created_at)
    VALUES (gen_random_uuid(), $1, $2, 'PROSPECTIVE', now())
    ON CONFLICT (coach_id, client_id) DO NOTHING
), timeline AS (
    INSERT INTO activity_events (id, kind, client_id, session_id, actor_id, actor_name, summary,
                                 visible_to_client, occurred_at)
    SELECT gen_random_uuid(), 'SESSION_BOOKED', $2, b.id, $7, $8, $9, true, $10 FROM booked b
)
SELECT id FROM booked
"""

# ----------------------------------------------------------------------------- the cast


@dataclasses.dataclass
class Coach:
    coach_id: UUID
    service_id: UUID
    service_gid: str  # the global id the API takes


@dataclasses.dataclass
class Member:
    name: str
    user_id: UUID
    client_id: UUID
    token: str
    pool_id: UUID
    organisation_pool_id: UUID | None


@dataclasses.dataclass
class Run:
    mode: str
    clients: int
    source: str  # "API" or "SQL"
    bookings: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # this process (app and httpx client; not PostgreSQL)
    ok: int = 0
    failures: dict[str, int] = dataclasses.field(default_factory=dict)
    latencies: list[float] = dataclasses.field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def fail(self, code: str) -> None:
        self.failures[code] = self.failures.get(code, 0) + 1


class Calendar:
    """Hands each measurement its own run of days, so no slot is ever booked twice."""

    def __init__(self) -> None:
        self.next_day = {"API": API_FIRST_DAY, "SQL": SQL_FIRST_DAY}

    def days_for(self, source: str, per_client: int) -> date:
        first = self.next_day[source]
        self.next_day[source] = first + timedelta(days=math.ceil(per_client / SLOTS_PER_DAY) + 1)
        return first

    @staticmethod
    def slot(first_day: date, index: int) -> datetime:
        day = first_day + timedelta(days=index // SLOTS_PER_DAY)
        return datetime.combine(day, dtime(0, 0), UTC) + SLOT * (index % SLOTS_PER_DAY)


def shares(total: int, clients: int) -> list[int]:
    return [total // clients + (1 if j < total % clients else 0) for j in range(clients)]


# ----------------------------------------------------------------------------- set-up


async def fresh_database(address: infra.DatabaseAddress, suffix: str = "_bench") -> infra.DatabaseAddress:
    """An empty database beside the configured one (dropped first if a previous run left it)."""
    name = f"{address.database}{suffix}"
    admin = await asyncpg.connect(
        host=address.host,
        port=address.port,
        user=address.user,
        password=address.password or None,
        database=address.database,
    )
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return dataclasses.replace(address, database=name)


def database_url(address: infra.DatabaseAddress) -> str:
    if address.host.startswith("/"):  # a socket directory (the embedded server)
        return f"postgresql://{address.user}:{address.password}@/{address.database}?host={address.host}&port={address.port}"
    return f"postgresql://{address.user}:{address.password}@{address.host}:{address.port}/{address.database}"


class Api:
    def __init__(self, app):
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")

    async def ok(self, query: str, variables: dict, token: str | None = None) -> dict:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
        body = response.json()
        if response.status_code != 200 or body.get("errors"):
            raise RuntimeError(f"set-up request failed: {response.status_code} {body}")
        data = body["data"]
        payload = next(iter(data.values()))
        if payload.get("userErrors"):
            raise RuntimeError(f"set-up request refused: {payload['userErrors']}")
        return payload


async def create_users(specs: list[dict]) -> list:
    from domain import users
    from domain.viewer import Viewer
    from models.enums import Role

    system = Viewer(user_id=None, role=Role.ADMIN, name="System")
    gate = asyncio.Semaphore(8)  # argon2 hashes run in threads; a few at a time

    async def one(spec: dict):
        async with gate:
            return await users.create_user(system, password=PASSWORD, **spec)

    return await asyncio.gather(*[one(spec) for spec in specs])


async def sign_in(api: Api, emails: list[str]) -> list[str]:
    """Tokens from `login`. Four at a time: the login throttle counts an attempt before checking
    the password (and forgets it on success), and five at once from one address would be refused."""
    tokens: list[str] = []
    for start in range(0, len(emails), 4):
        batch = emails[start : start + 4]
        answers = await asyncio.gather(*[api.ok(LOGIN, {"e": email, "p": PASSWORD}) for email in batch])
        tokens += [answer["token"] for answer in answers]
    return tokens


async def set_up(app, clients_needed: int) -> tuple[list[Coach], dict[str, list[Member]]]:
    import models
    from domain import ledger, organisations
    from domain.viewer import Viewer
    from models.enums import CoachKind, Role
    from schema.node import uuid_of

    system = Viewer(user_id=None, role=Role.ADMIN, name="System")
    api = Api(app)
    try:
        organisation = await organisations.create_organisation(system, "Bench Organisation", None)
        await ledger.grant_organisation_credits(system, organisation.id, CREDITS_EACH, "bench", None)

        coach_specs = [
            {"email": f"coach{j}@bench.test", "name": f"Coach {j}", "role": Role.COACH, "coach_kind": CoachKind.GLOBAL}
            for j in range(clients_needed)
        ]
        member_specs = {
            MODES[0]: [
                {"email": f"solo{j}@bench.test", "name": f"Solo {j}", "role": Role.CLIENT}
                for j in range(clients_needed)
            ],
            MODES[1]: [
                {
                    "email": f"member{j}@bench.test",
                    "name": f"Member {j}",
                    "role": Role.CLIENT,
                    "organisation_id": organisation.id,
                }
                for j in range(clients_needed)
            ],
        }
        await create_users(coach_specs + member_specs[MODES[0]] + member_specs[MODES[1]])

        coaches: list[Coach] = []
        coach_tokens = await sign_in(api, [spec["email"] for spec in coach_specs])
        rules = [{"weekday": d, "startTime": "00:00", "endTime": "23:59"} for d in range(1, 8)]
        for spec, token in zip(coach_specs, coach_tokens, strict=True):
            await api.ok(COACH_SETTINGS, {"i": {"timezone": "UTC", "bufferMinutes": 0, "autoConfirm": True}}, token)
            await api.ok(SET_AVAILABILITY, {"i": {"rules": rules}}, token)
            service = await api.ok(
                CREATE_SERVICE,
                {"i": {"name": "Quarter hour", "durationMinutes": 15, "format": "VIDEO", "credits": 1}},
                token,
            )
            gid = service["service"]["id"]
            user = await models.User.get(email=spec["email"])
            coach = await models.Coach.get(user_id=user.id)
            coaches.append(Coach(coach.id, uuid_of(gid, "Service"), gid))

        members: dict[str, list[Member]] = {}
        org_pool = await models.CreditPool.get(organisation_id=organisation.id)
        for mode, specs in member_specs.items():
            tokens = await sign_in(api, [spec["email"] for spec in specs])
            members[mode] = []
            for spec, token in zip(specs, tokens, strict=True):
                user = await models.User.get(email=spec["email"])
                client = await models.Client.get(user_id=user.id)
                await ledger.grant_client_credits(system, client, CREDITS_EACH, "bench", None)
                pool = await models.CreditPool.get(client_id=client.id)
                members[mode].append(
                    Member(
                        spec["name"],
                        user.id,
                        client.id,
                        token,
                        pool.id,
                        org_pool.id if spec.get("organisation_id") else None,
                    )
                )
        return coaches, members
    finally:
        await api.http.aclose()


# ----------------------------------------------------------------------------- the two ways


async def book_through_api(app, run: Run, coaches: list[Coach], members: list[Member], first_day: date) -> None:
    counts = shares(run.bookings, run.clients)
    https = [
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") for _ in range(run.clients)
    ]

    async def client(j: int) -> None:
        http, coach, member = https[j], coaches[j], members[j]
        headers = {"Authorization": f"Bearer {member.token}"}
        for k in range(counts[j]):
            variables = {"i": {"serviceId": coach.service_gid, "startsAt": Calendar.slot(first_day, k).isoformat()}}
            began = time.perf_counter()
            response = await http.post("/graphql", json={"query": BOOK, "variables": variables}, headers=headers)
            run.latencies.append(time.perf_counter() - began)
            if response.status_code != 200:
                run.fail(f"HTTP {response.status_code}")
                continue
            body = response.json()
            payload = (body.get("data") or {}).get("bookSession") or {}
            if body.get("errors"):
                run.fail(body["errors"][0].get("extensions", {}).get("code", "ERROR"))
            elif payload.get("userErrors"):
                run.fail(payload["userErrors"][0]["code"])
            elif payload.get("session") and payload["session"]["status"] == "CONFIRMED":
                run.ok += 1
            else:
                run.fail(f"UNEXPECTED {payload}")

    try:
        began, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*[client(j) for j in range(run.clients)])
        run.seconds, run.cpu_seconds = time.perf_counter() - began, time.process_time() - cpu
    finally:
        for http in https:
            await http.aclose()


async def book_through_sql(
    address: infra.DatabaseAddress, run: Run, coaches: list[Coach], members: list[Member], first_day: date
) -> None:
    counts = shares(run.bookings, run.clients)
    pool = await asyncpg.create_pool(
        host=address.host,
        port=address.port,
        user=address.user,
        password=address.password or None,
        database=address.database,
        min_size=run.clients,
        max_size=run.clients,
        server_settings={"TimeZone": "UTC"},
    )

    async def client(j: int) -> None:
        coach, member = coaches[j], members[j]
        async with pool.acquire() as conn:  # one connection per client, as each API request gets one
            for k in range(counts[j]):
                starts = Calendar.slot(first_day, k)
                summary = f"Quarter hour booked for {starts:%Y-%m-%d %H:%M} UTC"
                began = time.perf_counter()
                try:
                    session_id = await conn.fetchval(
                        SQL_BOOK,
                        coach.coach_id,
                        member.client_id,
                        coach.service_id,
                        starts,
                        starts + SLOT,
                        1,
                        member.user_id,
                        member.name,
                        summary,
                        clock.now(),
                        member.pool_id,
                        member.organisation_pool_id,
                    )
                except asyncpg.CheckViolationError:
                    run.fail("INSUFFICIENT_CREDITS")
                    continue
                except asyncpg.ExclusionViolationError:
                    run.fail("SLOT_UNAVAILABLE")
                    continue
                finally:
                    run.latencies.append(time.perf_counter() - began)
                if session_id is None:
                    run.fail("NO_ROW")
                else:
                    run.ok += 1

    try:
        began = time.perf_counter()
        await asyncio.gather(*[client(j) for j in range(run.clients)])
        run.seconds = time.perf_counter() - began
    finally:
        await pool.close()


async def health_floor(app, requests: int = 500) -> float:
    """Requests per second of GET /health through the same transport: what httpx and the ASGI
    stack cost before any GraphQL or database work."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as http:
        for _ in range(20):
            await http.get("/health")
        began = time.perf_counter()
        for _ in range(requests):
            await http.get("/health")
        return requests / (time.perf_counter() - began)


# ----------------------------------------------------------------------------- the check


async def check(conn: asyncpg.Connection, runs: list[Run]) -> tuple[int, list[str]]:
    """Sessions booked = credits debited = BOOKING ledger rows, per source and pool kind and per
    session; balances = ledgers, >= 0. Returns the inconsistencies and the lines to print."""
    lines: list[str] = []
    problems: list[str] = []
    expected = {
        "API": sum(r.ok for r in runs if r.source == "API"),
        "SQL": sum(r.ok for r in runs if r.source == "SQL"),
    }

    sessions = {
        row["source"]: row
        for row in await conn.fetch(
            """SELECT CASE WHEN s.starts_at < $1 THEN 'API' ELSE 'SQL' END AS source, count(*) AS sessions,
                  count(*) FILTER (WHERE c.organisation_id IS NOT NULL AND s.kind = 'GLOBAL') AS organisation_sessions,
                  sum(s.credits) AS credits,
                  coalesce(sum(s.credits) FILTER (WHERE c.organisation_id IS NOT NULL AND s.kind = 'GLOBAL'), 0) AS organisation_credits
           FROM sessions s JOIN clients c ON c.id = s.client_id GROUP BY 1""",
            SQL_FROM,
        )
    }
    ledger = {
        (row["source"], row["kind"]): row
        for row in await conn.fetch(
            """SELECT CASE WHEN s.starts_at < $1 THEN 'API' ELSE 'SQL' END AS source, p.kind,
                  count(*) AS rows, -sum(t.delta) AS debited
           FROM credit_transactions t JOIN credit_pools p ON p.id = t.pool_id JOIN sessions s ON s.id = t.session_id
           WHERE t.reason = 'BOOKING' GROUP BY 1, 2""",
            SQL_FROM,
        )
    }

    lines.append(
        f"  {'source':<6} {'booked (answers)':>17} {'sessions':>9} │ {'client pools: debited':>22} {'rows':>6}"
        f" │ {'org pool: sessions':>19} {'debited':>8} {'rows':>6}"
    )
    for source in ("API", "SQL"):
        s = sessions.get(source)
        n = s["sessions"] if s else 0
        credits = s["credits"] if s else 0
        org_n = s["organisation_sessions"] if s else 0
        org_credits = s["organisation_credits"] if s else 0
        cl = ledger.get((source, "CLIENT"))
        og = ledger.get((source, "ORGANISATION"))
        cl_debited, cl_rows = (cl["debited"], cl["rows"]) if cl else (0, 0)
        og_debited, og_rows = (og["debited"], og["rows"]) if og else (0, 0)
        lines.append(
            f"  {source:<6} {expected[source]:>17} {n:>9} │ {cl_debited:>22} {cl_rows:>6}"
            f" │ {org_n:>19} {og_debited:>8} {og_rows:>6}"
        )
        if n != expected[source]:
            problems.append(f"{source}: {expected[source]} bookings answered OK but {n} sessions stored")
        if not (n == cl_rows and credits == cl_debited):
            problems.append(
                f"{source}: {n} sessions ({credits} credits) but client pools debited {cl_debited} in {cl_rows} rows"
            )
        if not (org_n == og_rows and org_credits == og_debited):
            problems.append(
                f"{source}: {org_n} organisation sessions ({org_credits} credits) but the organisation pool "
                f"was debited {og_debited} in {og_rows} rows"
            )

    per_session = await conn.fetchval(
        """SELECT count(*) FROM sessions s JOIN clients c ON c.id = s.client_id
           CROSS JOIN LATERAL (
             SELECT count(*) FILTER (WHERE p.client_id = s.client_id) AS client_rows,
                    coalesce(-sum(t.delta) FILTER (WHERE p.client_id = s.client_id), 0) AS client_debit,
                    count(*) FILTER (WHERE p.organisation_id = c.organisation_id) AS org_rows,
                    coalesce(-sum(t.delta) FILTER (WHERE p.organisation_id = c.organisation_id), 0) AS org_debit,
                    count(*) AS all_rows
             FROM credit_transactions t JOIN credit_pools p ON p.id = t.pool_id
             WHERE t.session_id = s.id AND t.reason = 'BOOKING') l
           WHERE NOT (l.client_rows = 1 AND l.client_debit = s.credits
                      AND l.org_rows = (CASE WHEN c.organisation_id IS NOT NULL AND s.kind = 'GLOBAL' THEN 1 ELSE 0 END)
                      AND l.org_debit = (CASE WHEN c.organisation_id IS NOT NULL AND s.kind = 'GLOBAL' THEN s.credits ELSE 0 END)
                      AND l.all_rows = l.client_rows + l.org_rows)"""
    )
    if per_session:
        problems.append(
            f"{per_session} sessions without exactly one BOOKING debit of their credits per pool they draw on"
        )
    orphans = await conn.fetchval(
        "SELECT count(*) FROM credit_transactions WHERE reason = 'BOOKING' AND session_id IS NULL"
    )
    if orphans:
        problems.append(f"{orphans} BOOKING ledger rows without a session")

    pools = await conn.fetch(
        """SELECT p.id, p.kind, p.balance, coalesce(sum(t.delta), 0) AS ledger FROM credit_pools p
           LEFT JOIN credit_transactions t ON t.pool_id = p.id GROUP BY p.id, p.kind, p.balance"""
    )
    bad_pools = [p for p in pools if p["balance"] != p["ledger"] or p["balance"] < 0]
    for p in bad_pools:
        problems.append(f"{p['kind']} pool {p['id']}: balance {p['balance']}, ledger sum {p['ledger']}")
    lines.append(f"  credit pools: {len(pools)}, balance = ledger sum and >= 0 in {len(pools) - len(bad_pools)}")
    return len(problems), lines + [f"  ! {problem}" for problem in problems]


# ----------------------------------------------------------------------------- the run


def row(mode: str, api: Run, sql: Run) -> str:
    lat = sorted(api.latencies)
    p50 = statistics.median(lat) * 1000 if lat else 0.0
    p95 = lat[min(len(lat) - 1, int(len(lat) * 0.95))] * 1000 if lat else 0.0
    ratio = api.rate / sql.rate if sql.rate else 0.0
    cpu = api.cpu_seconds / api.ok * 1000 if api.ok else 0.0
    return (
        f"{mode:<17} {api.clients:>7} {api.bookings:>8} │ {api.rate:>8.0f} {p50:>7.1f} {p95:>7.1f} {cpu:>7.1f} │"
        f" {sql.rate:>8.0f} │ {ratio:>6.2f}x"
    )


HEADER = (
    f"{'mode':<17} {'clients':>7} {'bookings':>8} │ {'API /s':>8} {'p50 ms':>7} {'p95 ms':>7} {'CPU ms':>7} │"
    f" {'SQL /s':>8} │ {'API/SQL':>7}"
)


async def bench() -> int:
    base = settings_module.from_env()
    base = dataclasses.replace(base, environment="bench", db_pool_max=max(base.db_pool_max, max(CONCURRENCY)))
    address = await fresh_database(infra.database(base))
    redis_url = base.redis_url or infra.redis_url(base)
    settings = dataclasses.replace(base, database_url=database_url(address), redis_url=redis_url)
    await db.migrate(settings)

    print(f"Booking benchmark: {BOOKINGS} bookings per measurement, 15-minute GLOBAL sessions of 1 credit")
    print(
        f"  database {address.database} on {address.host}:{address.port}; app pool max {settings.db_pool_max} connections;"
        f" Python {platform.python_version()}, {os.cpu_count()} CPUs"
    )

    app = asgi(settings, migrate=False)
    inner = app
    while not hasattr(inner, "router"):  # the Starlette app inside asgi()'s layers
        inner = inner.app
    calendar = Calendar()
    top = max(CONCURRENCY)
    plan = [(mode, clients) for mode in MODES for clients in CONCURRENCY]
    measured: dict[tuple[str, int, str], Run] = {}
    warm_ups: list[Run] = []
    clock.freeze(FROZEN_AT)
    try:
        # The API measurements run first, inside the app's lifespan; the SQL ones after it, with
        # the app's connections closed, so the two pools (32 connections each at the top) never
        # hold a shared server's connections at the same time.
        async with inner.router.lifespan_context(inner):
            began = time.perf_counter()
            coaches, members = await set_up(app, top)
            print(
                f"  set-up: {len(coaches)} coaches, {sum(len(m) for m in members.values())} clients "
                f"in {time.perf_counter() - began:.1f} s"
            )
            print(f"  httpx + ASGI floor: GET /health {await health_floor(app):.0f} requests/s (1 client)")
            for mode in MODES:  # warm-up: caches, prepared statements, the first pages of each index
                warm = Run(mode, top, "API", bookings=WARMUP_BOOKINGS)
                first = calendar.days_for("API", max(shares(WARMUP_BOOKINGS, top)))
                await book_through_api(app, warm, coaches, members[mode], first)
                warm_ups.append(warm)
            for mode, clients in plan:
                run = Run(mode, clients, "API", bookings=BOOKINGS)
                first = calendar.days_for("API", max(shares(BOOKINGS, clients)))
                await book_through_api(app, run, coaches, members[mode], first)
                measured[mode, clients, "API"] = run
                print(f"  API {mode}, {clients} clients: {run.rate:.0f} bookings/s", flush=True)
        for mode in MODES:
            warm = Run(mode, top, "SQL", bookings=WARMUP_BOOKINGS)
            first = calendar.days_for("SQL", max(shares(WARMUP_BOOKINGS, top)))
            await book_through_sql(address, warm, coaches, members[mode], first)
            warm_ups.append(warm)
        for mode, clients in plan:
            run = Run(mode, clients, "SQL", bookings=BOOKINGS)
            first = calendar.days_for("SQL", max(shares(BOOKINGS, clients)))
            await book_through_sql(address, run, coaches, members[mode], first)
            measured[mode, clients, "SQL"] = run
            print(f"  SQL {mode}, {clients} clients: {run.rate:.0f} bookings/s", flush=True)
    finally:
        clock.reset()

    print()
    print(HEADER)
    print("─" * len(HEADER))
    for mode, clients in plan:
        print(row(mode, measured[mode, clients, "API"], measured[mode, clients, "SQL"]))
    ratios = [measured[m, c, "API"].rate / measured[m, c, "SQL"].rate for m, c in plan if measured[m, c, "SQL"].rate]
    print(f"API/SQL from {min(ratios):.2f}x to {max(ratios):.2f}x (aim >= 0.5x)")
    print("API = bookSession over httpx ASGITransport; p50/p95 = latency per request; CPU = this process's CPU time")
    print("per booking (app and httpx client, not PostgreSQL). SQL = one hand-written statement per booking.")
    runs = warm_ups + list(measured.values())

    failed = [r for r in runs if r.failures]
    print()
    for r in failed:
        print(f"  ! {r.source} {r.mode}, {r.clients} clients: refused {r.failures}")
    conn = await asyncpg.connect(
        host=address.host,
        port=address.port,
        user=address.user,
        password=address.password or None,
        database=address.database,
    )
    try:
        inconsistencies, lines = await check(conn, runs)
    finally:
        await conn.close()
    print("Consistency (sessions booked = credits debited = BOOKING ledger rows; warm-up included):")
    print("\n".join(lines))
    print(f"inconsistencies: {inconsistencies}")
    return 1 if inconsistencies or failed else 0


def main() -> int:
    return run(bench)


if __name__ == "__main__":
    sys.exit(main())
