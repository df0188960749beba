"""Tortoise start-up and shut-down, shared by the API, the worker and the command line."""

from __future__ import annotations

import logging
from typing import Any

from tortoise import Tortoise, connections

from app import infra
from app.settings import Settings

MODELS_MODULE = "models"


async def _keep_session(connection) -> None:
    return None


def tortoise_config(settings: Settings, statement_timeout_ms: int | None = None) -> dict[str, Any]:
    """`statement_timeout_ms` defaults to the API's (settings.statement_timeout_ms); 0 is none."""
    address = infra.database(settings)
    timeout = settings.statement_timeout_ms if statement_timeout_ms is None else statement_timeout_ms
    return {
        "connections": {
            "default": {
                "engine": "tortoise.backends.asyncpg",
                "credentials": {
                    "host": address.host,
                    "port": address.port,
                    "user": address.user,
                    "password": address.password,
                    "database": address.database,
                    "minsize": 1,
                    "maxsize": settings.db_pool_max,
                    # IN ($1..$n) lists fall back to a generic plan that skips indexes after
                    # five runs (measured: 12.8 ms instead of 0.67 ms); force custom plans. Timestamps in UTC
                    # whatever the server's default.
                    # No parallel workers: our queries are small pages, where starting workers costs
                    # several times the query (measured by bench/clients.py).
                    # statement_timeout bounds every statement (and its lock waits): a costly
                    # request is cancelled (SQLSTATE 57014, answered with code TIMEOUT).
                    "server_settings": {
                        "plan_cache_mode": "force_custom_plan",
                        "TimeZone": "UTC",
                        "max_parallel_workers_per_gather": "0",
                        "statement_timeout": str(timeout),
                    },
                    # asyncpg resets every released connection with a round trip (UNLISTEN, RESET
                    # ALL, advisory unlock). We hold no session state (transaction-scoped locks
                    # only, fixed settings), so skip it; an open transaction is still rolled back.
                    "reset": _keep_session,
                },
            }
        },
        "apps": {"models": {"models": [MODELS_MODULE], "migrations": "migrations", "default_connection": "default"}},
        "use_tz": True,
        "timezone": "UTC",
    }


async def init(settings: Settings, *, statement_timeout_ms: int | None = None) -> dict[str, Any]:
    # Tortoise logs every statement with its values at DEBUG: booking notes, names, e-mails.
    # Keep that logger above DEBUG whatever the root level, so logs never hold client data.
    logging.getLogger("tortoise.db_client").setLevel(logging.INFO)
    config = tortoise_config(settings, statement_timeout_ms)
    await Tortoise.init(config=config)
    return config


async def close() -> None:
    await connections.close_all()


async def migrate(settings: Settings) -> None:
    """Apply every pending migration (tortoise-orm's built-in migration system)."""
    from tortoise.migrations.api.migrate import migrate as run

    await run(config=tortoise_config(settings, statement_timeout_ms=0))  # an index build may take long
    await Tortoise.close_connections()


async def pending_migrations(config: dict[str, Any]) -> list[str]:
    """Names of migrations on disk that the database has not applied yet."""
    from tortoise.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections.get("default"), config["apps"])
    plan = await executor.plan(None)
    return [f"{step.migration.app_label}.{step.migration.name}" for step in plan if not step.backward]
