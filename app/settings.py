"""Settings, read once from the environment (CASELOAD_* and the usual URLs)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

DEV_SECRET = "dev-only-secret-key-do-not-use-in-production-0123456789"
# A fixed development master key (Fernet, 32 url-safe base64 bytes). Production must set its own.
DEV_MASTER_KEY = "ZGV2LW9ubHktbWFzdGVyLWtleS0wMTIzNDU2Nzg5YWI="


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(name: str) -> list[str]:
    return [v.strip() for v in os.environ.get(name, "").split(",") if v.strip()]


@dataclass(frozen=True)
class Settings:
    environment: str = "development"
    database_url: str | None = None
    redis_url: str | None = None
    data_dir: Path = Path(".caseload")
    secret_key: str = DEV_SECRET
    # Newest first: the first key encrypts, every key decrypts (rotation).
    master_keys: tuple[str, ...] = (DEV_MASTER_KEY,)
    jwt_issuer: str = "caseload"
    jwt_audience: str = "caseload-api"
    access_token_minutes: int = 60
    graphiql: bool = True
    introspection: bool = True
    allowed_origins: tuple[str, ...] = ()
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_sender: str = "Caseload <no-reply@caseload.local>"
    complete_after_hours: int = 24
    db_pool_max: int = 20
    # PostgreSQL cancels a statement running longer (lock waits included): API requests, and the
    # worker's jobs, which may scan more. 0 turns it off.
    statement_timeout_ms: int = 5000
    worker_statement_timeout_ms: int = 60000
    # A request body must arrive whole within this time (slow senders hold a connection open).
    request_body_seconds: float = 10.0
    log_format: str = "text"  # or "json": one JSON object per line
    # Where clients reach this API from outside (https://api.example.com): makes addresses the
    # API hands out, such as calendar feeds, absolute. None: they are paths.
    public_url: str | None = None
    # Webhooks may go to loopback and private addresses (development and tests only).
    webhooks_allow_private: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def production(self) -> bool:
        return self.environment == "production"

    def check(self) -> None:
        """Refuse to start production with development secrets (and any start with a bad log format)."""
        if self.log_format not in ("text", "json"):
            raise RuntimeError("CASELOAD_LOG_FORMAT must be text or json")
        if not self.production:
            return
        if not self.secret_key or self.secret_key == DEV_SECRET or len(self.secret_key) < 32:
            raise RuntimeError("CASELOAD_SECRET_KEY must be set (32+ characters) in production")
        if not self.master_keys or DEV_MASTER_KEY in self.master_keys:
            raise RuntimeError("CASELOAD_MASTER_KEYS must be set in production")


def from_env() -> Settings:
    env = os.environ.get("CASELOAD_ENV", "development")
    production = env == "production"
    return Settings(
        environment=env,
        database_url=os.environ.get("DATABASE_URL") or None,
        redis_url=os.environ.get("REDIS_URL") or None,
        data_dir=Path(os.environ.get("CASELOAD_DATA_DIR", ".caseload")),
        secret_key=os.environ.get("CASELOAD_SECRET_KEY", "" if production else DEV_SECRET),
        master_keys=tuple(_list("CASELOAD_MASTER_KEYS")) or (() if production else (DEV_MASTER_KEY,)),
        access_token_minutes=int(os.environ.get("CASELOAD_ACCESS_TOKEN_MINUTES", "60")),
        graphiql=_bool("CASELOAD_GRAPHIQL", not production),
        introspection=_bool("CASELOAD_INTROSPECTION", not production),
        allowed_origins=tuple(_list("CASELOAD_ALLOWED_ORIGINS")),
        smtp_host=os.environ.get("SMTP_HOST") or None,
        smtp_port=int(os.environ.get("SMTP_PORT", "25")),
        smtp_sender=os.environ.get("SMTP_SENDER", "Caseload <no-reply@caseload.local>"),
        complete_after_hours=int(os.environ.get("CASELOAD_COMPLETE_AFTER_HOURS", "24")),
        db_pool_max=int(os.environ.get("CASELOAD_DB_POOL_MAX", "20")),
        statement_timeout_ms=int(os.environ.get("CASELOAD_STATEMENT_TIMEOUT_MS", "5000")),
        worker_statement_timeout_ms=int(os.environ.get("CASELOAD_WORKER_STATEMENT_TIMEOUT_MS", "60000")),
        request_body_seconds=float(os.environ.get("CASELOAD_REQUEST_BODY_SECONDS", "10")),
        log_format=os.environ.get("CASELOAD_LOG_FORMAT", "text").strip().lower(),
        public_url=(os.environ.get("CASELOAD_PUBLIC_URL") or "").strip().rstrip("/") or None,
        webhooks_allow_private=_bool("CASELOAD_WEBHOOKS_ALLOW_PRIVATE", False),
    )


@lru_cache(maxsize=1)
def get() -> Settings:
    return from_env()
