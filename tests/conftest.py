"""Test infrastructure: a real PostgreSQL and Redis (DATABASE_URL / REDIS_URL, else the embedded
servers), a fresh database migrated once per run, tables emptied between tests, and the ASGI app
driven through httpx with its lifespan."""

from __future__ import annotations

import dataclasses
import logging
import os
from pathlib import Path

import asyncpg
import pytest
from redis.asyncio import Redis

from app import infra
from app import settings as settings_module
from app.http import asgi
from domain import clock
from tests.support.api import APP_ORIGIN, PASSWORD, Api, World, starlette_app
from tests.support.database import assert_pools_match_ledger, empty_all
from tests.support.logs import KEEP_EVERYTHING, LOG_SECRETS, leaked

TEST_DATA_DIR = Path(os.environ.get("CASELOAD_TEST_DATA_DIR", ".caseload/test"))


# Log canaries: see tests/support/logs.py.


def pytest_sessionstart(session) -> None:
    root = logging.getLogger()
    root.addHandler(KEEP_EVERYTHING)
    root.setLevel(logging.DEBUG)


def pytest_sessionfinish(session, exitstatus) -> None:
    logging.getLogger().removeHandler(KEEP_EVERYTHING)
    found = leaked(KEEP_EVERYTHING.lines, LOG_SECRETS | {PASSWORD})
    if found:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = f"LOGS HOLD SECRETS ({len(found)} records of {len(KEEP_EVERYTHING.lines)}):\n" + "\n".join(found[:20])
        if reporter is not None:
            reporter.write_line(message, red=True)
        else:
            print(message)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _base_settings() -> settings_module.Settings:
    base = settings_module.from_env()
    return dataclasses.replace(base, environment="test", data_dir=TEST_DATA_DIR, allowed_origins=(APP_ORIGIN,))


async def _fresh_database(address: infra.DatabaseAddress) -> infra.DatabaseAddress:
    test_db = f"{address.database}_pytest"
    admin = await asyncpg.connect(
        host=address.host,
        port=address.port,
        user=address.user,
        password=address.password or None,
        database=address.database,
    )
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{test_db}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{test_db}"')
    finally:
        await admin.close()
    return dataclasses.replace(address, database=test_db)


@pytest.fixture(scope="session")
async def test_settings() -> settings_module.Settings:
    base = _base_settings()
    address = await _fresh_database(infra.database(base))
    url = f"postgresql://{address.user}:{address.password}@/{address.database}?host={address.host}&port={address.port}"
    if not address.host.startswith("/"):
        url = f"postgresql://{address.user}:{address.password}@{address.host}:{address.port}/{address.database}"
    redis_url = base.redis_url or infra.redis_url(base)
    return dataclasses.replace(base, database_url=url, redis_url=redis_url)


@pytest.fixture(scope="session")
async def app(test_settings):
    # The API lets webhook endpoints point at loopback (tests' receivers listen there); workers
    # take the switch from their own settings (tests.support.webhooks.worker_settings).
    application = asgi(dataclasses.replace(test_settings, webhooks_allow_private=True), migrate=True)
    inner = starlette_app(application)
    async with inner.router.lifespan_context(inner):
        yield application


@pytest.fixture(scope="session")
async def redis(test_settings, app):
    client = Redis.from_url(test_settings.redis_url)
    yield client
    await client.aclose()


@pytest.fixture(autouse=True)
def reset_clock():
    clock.reset()
    yield
    clock.reset()


@pytest.fixture
async def clean(app, redis):
    """Empty every table and the test Redis database before the test."""
    await empty_all(redis)


@pytest.fixture
async def api(app, clean):
    client = Api(app)
    yield client
    await client.http.aclose()
    await assert_pools_match_ledger()


@pytest.fixture
async def world(api) -> World:
    return World(api)
