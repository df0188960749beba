"""Direct looks at the database: emptying it, the ledger invariant, raw text and statement counts."""

from __future__ import annotations

import asyncpg
from tortoise import connections

_TABLES: str | None = None


async def _table_names() -> list[str]:
    rows = await connections.get("default").execute_query_dict(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'tortoise%'"
    )
    return [r["tablename"] for r in rows]


async def empty_all(redis) -> None:
    """Empty every table and the test Redis database (for fixtures wider than one test)."""
    global _TABLES
    if _TABLES is None:
        _TABLES = ", ".join(f'"{name}"' for name in await _table_names())
    await connections.get("default").execute_script(f"TRUNCATE {_TABLES} RESTART IDENTITY CASCADE")
    await redis.flushdb()


async def assert_pools_match_ledger() -> None:
    """Every pool's balance equals its ledger sum and is >= 0 (the `api` fixture
    checks it after every test; call it mid-test too)."""
    rows = await connections.get("default").execute_query_dict(
        "SELECT p.id, p.balance, COALESCE(sum(t.delta), 0) AS total FROM credit_pools p "
        "LEFT JOIN credit_transactions t ON t.pool_id = p.id GROUP BY p.id, p.balance "
        "HAVING p.balance <> COALESCE(sum(t.delta), 0) OR p.balance < 0"
    )
    assert rows == [], f"pools out of step with their ledger: {rows}"


assert_ledger_balances = assert_pools_match_ledger


async def raw_database_text() -> str:
    """Every row of every table as text, the way a dump or a backup would hold it."""
    conn = connections.get("default")
    parts = []
    for name in await _table_names():
        rows = await conn.execute_query_dict(f'SELECT t::text AS r FROM "{name}" t')
        parts += [r["r"] for r in rows]
    return "\n".join(parts)


class StatementCounter:
    """Counts the statements asyncpg sends (every query path ends in one of these methods)."""

    METHODS = ("execute", "executemany", "fetch", "fetchrow", "fetchval")

    def __init__(self, monkeypatch):
        self.count = 0
        for name in self.METHODS:
            original = getattr(asyncpg.connection.Connection, name)
            monkeypatch.setattr(asyncpg.connection.Connection, name, self._counting(original))

    def _counting(self, original):
        async def counted(connection, *args, **kwargs):
            self.count += 1
            return await original(connection, *args, **kwargs)

        return counted
