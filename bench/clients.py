"""The My Clients page and the category recalculation at scale.

Seeds, set-based and straight into the tables (not through the API), one run's fresh database:
one coach with 20,000 clients and one with 100 (both real users, made by domain.users.create_user,
so they can log in), filler coaches holding the rest of 1,000,000 coach-client relationships,
200,000 clients (each with its CLIENT credit pool; a fifth in 20 organisations), 200,000 sessions
and 200,000 messages. Then, each side by side in this one run:

- the category recalculation: `categories.recalculate_expired()` over 1,000,000 relationships whose
  categories have all expired, against a trivial 1,000,000-row `UPDATE coach_clients SET category =
  category`; then the steady state: the next day's real crossings, and a heavier 1/30 of the rows;
- p50/p95 of a 50-row `myClients` page with every column (the PAGE of tests/api/test_client_page.py),
  unfiltered, filtered (the relationship filters serviceIds, relationshipSince and
  minSessionsLast90Days included) and under each ordering, through the real schema (the ASGI app over httpx's
  ASGITransport, with a real login token, as bench/booking.py does), against the same page's data
  fetched by one hand-written asyncpg statement and serialised to the same JSON by hand. Before it
  is timed, each case checks that the two answers are equal;
- SQL statements per page for 10 and for 50 rows, for every case (asyncpg's statement methods,
  counted as tests/api/test_client_page.py's StatementCounter does);
- p50 of the unfiltered page for the 20,000-client coach / for the 100-client coach.

Sessions: each coach's sessions sit in their own slots spread over the last year and the next month
(one every ~19 minutes for the big coach), so live ones never overlap (sessions_no_overlap holds);
past ones are mostly COMPLETED, some CANCELLED, NO_SHOW, or CONFIRMED within the last fortnight;
future ones mostly CONFIRMED, some PENDING or CANCELLED. Clients are spread over sessions by hash.
The bulk tables' secondary indexes are dropped for the load and rebuilt from their own definitions.

Fairness: every relationship row starts with its category expired; before each timed UPDATE the
table is VACUUMed (autovacuum is off for it meanwhile) and a CHECKPOINT taken, so each measurement
pays its own dead rows and full-page writes. The trivial UPDATE runs on freshly loaded, full pages,
so, like the recalculation, it cannot be a HOT update and writes every index. The page cases
alternate API and SQL requests; the SQL side plans per execution as the app does
(plan_cache_mode=force_custom_plan) and starts no parallel workers.

Database: DATABASE_URL / REDIS_URL when set, else the embedded servers (app.infra), as the tests
do. It creates (dropping it first) `<database>_bench_clients` next to the configured database,
migrates it and leaves it for inspection; nothing else on the server is touched. The app's pool is
kept at 4 connections; the bench holds 2 more (the hand-written side; seeding, VACUUM, CHECKPOINT).
BENCH_REPEATS sets the timed requests per page case and side (default 30). About 7 minutes on 2
cores, most of it the 1,000,000-row UPDATEs.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import hashlib
import json
import os
import platform
import random
import re
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx
from cryptography.fernet import Fernet, MultiFernet

from app import db, infra
from app import settings as settings_module
from app.http import asgi
from bench import run
from bench.booking import Api, database_url, fresh_database, health_floor, sign_in
from domain import clock, cursors, milestones

UTC = UTC
PASSWORD = "bench horse battery staple"
REPEATS = int(os.environ.get("BENCH_REPEATS", "30"))
WARM_UP = 5
INSTRUMENTED = 5  # requests per case with asyncpg's statements counted and timed (not in the p50s)

# ----------------------------------------------------------------------------- the data set

NOW = datetime(2030, 6, 3, 12, 0, tzinfo=UTC)  # the full recalculation's instant
NEXT_DAY = NOW + timedelta(days=1)  # the steady-state pass's, and the page's clock
HISTORY_DAYS, AHEAD_DAYS = 365, 30  # sessions from NOW - 365 d to NOW + 30 d
EXPIRED_AT = NOW - timedelta(hours=1)  # every seeded relationship's category_valid_until

CLIENTS = 200_000
BIG, SMALL = 20_000, 100  # clients 0..19,999 are the big coach's, 20,000..20,099 the small one's
RELATIONSHIPS = 1_000_000
PER_FILLER = 1_000  # filler coach f holds clients (f * 2003 + j) % CLIENTS, j < 1,000
FILLER_RELATIONSHIPS = RELATIONSHIPS - BIG - SMALL
FILLERS = -(-FILLER_RELATIONSHIPS // PER_FILLER)
SESSIONS = 200_000
BIG_SESSIONS, SMALL_SESSIONS = 30_000, 300
FILLER_SESSIONS = SESSIONS - BIG_SESSIONS - SMALL_SESSIONS
MESSAGES, CONVERSATIONS = 200_000, 50_000
ORGANISATIONS = 20  # clients with i % 5 = 0 belong to organisation (i / 5) % 20
SESSION_MINUTES = 15

FIRST_NAMES = [
    "Abigail",
    "Gabriel",
    "Mabel",
    "Fabian",
    "Isabel",
    "Anna",
    "Ben",
    "Chloe",
    "David",
    "Emma",
    "Finn",
    "Grace",
    "Henry",
    "Ivy",
    "Jack",
    "Kate",
    "Liam",
    "Mia",
    "Noah",
    "Olivia",
    "Paul",
    "Quinn",
    "Ruby",
    "Sam",
    "Tara",
    "Umar",
    "Vera",
    "Will",
    "Xena",
    "Yusuf",
    "Zoe",
    "Amir",
    "Bea",
    "Carl",
    "Dora",
    "Eli",
    "Fay",
    "Gus",
    "Hana",
    "Ian",
]
LAST_NAMES = [
    "Abbott",
    "Crabtree",
    "Sabato",
    "Adams",
    "Baker",
    "Clark",
    "Davis",
    "Evans",
    "Fisher",
    "Green",
    "Hughes",
    "Irwin",
    "Jones",
    "King",
    "Lewis",
    "Moore",
    "Nolan",
    "Owens",
    "Price",
    "Quint",
    "Reed",
    "Smith",
    "Turner",
    "Underwood",
    "Vance",
    "Walker",
    "Young",
    "Zimmer",
    "Murphy",
    "Patel",
    "Kowalski",
    "Novak",
    "Rossi",
    "Silva",
    "Tanaka",
    "Meyer",
    "Dubois",
    "Larsen",
    "Okafor",
    "Haddad",
]

# Coach index 0 is the big coach, 1 the small one (real users: :big, :small), 2.. the fillers.
COACH_ID = "(CASE WHEN {ix} = 0 THEN :big WHEN {ix} = 1 THEN :small ELSE md5('k' || ({ix}))::uuid END)"


def h(expr: str, salt: int, modulo: int) -> str:
    """A deterministic pseudo-random integer in [0, modulo) from an integer expression."""
    return f"(abs(hashint8extended(({expr})::bigint, {salt}) % {modulo}))::int"


SEED_STATEMENTS: list[tuple[str, str]] = [
    (
        "organisations",
        f"""
        INSERT INTO organisations (id, name, active, booking_starts_on, booking_ends_on, created_at, updated_at)
        SELECT md5('o' || o)::uuid, 'Organisation ' || o, o <> 7, NULL,
               CASE WHEN o = 3 THEN date '2030-01-01' END, :now - interval '800 days', :now - interval '800 days'
        FROM generate_series(0, {ORGANISATIONS - 1}) o""",
    ),
    (
        "organisation pools",
        f"""
        INSERT INTO credit_pools (id, kind, client_id, organisation_id, balance, updated_at)
        SELECT md5('op' || o)::uuid, 'ORGANISATION', NULL, md5('o' || o)::uuid, CASE WHEN o = 5 THEN 0 ELSE 100000 END, :now
        FROM generate_series(0, {ORGANISATIONS - 1}) o""",
    ),
    (
        "filler coaches (users)",
        f"""
        INSERT INTO users (id, email, name, password_hash, role, active, token_version, created_at, organisation_id)
        SELECT md5('u' || ix)::uuid, 'filler' || ix || '@bench.test', 'Filler Coach ' || ix, '!', 'COACH', true, 0,
               :now - interval '900 days', NULL
        FROM generate_series(2, {FILLERS + 1}) ix""",
    ),
    (
        "filler coaches",
        f"""
        INSERT INTO coaches (id, user_id, name, bio, timezone, kind, organisation_id, buffer_minutes, auto_confirm,
                             cancellation_window_hours, created_at)
        SELECT md5('k' || ix)::uuid, md5('u' || ix)::uuid, 'Filler Coach ' || ix, NULL, 'UTC', 'GLOBAL', NULL, 0, true, 24,
               :now - interval '900 days'
        FROM generate_series(2, {FILLERS + 1}) ix""",
    ),
    (
        "services",
        f"""
        INSERT INTO services (id, coach_id, name, description, duration_minutes, format, credits, price_minor, currency,
                              requires_confirmation, active, created_at)
        SELECT md5('s' || ix)::uuid, {COACH_ID.format(ix="ix")}, 'Quarter hour', NULL, {SESSION_MINUTES}, 'VIDEO', 1,
               5000, 'EUR', false, true, :now - interval '900 days'
        FROM generate_series(0, {FILLERS + 1}) ix""",
    ),
    # Clients in the order they arrived (created_at), spread over two years.
    (
        "clients",
        f"""
        INSERT INTO clients (id, user_id, name, email, phone, whatsapp, address, birth_date, organisation_id, active, tags,
                             focus_areas, health_context_enc, created_at, updated_at)
        SELECT md5('c' || i)::uuid, NULL, n.first || ' ' || n.last,
               lower(n.first || '.' || n.last || i || '@example.test'), '+4420' || lpad(i::text, 7, '0'), NULL, NULL,
               date '1960-01-01' + {h("i", 2, 15000)}, CASE WHEN i % 5 = 0 THEN md5('o' || ((i / 5) % {ORGANISATIONS}))::uuid END,
               {h("i", 3, 100)} >= 5,
               (ARRAY['{{vip}}', '{{vip,referral}}', '{{new}}', '{{corporate}}', '{{online,new}}', '{{}}', '{{}}', '{{}}',
                      '{{}}', '{{}}'])[1 + {h("i", 4, 10)}]::text[],
               '{{}}'::text[], NULL, n.created, n.created
        FROM generate_series(0, {CLIENTS - 1}) i
        CROSS JOIN LATERAL (SELECT (:first_names)[1 + {h("i", 5, len(FIRST_NAMES))}] AS first,
                                   (:last_names)[1 + {h("i", 6, len(LAST_NAMES))}] AS last,
                                   :now - make_interval(mins => {h("i", 7, 730 * 24 * 60)}) - interval '1 day' AS created) n
        ORDER BY n.created""",
    ),
    # 60% of the clients hold credits.
    (
        "client pools",
        f"""
        INSERT INTO credit_pools (id, kind, client_id, organisation_id, balance, updated_at)
        SELECT md5('p' || i)::uuid, 'CLIENT', md5('c' || i)::uuid, NULL,
               CASE WHEN {h("i", 8, 10)} < 6 THEN 1 + {h("i", 9, 20)} ELSE 0 END, :now - interval '1 day'
        FROM generate_series(0, {CLIENTS - 1}) i""",
    ),
    (
        "grants (ledger)",
        """
        INSERT INTO credit_transactions (id, pool_id, delta, balance_after, reason, session_id, note, idempotency_key,
                                         created_by_id, created_at)
        SELECT gen_random_uuid(), id, balance, balance, 'GRANT', NULL, 'bench', NULL, NULL, :now - interval '1 day'
        FROM credit_pools WHERE balance > 0""",
    ),
    # Every category expired: the first recalculation computes them all.
    (
        "relationships",
        f"""
        INSERT INTO coach_clients (id, coach_id, client_id, private_notes_enc, category, category_valid_until,
                                   last_session_at, next_session_at, created_at)
        SELECT gen_random_uuid(), {COACH_ID.format(ix="r.coach_ix")}, md5('c' || r.client_ix)::uuid, NULL, 'PROSPECTIVE',
               :expired, NULL, NULL, :now - make_interval(mins => {h("r.seq", 10, 700 * 24 * 60)}) - interval '1 day' AS created
        FROM (
            SELECT 0 AS coach_ix, i AS client_ix, i AS seq FROM generate_series(0, {BIG - 1}) i
            UNION ALL
            SELECT 1, {BIG} + i, {BIG} + i FROM generate_series(0, {SMALL - 1}) i
            UNION ALL
            SELECT 2 + i / {PER_FILLER}, ((i / {PER_FILLER}) * 2003 + i % {PER_FILLER}) % {CLIENTS}, {BIG + SMALL} + i
            FROM generate_series(0, {FILLER_RELATIONSHIPS - 1}) i
        ) r
        ORDER BY created""",
    ),
    # Session k of a coach with n sessions starts at NOW - 365 d + k * (395 d / n), floored to the
    # minute: never less than 18 minutes apart, so no two of a coach's sessions overlap.
    (
        "sessions",
        f"""
        INSERT INTO sessions (id, coach_id, client_id, organisation_id, service_id, kind, format, credits, starts_at, ends_at,
                              blocked_until, status, booking_notes, meeting_url, booked_by, booked_by_user_id, idempotency_key,
                              created_at, updated_at, cancelled_at, cancelled_by, cancel_reason, late_cancellation, refund_status)
        SELECT gen_random_uuid(), {COACH_ID.format(ix="x.coach_ix")}, md5('c' || x.client_ix)::uuid,
               CASE WHEN x.client_ix % 5 = 0 THEN md5('o' || ((x.client_ix / 5) % {ORGANISATIONS}))::uuid END,
               md5('s' || x.coach_ix)::uuid, 'GLOBAL', 'VIDEO', 1, x.starts_at,
               x.starts_at + interval '{SESSION_MINUTES} minutes', x.starts_at + interval '{SESSION_MINUTES} minutes',
               x.status, NULL, NULL, 'CLIENT', NULL, NULL, x.starts_at - interval '7 days', x.starts_at - interval '1 day',
               CASE WHEN x.status = 'CANCELLED' THEN x.starts_at - interval '2 days' END,
               CASE WHEN x.status = 'CANCELLED' THEN 'CLIENT' END, NULL, false, NULL
        FROM (
            SELECT p.coach_ix, p.client_ix, t.starts_at,
                   CASE WHEN t.starts_at <= :now THEN
                        CASE WHEN p.r < 80 THEN 'COMPLETED' WHEN p.r < 90 THEN 'CANCELLED' WHEN p.r < 95 THEN 'NO_SHOW'
                             WHEN t.starts_at > :now - interval '14 days' THEN 'CONFIRMED' ELSE 'COMPLETED' END
                   ELSE CASE WHEN p.r < 80 THEN 'CONFIRMED' WHEN p.r < 90 THEN 'PENDING' ELSE 'CANCELLED' END
                   END AS status
            FROM (
                SELECT 0 AS coach_ix, k, {BIG_SESSIONS} AS n, {h("k", 11, BIG)} AS client_ix, {h("k", 12, 100)} AS r
                FROM generate_series(0, {BIG_SESSIONS - 1}) k
                UNION ALL
                SELECT 1, k, {SMALL_SESSIONS}, {BIG} + {h("k", 13, SMALL)}, {h("k", 14, 100)}
                FROM generate_series(0, {SMALL_SESSIONS - 1}) k
                UNION ALL
                SELECT 2 + g % {FILLERS}, g / {FILLERS}, ({FILLER_SESSIONS} - g % {FILLERS} + {FILLERS} - 1) / {FILLERS},
                       ((g % {FILLERS}) * 2003
                        + {h("g", 15, f"LEAST({PER_FILLER}, {FILLER_RELATIONSHIPS} - (g % {FILLERS}) * {PER_FILLER})")})
                       % {CLIENTS},
                       {h("g", 16, 100)}
                FROM generate_series(0, {FILLER_SESSIONS - 1}) g
            ) p
            CROSS JOIN LATERAL (SELECT :now - interval '{HISTORY_DAYS} days'
                                       + make_interval(mins => (p.k::bigint * {(HISTORY_DAYS + AHEAD_DAYS) * 24 * 60} / p.n)::int)
                                       AS starts_at) t
        ) x
        ORDER BY x.starts_at""",
    ),
    ("data keys", "python"),
    # Half the big coach's relationships have a conversation, all the small coach's, and 39,900 others.
    (
        "conversations",
        f"""
        INSERT INTO conversations (id, coach_id, client_id, last_message_at, created_at)
        SELECT md5('v' || (row_number() OVER (ORDER BY cc.id) - 1))::uuid, cc.coach_id, cc.client_id, NULL, cc.created_at
        FROM ((SELECT id, coach_id, client_id, created_at FROM coach_clients WHERE coach_id = :big ORDER BY id LIMIT {BIG // 2})
              UNION ALL (SELECT id, coach_id, client_id, created_at FROM coach_clients WHERE coach_id = :small)
              UNION ALL (SELECT id, coach_id, client_id, created_at FROM coach_clients WHERE coach_id <> :big AND coach_id <> :small
                         ORDER BY id LIMIT {CONVERSATIONS - BIG // 2 - SMALL})) cc""",
    ),
    ("messages", "python"),
    (
        "conversations' last message",
        """
        UPDATE conversations v SET last_message_at = m.last
        FROM (SELECT conversation_id, max(sent_at) AS last FROM messages GROUP BY conversation_id) m
        WHERE v.id = m.conversation_id""",
    ),
]


PARAMETERS = {
    "big": "uuid",
    "small": "uuid",
    "now": "timestamptz",
    "first_names": "text[]",
    "last_names": "text[]",
    "expired": "timestamptz",
}


def bind(sql: str, values: dict[str, Any]) -> tuple[str, list[Any]]:
    """`:name` placeholders (PARAMETERS) to numbered, typed asyncpg ones; only those the statement uses."""
    used: list[str] = []

    def number(match: re.Match) -> str:
        name = match.group(1)
        if name not in used:
            used.append(name)
        return f"${used.index(name) + 1}::{PARAMETERS[name]}"

    text = re.sub(r"(?<![:\w]):(" + "|".join(PARAMETERS) + r")\b", number, sql)
    return text, [values[name] for name in used]


BULK_TABLES = ("clients", "coach_clients", "sessions", "messages", "credit_transactions", "client_data_keys")


async def secondary_indexes(conn: asyncpg.Connection) -> list[tuple[str, str]]:
    """(name, definition) of the bulk-loaded tables' indexes that back no constraint."""
    rows = await conn.fetch(
        """SELECT i.relname AS name, pg_get_indexdef(x.indexrelid) AS definition
           FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
           WHERE t.relname = ANY($1::text[]) AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)""",
        list(BULK_TABLES),
    )
    return [(r["name"], r["definition"]) for r in rows]


def client_uuid(i: int) -> UUID:
    """md5('c' || i)::uuid, the id SEED_STATEMENTS gives client i."""
    return UUID(hashlib.md5(f"c{i}".encode()).hexdigest())


async def seed_data_keys(conn: asyncpg.Connection, keyring: MultiFernet, keys: dict[UUID, bytes]) -> int:
    """Every client's data key (a Fernet key), wrapped by the master keys, as domain.encryption
    makes them: message bodies are encrypted with them, and the page decrypts each row's last one."""
    records = []
    for i in range(CLIENTS):
        client_id, key = client_uuid(i), Fernet.generate_key()
        keys[client_id] = key
        records.append((uuid4(), client_id, keyring.encrypt(key), NOW - timedelta(days=800)))
    await conn.copy_records_to_table(
        "client_data_keys", records=records, columns=["id", "client_id", "wrapped_key", "created_at"]
    )
    return len(records)


async def seed_messages(conn: asyncpg.Connection, keys: dict[UUID, bytes]) -> int:
    """MESSAGES messages, round-robin over the conversations, each body encrypted with its client's
    data key; sent over the last year."""
    conversations = await conn.fetch("SELECT id, client_id FROM conversations ORDER BY id")
    ciphers: dict[UUID, Fernet] = {}
    chance = random.Random(17)
    records = []
    for m in range(MESSAGES):
        conversation = conversations[m % len(conversations)]
        cipher = ciphers.get(conversation["client_id"])
        if cipher is None:
            cipher = ciphers[conversation["client_id"]] = Fernet(keys[conversation["client_id"]])
        body = f"Message {m}: see you on Thursday, and bring the notes from last time."
        records.append(
            (
                uuid4(),
                conversation["id"],
                "CLIENT" if m % 2 == 0 else "COACH",
                cipher.encrypt(body.encode()),
                NOW - timedelta(minutes=chance.randrange(365 * 24 * 60)),
            )
        )
    await conn.copy_records_to_table(
        "messages", records=records, columns=["id", "conversation_id", "sender_role", "body_enc", "sent_at"]
    )
    return len(records)


async def seed(conn: asyncpg.Connection, big_coach: UUID, small_coach: UUID, keyring: MultiFernet) -> list[str]:
    """Loads the data set with the bulk tables' secondary indexes dropped, then builds them again
    from their own definitions (faster than a million random index inserts each), then VACUUM
    ANALYZE. The database ends as the migrations left it, plus the rows."""
    lines = []
    keys: dict[UUID, bytes] = {}
    values = {
        "big": big_coach,
        "small": small_coach,
        "now": NOW,
        "first_names": FIRST_NAMES,
        "last_names": LAST_NAMES,
        "expired": EXPIRED_AT,
    }
    await conn.execute("SET synchronous_commit = off; SET work_mem = '256MB'; SET maintenance_work_mem = '256MB'")
    indexes = await secondary_indexes(conn)
    for name, _ in indexes:
        await conn.execute(f'DROP INDEX "{name}"')
    try:
        for name, sql in SEED_STATEMENTS:
            began = time.perf_counter()
            try:
                if name == "data keys":
                    rows = await seed_data_keys(conn, keyring, keys)
                elif name == "messages":
                    rows = await seed_messages(conn, keys)
                else:
                    text, params = bind(sql, values)
                    rows = int((await conn.execute(text, *params)).split()[-1])
            except asyncpg.PostgresError as error:
                raise RuntimeError(f"seeding {name}: {error!r}") from error
            lines.append(f"{name} {rows:,} ({time.perf_counter() - began:.1f} s)")
    finally:
        began = time.perf_counter()
        for _, definition in indexes:
            await conn.execute(definition)
        lines.append(f"{len(indexes)} secondary indexes rebuilt ({time.perf_counter() - began:.1f} s)")
    began = time.perf_counter()
    await conn.execute("VACUUM ANALYZE")
    lines.append(f"VACUUM ANALYZE ({time.perf_counter() - began:.1f} s)")
    await conn.execute("RESET synchronous_commit; RESET work_mem; RESET maintenance_work_mem")
    return lines


# ----------------------------------------------------------------------------- recalculation


@dataclasses.dataclass
class Timed:
    label: str
    rows: int
    seconds: float


async def timed_update(sql: str, *params) -> Timed:
    """An UPDATE on one of the app's (tortoise's) connections, as domain.categories runs its own."""
    from tortoise import connections

    async with connections.get("default").acquire_connection() as connection:
        began = time.perf_counter()
        status = await connection.execute(sql, *params)
        return Timed(sql, int(status.split()[-1]), time.perf_counter() - began)


async def timed_recalculation(label: str, now: datetime) -> Timed:
    from domain import categories

    began = time.perf_counter()
    rows = await categories.recalculate_expired(now)
    return Timed(label, rows, time.perf_counter() - began)


async def checkpoint(admin: asyncpg.Connection) -> None:
    """Start each measurement right after a checkpoint, so each pays its own full-page writes rather
    than whatever the previous one left (CHECKPOINT needs superuser or pg_checkpoint: else skipped)."""
    with contextlib.suppress(asyncpg.InsufficientPrivilegeError):
        await admin.execute("CHECKPOINT")


async def vacuum(admin: asyncpg.Connection) -> None:
    """Between measurements: clear the dead rows the last 1M-row UPDATE left, as autovacuum would
    (it is off for coach_clients during these measurements, so it never runs inside one)."""
    await admin.execute("VACUUM ANALYZE coach_clients")
    await checkpoint(admin)


async def recalculations(admin: asyncpg.Connection) -> list[Timed]:
    await admin.execute("ALTER TABLE coach_clients SET (autovacuum_enabled = false)")
    try:
        results = []
        await vacuum(admin)
        trivial = await timed_update("UPDATE coach_clients SET category = category")
        trivial.label = "trivial UPDATE coach_clients SET category = category"
        results.append(trivial)
        print(f"  {trivial.label}: {trivial.rows} rows in {trivial.seconds:.1f} s", flush=True)
        await vacuum(admin)
        full = await timed_recalculation("recalculate_expired(): every category expired", NOW)
        results.append(full)
        print(f"  {full.label}: {full.rows} rows in {full.seconds:.1f} s", flush=True)
        await vacuum(admin)
        day = await timed_recalculation(
            "steady state: recalculate_expired() a day later (the day's real crossings)", NEXT_DAY
        )
        results.append(day)
        print(f"  {day.label}: {day.rows} rows in {day.seconds:.2f} s", flush=True)
        # A heavier steady state: 1/30 of the rows cross (as if every category lasted a month).
        await admin.execute(
            f"UPDATE coach_clients SET category_valid_until = $1 WHERE {h('hashtext(id::text)', 18, 30)} = 0",
            NEXT_DAY - timedelta(minutes=1),
        )
        await vacuum(admin)
        month = await timed_recalculation("steady state: 1/30 of the rows expired", NEXT_DAY)
        results.append(month)
        print(f"  {month.label}: {month.rows} rows in {month.seconds:.2f} s", flush=True)
        await vacuum(admin)
        return results
    finally:
        await admin.execute("ALTER TABLE coach_clients RESET (autovacuum_enabled)")


# ----------------------------------------------------------------------------- the page

PAGE = """query($first: Int!, $s: ID, $filter: ClientFilter, $order: ClientOrder) {
  myClients(first: $first, filter: $filter, orderBy: $order) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { cursor node {
    id name email tags category creditsAvailable relationshipSince sessionsLast90Days milestones bookedWithOthers
    lastMessage { body sentAt }
    eligibility(serviceId: $s) { eligible reasons }
    lastSession { startsAt status } nextSession { startsAt status }
    stats { totalSessions completedSessions cancelledSessions noShows cancellationRate lastSessionAt nextSessionAt
            totalRevenue { amountMinor currency } }
  } }
} }"""

# Sort keys exactly as domain/client_list.py's ORDER_KEYS (the cursors carry them).
_RANK = (
    "CASE cc.category WHEN 'BOOKED' THEN 0 WHEN 'PREVIOUSLY_BOOKED_0_14' THEN 1 WHEN 'PREVIOUSLY_BOOKED_14_30' THEN 2"
    " WHEN 'PREVIOUSLY_BOOKED_30_PLUS' THEN 3 WHEN 'PROSPECTIVE' THEN 4 ELSE 9 END"
)
SQL_KEYS = {
    "NAME": "lower(c.name)",
    "CREATED_AT": "c.created_at",
    "CREDITS": "p.balance",
    "CATEGORY": _RANK,
    "LAST_SESSION": "COALESCE(cc.last_session_at, '0001-01-01T00:00:00Z'::timestamptz)",
    "NEXT_SESSION": "COALESCE(cc.next_session_at, '9999-12-31T00:00:00Z'::timestamptz)",
    "RELATIONSHIP_SINCE": "cc.created_at",
    "SESSIONS_LAST_90_DAYS": "COALESCE(r90.n, 0)",
}
HAD = "('CONFIRMED', 'COMPLETED', 'NO_SHOW')"
LAST_90_DAYS = "s.starts_at > $2::timestamptz - interval '2160 hours' AND s.starts_at <= $2"
# r90: the coach's sessions per client in the last 90 days (the SESSIONS_LAST_90_DAYS key and filter).
RECENT_JOIN = (
    f" LEFT JOIN (SELECT s.client_id, count(*) AS n FROM sessions s WHERE s.coach_id = $1 AND s.status IN {HAD}"
    f" AND {LAST_90_DAYS} GROUP BY s.client_id) r90 ON r90.client_id = cc.client_id"
)


@dataclasses.dataclass
class Case:
    label: str
    coach: str  # "big" or "small"
    order: str = "NAME"
    filter: dict | None = None
    api: list[float] = dataclasses.field(default_factory=list)
    sql: list[float] = dataclasses.field(default_factory=list)
    statements: int = 0
    statements_10: int = 0  # the same page with first: 10
    db: list[float] = dataclasses.field(default_factory=list)  # the API's time in asyncpg, per request
    rows: int = 0
    total: int = 0


def cases() -> list[Case]:
    found = [
        Case("unfiltered, NAME", "big"),
        Case("categories [PREVIOUSLY_BOOKED_0_14]", "big", filter={"categories": ["PREVIOUSLY_BOOKED_0_14"]}),
        Case("anyOf [CREDITS_AVAILABLE]", "big", filter={"anyOf": ["CREDITS_AVAILABLE"]}),
        Case('search "ab"', "big", filter={"search": "ab"}),
        Case('tags ["vip"]', "big", filter={"tags": ["vip"]}),
    ]
    found += [
        # "SERVICE": the coach's service (variables() and baseline_sql() put it in).
        Case("serviceIds [the coach's service]", "big", filter={"serviceIds": "SERVICE"}),
        Case("relationshipSince from 2029-06-04", "big", filter={"relationshipSince": {"from": "2029-06-04"}}),
        Case("minSessionsLast90Days 2", "big", filter={"minSessionsLast90Days": 2}),
        Case(
            "all three + anyOf, SESSIONS_LAST_90_DAYS",
            "big",
            order="SESSIONS_LAST_90_DAYS",
            filter={
                "serviceIds": "SERVICE",
                "relationshipSince": {"from": "2029-06-04"},
                "minSessionsLast90Days": 1,
                "anyOf": ["CREDITS_AVAILABLE"],
            },
        ),
    ]
    found += [
        Case(f"unfiltered, {order}", "big", order=order)
        for order in (
            "LAST_SESSION",
            "NEXT_SESSION",
            "CREDITS",
            "CREATED_AT",
            "CATEGORY",
            "RELATIONSHIP_SINCE",
            "SESSIONS_LAST_90_DAYS",
        )
    ]
    found.append(Case("unfiltered, NAME, 100-client coach", "small"))
    return found


def variables(case: Case, first: int, service_gid: str) -> dict:
    found = dict(case.filter) if case.filter else None
    if found and found.get("serviceIds") == "SERVICE":
        found["serviceIds"] = [service_gid]
    return {"first": first, "s": service_gid, "filter": found, "order": {"field": case.order, "direction": "ASC"}}


def _like(text: str) -> str:
    return "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def baseline_sql(case: Case) -> tuple[str, list[Any]]:
    """One statement: the page (index-ordered where an index allows), its total, and per row the
    organisation, the last and next session with this coach and the session stats. $1 coach, $2 now,
    $3 first, $4 service. hasNextPage is total > first (a first page: no cursor), so the page reads
    `first` rows, not one more."""
    params: list[Any] = []
    where = ["cc.coach_id = $1"]

    def p(value: Any) -> str:
        params.append(value)
        return f"${len(params) + 4}"

    f = case.filter or {}
    if f.get("categories") is not None:
        where.append(f"cc.category = ANY({p(f['categories'])}::text[])")
    if f.get("search"):
        pattern = p(_like(f["search"].strip()))
        where.append(f"(lower(c.name) LIKE {pattern} OR lower(c.email) LIKE {pattern})")
    if f.get("tags"):
        where.append(f"c.tags @> {p(f['tags'])}::text[]")
    if f.get("serviceIds") == "SERVICE":
        where.append(
            "EXISTS (SELECT 1 FROM sessions s WHERE s.coach_id = $1 AND s.client_id = cc.client_id"
            " AND s.service_id = $4 AND s.status <> 'CANCELLED')"
        )
    if f.get("relationshipSince"):
        # The bench coaches' zone is UTC: a day starts at its UTC midnight.
        where.append(f"cc.created_at >= {p(date.fromisoformat(f['relationshipSince']['from']))}::date::timestamptz")
    if f.get("minSessionsLast90Days") is not None:
        where.append(f"COALESCE(r90.n, 0) >= {p(f['minSessionsLast90Days'])}")
    if f.get("anyOf"):
        options = {
            "CREDITS_AVAILABLE": "p.balance > 0",
            "NO_CREDITS": "p.balance = 0",
            "ACTIVE": "c.active",
            "INACTIVE": "NOT c.active",
        }
        where.append("(" + " OR ".join(options[o] for o in f["anyOf"]) + ")")
    key = SQL_KEYS[case.order]
    conditions = " AND ".join(where)

    def tables(text: str, probe_clients: bool = False) -> str:
        """coach_clients, joined to clients and to the pools only where `text` reads them: every
        relationship has its client (a foreign key) and every client its one CLIENT pool, so the
        other joins cannot change which rows qualify. `probe_clients`: look each client up by id
        (a LATERAL fence) rather than let the planner hash all 200,000 of them, as it prefers: for
        the search, lower() and LIKE on the coach's 20,000 clients beat them on everyone's."""
        found = "coach_clients cc"
        if re.search(r"\bc\.", text) and probe_clients:
            found += (
                " CROSS JOIN LATERAL (SELECT c.id, c.name, c.email, c.tags, c.active FROM clients c"
                " WHERE c.id = cc.client_id OFFSET 0) c"
            )
        elif re.search(r"\bc\.", text):
            found += " JOIN clients c ON c.id = cc.client_id"
        if re.search(r"\bp\.", text):
            found += " JOIN credit_pools p ON p.client_id = cc.client_id"
        if re.search(r"\br90\.", text):
            found += RECENT_JOIN
        return found

    sql = f"""
WITH pg AS MATERIALIZED (
    SELECT cc.client_id AS id, {key} AS sort_key FROM {tables(conditions + " " + key)} WHERE {conditions}
    ORDER BY {key}, cc.client_id LIMIT $3
)
SELECT pg.id, pg.sort_key, c.name, c.email, c.tags, c.active, c.organisation_id, cc.category, cc.created_at AS since,
       p.balance, t.total, sv.credits AS service_credits, sv.kind AS service_kind,
       o.active AS org_active, o.booking_starts_on, o.booking_ends_on, op.balance AS org_balance,
       l.starts_at AS last_at, l.status AS last_status, nx.starts_at AS next_at, nx.status AS next_status,
       st.total_sessions, st.completed, st.cancelled, st.no_shows, st.revenue, st.currency, st.currencies, st.with_others,
       st.last_90_days,
       lm.body_enc AS message_enc, lm.sent_at AS message_sent_at, k.wrapped_key
FROM pg
JOIN clients c ON c.id = pg.id
JOIN coach_clients cc ON cc.coach_id = $1 AND cc.client_id = pg.id
JOIN credit_pools p ON p.client_id = pg.id
CROSS JOIN (SELECT count(*) AS total FROM {tables(conditions, bool(f.get("search")))} WHERE {conditions}) t
LEFT JOIN (SELECT v.credits, co.kind FROM services v JOIN coaches co ON co.id = v.coach_id WHERE v.id = $4) sv ON true
LEFT JOIN organisations o ON o.id = c.organisation_id
LEFT JOIN credit_pools op ON op.organisation_id = c.organisation_id
LEFT JOIN LATERAL (
    SELECT s.starts_at, s.status FROM sessions s
    WHERE s.coach_id = $1 AND s.client_id = pg.id AND s.status IN ('CONFIRMED', 'COMPLETED', 'NO_SHOW') AND s.starts_at <= $2
    ORDER BY s.starts_at DESC LIMIT 1) l ON true
LEFT JOIN LATERAL (
    SELECT s.starts_at, s.status FROM sessions s
    WHERE s.coach_id = $1 AND s.client_id = pg.id AND s.status IN ('PENDING', 'CONFIRMED') AND s.starts_at > $2
    ORDER BY s.starts_at LIMIT 1) nx ON true
LEFT JOIN LATERAL (
    SELECT count(*) FILTER (WHERE s.coach_id = $1) AS total_sessions,
           count(*) FILTER (WHERE s.coach_id = $1 AND s.status = 'COMPLETED') AS completed,
           count(*) FILTER (WHERE s.coach_id = $1 AND s.status = 'CANCELLED') AS cancelled,
           count(*) FILTER (WHERE s.coach_id = $1 AND s.status = 'NO_SHOW') AS no_shows,
           sum(v.price_minor) FILTER (WHERE s.coach_id = $1 AND s.status IN ('COMPLETED', 'NO_SHOW')) AS revenue,
           min(v.currency) FILTER (WHERE s.coach_id = $1 AND s.status IN ('COMPLETED', 'NO_SHOW')) AS currency,
           count(DISTINCT v.currency) FILTER (WHERE s.coach_id = $1 AND s.status IN ('COMPLETED', 'NO_SHOW')) AS currencies,
           bool_or(s.status = 'CONFIRMED' AND s.starts_at > $2 AND s.coach_id <> $1) AS with_others,
           count(*) FILTER (WHERE s.coach_id = $1 AND s.status IN {HAD} AND {LAST_90_DAYS}) AS last_90_days
    FROM sessions s JOIN services v ON v.id = s.service_id WHERE s.client_id = pg.id) st ON true
LEFT JOIN LATERAL (
    SELECT m.body_enc, m.sent_at FROM conversations cv JOIN messages m ON m.conversation_id = cv.id
    WHERE cv.coach_id = $1 AND cv.client_id = pg.id ORDER BY m.sent_at DESC, m.id DESC LIMIT 1) lm ON true
LEFT JOIN client_data_keys k ON k.client_id = pg.id AND lm.body_enc IS NOT NULL
ORDER BY pg.sort_key, pg.id"""
    return sql, params


def _gid(type_name: str, uid: UUID) -> str:
    return base64.b64encode(f"{type_name}:{uid}".encode()).decode()


def _cursor(key: Any, uid: UUID, bound_to: str) -> str:
    # Cursors are sealed with the app's key (deterministically: the same row gives the same cursor),
    # bound to the coach and the list's ordering.
    return cursors.encode([key, uid], bound_to)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _reasons(r, today: date) -> list[str]:
    """domain.eligibility.evaluate, by hand."""
    reasons = []
    if not r["active"]:
        reasons.append("CLIENT_INACTIVE")
    in_organisation = r["organisation_id"] is not None
    credits = r["service_credits"] if r["service_credits"] is not None else 1
    if in_organisation:
        if not r["org_active"]:
            reasons.append("ORGANISATION_INACTIVE")
        starts, ends = r["booking_starts_on"], r["booking_ends_on"]
        if (starts is not None and today < starts) or (ends is not None and today > ends):
            reasons.append("OUTSIDE_BOOKING_PERIOD")
    if r["balance"] < max(credits, 1):
        reasons.append("NO_CLIENT_CREDITS")
    if in_organisation:
        needed = credits if r["service_kind"] == "GLOBAL" else 1
        if (r["org_balance"] or 0) < max(needed, 1):
            reasons.append("NO_ORGANISATION_CREDITS")
    return reasons


def _last_message(r, keyring: MultiFernet) -> dict | None:
    """The body decrypted with the client's data key, unwrapped by the master keys ("" without one)."""
    if r["message_enc"] is None:
        return None
    body = ""
    if r["wrapped_key"] is not None:
        body = Fernet(keyring.decrypt(r["wrapped_key"])).decrypt(r["message_enc"]).decode()
    return {"body": body, "sentAt": _iso(r["message_sent_at"])}


def serialise(rows: list, first: int, today: date, keyring: MultiFernet, bound_to: str) -> bytes:
    """The GraphQL response's JSON, by hand."""
    edges = []
    for r in rows:
        total = r["total_sessions"]
        held_currency = r["currency"] if r["currencies"] == 1 else None
        reasons = _reasons(r, today)
        edges.append(
            {
                "cursor": _cursor(r["sort_key"], r["id"], bound_to),
                "node": {
                    "id": _gid("Client", r["id"]),
                    "name": r["name"],
                    "email": r["email"],
                    "tags": list(r["tags"]),
                    "category": r["category"],
                    "creditsAvailable": r["balance"],
                    "relationshipSince": _iso(r["since"]),
                    "sessionsLast90Days": r["last_90_days"],
                    "milestones": milestones.reached(r["completed"], r["since"]),
                    "bookedWithOthers": bool(r["with_others"]),
                    "lastMessage": _last_message(r, keyring),
                    "eligibility": {"eligible": not reasons, "reasons": reasons},
                    "lastSession": {"startsAt": _iso(r["last_at"]), "status": r["last_status"]}
                    if r["last_at"]
                    else None,
                    "nextSession": {"startsAt": _iso(r["next_at"]), "status": r["next_status"]}
                    if r["next_at"]
                    else None,
                    "stats": {
                        "totalSessions": total,
                        "completedSessions": r["completed"],
                        "cancelledSessions": r["cancelled"],
                        "noShows": r["no_shows"],
                        "cancellationRate": r["cancelled"] / total if total else 0.0,
                        "lastSessionAt": _iso(r["last_at"]),
                        "nextSessionAt": _iso(r["next_at"]),
                        "totalRevenue": {"amountMinor": r["revenue"], "currency": held_currency}
                        if held_currency
                        else None,
                    },
                },
            }
        )
    total = rows[0]["total"] if rows else 0
    page = {
        "myClients": {
            "totalCount": total,
            "pageInfo": {"hasNextPage": total > first, "endCursor": edges[-1]["cursor"] if edges else None},
            "edges": edges,
        }
    }
    return json.dumps({"data": page}, separators=(",", ":")).encode()


async def fetch_page_sql(conn: asyncpg.Connection, case: Case, coach: Coach, first: int, keyring: MultiFernet) -> bytes:
    sql, extra = baseline_sql(case)
    rows = await conn.fetch(sql, coach.coach_id, clock.now(), first, coach.service_id, *extra)
    from domain.viewer import Viewer
    from models.enums import Role

    viewer = Viewer(user_id=coach.user_id, role=Role.COACH, name=coach.key)
    return serialise(rows, first, clock.now().date(), keyring, cursors.binding(viewer, "clients:NAME:asc"))


class StatementCounter:
    """tests/api/test_client_page.py's counter, patched in for a block: every asyncpg statement,
    and the time spent waiting for them (the database's share of a request, round trips included)."""

    METHODS = ("execute", "executemany", "fetch", "fetchrow", "fetchval")

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    @contextlib.contextmanager
    def counting(self):
        originals = {name: getattr(asyncpg.connection.Connection, name) for name in self.METHODS}

        def wrap(original):
            async def counted(connection, *args, **kwargs):
                self.count += 1
                began = time.perf_counter()
                try:
                    return await original(connection, *args, **kwargs)
                finally:
                    self.seconds += time.perf_counter() - began

            return counted

        try:
            for name, original in originals.items():
                setattr(asyncpg.connection.Connection, name, wrap(original))
            yield self
        finally:
            for name, original in originals.items():
                setattr(asyncpg.connection.Connection, name, original)


@dataclasses.dataclass
class Coach:
    key: str
    coach_id: UUID
    service_id: UUID
    user_id: UUID
    token: str = ""

    @property
    def service_gid(self) -> str:
        return _gid("Service", self.service_id)


async def page_through_api(http: httpx.AsyncClient, case: Case, coach: Coach, first: int) -> httpx.Response:
    response = await http.post(
        "/graphql",
        json={"query": PAGE, "variables": variables(case, first, coach.service_gid)},
        headers={"Authorization": f"Bearer {coach.token}"},
    )
    if response.status_code != 200:
        raise RuntimeError(f"{case.label}: HTTP {response.status_code} {response.text[:500]}")
    return response


async def measure_pages(
    app, conn: asyncpg.Connection, coaches: dict[str, Coach], keyring: MultiFernet
) -> tuple[list[Case], dict[int, int], list[str]]:
    problems: list[str] = []
    all_cases = cases()
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")
    try:
        for case in all_cases:
            coach = coaches[case.coach]
            # The same answer both ways, before anything is timed.
            api_body = (await page_through_api(http, case, coach, 50)).json()
            sql_body = json.loads(await fetch_page_sql(conn, case, coach, 50, keyring))
            if api_body.get("errors"):
                raise RuntimeError(f"{case.label}: {api_body['errors']}")
            if api_body != sql_body:
                problems.append(
                    f"{case.label}: the hand-written page differs from the API's: {first_difference(api_body, sql_body)}"
                )
            case.rows = len(api_body["data"]["myClients"]["edges"])
            case.total = api_body["data"]["myClients"]["totalCount"]
            if case.rows != min(50, case.total):
                problems.append(f"{case.label}: {case.rows} rows on a page of 50 out of {case.total}")
            for _ in range(WARM_UP):
                await page_through_api(http, case, coach, 50)
                await fetch_page_sql(conn, case, coach, 50, keyring)
            for _ in range(INSTRUMENTED):
                counter = StatementCounter()
                with counter.counting():
                    await page_through_api(http, case, coach, 50)
                case.statements = counter.count
                case.db.append(counter.seconds)
            counter = StatementCounter()
            with counter.counting():
                await page_through_api(http, case, coach, 10)
            case.statements_10 = counter.count
            if case.statements_10 != case.statements:
                problems.append(f"{case.label}: {case.statements_10} statements for 10 rows, {case.statements} for 50")
            for _ in range(REPEATS):  # alternate, so drift hits both sides alike
                began = time.perf_counter()
                await page_through_api(http, case, coach, 50)
                case.api.append(time.perf_counter() - began)
                began = time.perf_counter()
                await fetch_page_sql(conn, case, coach, 50, keyring)
                case.sql.append(time.perf_counter() - began)
            print(
                f"  {case.label}: API p50 {p50(case.api) * 1000:.1f} ms, SQL p50 {p50(case.sql) * 1000:.1f} ms",
                flush=True,
            )
        statements = {}
        base = all_cases[0]
        for first in (10, 50):
            counter = StatementCounter()
            with counter.counting():
                await page_through_api(http, base, coaches["big"], first)
            statements[first] = counter.count
    finally:
        await http.aclose()
    return all_cases, statements, problems


def first_difference(a: Any, b: Any, path: str = "") -> str:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in list(a) + [k for k in b if k not in a]:
            if a.get(k, "<missing>") != b.get(k, "<missing>"):
                return first_difference(a.get(k, "<missing>"), b.get(k, "<missing>"), f"{path}.{k}")
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items against {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                return first_difference(x, y, f"{path}[{i}]")
    return f"{path}: API {str(a)[:200]} / SQL {str(b)[:200]}"


def p50(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] if ordered else 0.0


# ----------------------------------------------------------------------------- the run


# The hand-written side plans each statement for its values, as the app's connections do
# (app/db.py), and never starts parallel workers for a 50-row page: on 2 cores their start-up
# alone costs 10-15 ms.
SQL_SETTINGS = {"TimeZone": "UTC", "plan_cache_mode": "force_custom_plan", "max_parallel_workers_per_gather": "0"}


async def connect(address: infra.DatabaseAddress, settings: dict[str, str] | None = None) -> asyncpg.Connection:
    return await asyncpg.connect(
        host=address.host,
        port=address.port,
        user=address.user,
        password=address.password or None,
        database=address.database,
        server_settings=settings or {"TimeZone": "UTC"},
    )


async def create_coaches() -> dict[str, Coach]:
    import models
    from domain import users
    from domain.viewer import Viewer
    from models.enums import CoachKind, Role

    system = Viewer(user_id=None, role=Role.ADMIN, name="System")
    found = {}
    for key, name in (("big", "Big Coach"), ("small", "Small Coach")):
        user = await users.create_user(
            system,
            email=f"{key}@bench.test",
            name=name,
            password=PASSWORD,
            role=Role.COACH,
            coach_kind=CoachKind.GLOBAL,
        )
        coach = await models.Coach.get(user_id=user.id)
        ix = 0 if key == "big" else 1  # the coach index of SEED_STATEMENTS: its service is md5('s' || ix)
        found[key] = Coach(key, coach.id, UUID(hashlib.md5(f"s{ix}".encode()).hexdigest()), user.id)
    return found


def ratio(a: float, b: float) -> float:
    return a / b if b else float("inf")


async def bench() -> int:
    base = settings_module.from_env()
    # No statement timeout: the set-up and the full-table recalculations run on the app's connections
    # and take far longer than a request may (the API's own timeout is not what is measured here).
    base = dataclasses.replace(base, environment="bench", db_pool_max=4, statement_timeout_ms=0)
    address = await fresh_database(infra.database(base), "_bench_clients")
    redis_url = base.redis_url or infra.redis_url(base)
    settings = dataclasses.replace(base, database_url=database_url(address), redis_url=redis_url)
    await db.migrate(settings)

    print(
        f"My Clients benchmark: {RELATIONSHIPS:,} relationships, {CLIENTS:,} clients, {SESSIONS:,} sessions, "
        f"{MESSAGES:,} messages; pages of 50, {REPEATS} timed requests per case and side"
    )
    print(
        f"  database {address.database} on {address.host}:{address.port}; app pool max {settings.db_pool_max} connections;"
        f" Python {platform.python_version()}, {os.cpu_count()} CPUs"
    )

    app = asgi(settings, migrate=False)
    inner = app
    while not hasattr(inner, "router"):  # the Starlette app inside asgi()'s layers
        inner = inner.app
    keyring = MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in settings.master_keys])
    conn = await connect(address, SQL_SETTINGS)
    admin = await connect(address)
    problems: list[str] = []
    try:
        async with inner.router.lifespan_context(inner):
            coaches = await create_coaches()
            began = time.perf_counter()
            lines = await seed(admin, coaches["big"].coach_id, coaches["small"].coach_id, keyring)
            seeding = time.perf_counter() - began
            print(f"  seeded in {seeding:.1f} s: " + "; ".join(lines), flush=True)
            await checkpoint(admin)
            counts = await conn.fetchrow(
                "SELECT (SELECT count(*) FROM coach_clients) AS relationships, (SELECT count(*) FROM clients) AS clients,"
                " (SELECT count(*) FROM sessions) AS sessions, (SELECT count(*) FROM messages) AS messages,"
                " (SELECT count(*) FROM coach_clients WHERE coach_id = $1) AS big,"
                " (SELECT count(*) FROM coach_clients WHERE coach_id = $2) AS small",
                coaches["big"].coach_id,
                coaches["small"].coach_id,
            )
            print("  rows: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()), flush=True)

            print("Category recalculation (each on one of the app's connections):", flush=True)
            timings = await recalculations(admin)
            spread = await conn.fetch(
                "SELECT category, count(*) AS n FROM coach_clients WHERE coach_id = $1 GROUP BY 1 ORDER BY 1",
                coaches["big"].coach_id,
            )
            print("  the big coach's categories: " + ", ".join(f"{r['category']} {r['n']}" for r in spread), flush=True)

            print(
                "The page (API = myClients over httpx ASGITransport; SQL = one hand-written asyncpg statement "
                "+ JSON by hand):",
                flush=True,
            )
            clock.freeze(NEXT_DAY)
            tokens = await sign_in(Api(app), ["big@bench.test", "small@bench.test"])
            coaches["big"].token, coaches["small"].token = tokens
            floor = await health_floor(app)
            page_cases, statements, page_problems = await measure_pages(app, conn, coaches, keyring)
            problems += page_problems
    finally:
        clock.reset()
        await conn.close()
        await admin.close()

    report(seeding, timings, page_cases, statements, floor, problems)
    return 1 if problems else 0


def report(
    seeding: float,
    timings: list[Timed],
    page_cases: list[Case],
    statements: dict[int, int],
    floor: float,
    problems: list[str],
) -> None:
    print()
    header = (
        f"{'page case (first: 50, ASC)':<36} {'total':>6} │ {'API p50':>8} {'p95':>7} {'in DB':>7} │"
        f" {'SQL p50':>8} {'p95':>7} │ {'API/SQL':>7} │ {'stmts 10/50':>5}"
    )
    print(header)
    print("─" * len(header))
    for c in page_cases:
        print(
            f"{c.label:<36} {c.total:>6} │ {p50(c.api) * 1000:>8.2f} {p95(c.api) * 1000:>7.2f} {p50(c.db) * 1000:>7.2f} │"
            f" {p50(c.sql) * 1000:>8.2f} {p95(c.sql) * 1000:>7.2f} │ {ratio(p50(c.api), p50(c.sql)):>6.2f}x │"
            f" {c.statements_10:>2}/{c.statements:<2}"
        )
    print("ms; every page holds 50 rows (checked). API/SQL = p50 / p50. API = the whole request")
    print("through the app (authentication included); in DB = its time waiting on asyncpg's statements (p50 of")
    print(
        f"{INSTRUMENTED} instrumented requests); SQL = the page's data only, one statement + JSON by hand. httpx + ASGI floor:"
    )
    print(f"GET /health {floor:.0f} requests/s ({1000 / floor:.2f} ms each).")
    ratios = [ratio(p50(c.api), p50(c.sql)) for c in page_cases]
    print(f"API/SQL from {min(ratios):.2f}x to {max(ratios):.2f}x (aim <= 3x)")
    print(f"SQL statements per page: first 10: {statements[10]}, first 50: {statements[50]} (aim: equal, <= 6)")
    big = next(c for c in page_cases if c.label == "unfiltered, NAME")
    small = next(c for c in page_cases if c.coach == "small")
    print(
        f"20,000-client coach / 100-client coach, unfiltered NAME page p50: {p50(big.api) * 1000:.2f} / "
        f"{p50(small.api) * 1000:.2f} ms = {ratio(p50(big.api), p50(small.api)):.2f}x (aim <= 1.5x); "
        f"hand-written SQL: {ratio(p50(big.sql), p50(small.sql)):.2f}x"
    )
    print()
    trivial, full, day, month = timings
    print(f"Recalculation (seeding took {seeding:.1f} s):")
    print(f"  trivial 1M-row UPDATE: {trivial.seconds:.1f} s")
    print(
        f"  all {full.rows:,} expired: {full.seconds:.1f} s = {ratio(full.seconds, trivial.seconds):.2f}x the trivial"
        f" UPDATE (aim <= 1.5x and < 30 s)"
    )
    print(
        f"  steady state, a day's real crossings ({day.rows:,} rows): {day.seconds:.2f} s ="
        f" {ratio(day.seconds, trivial.seconds):.3f}x (aim <= 0.25x)"
    )
    print(
        f"  steady state, 1/30 of the rows ({month.rows:,}): {month.seconds:.2f} s ="
        f" {ratio(month.seconds, trivial.seconds):.3f}x (aim <= 0.25x)"
    )
    for problem in problems:
        print(f"  ! {problem}")
    print(f"problems: {len(problems)}")


def main() -> int:
    return run(bench)


if __name__ == "__main__":
    sys.exit(main())
