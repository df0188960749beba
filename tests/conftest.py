"""Test infrastructure: a real PostgreSQL and Redis (DATABASE_URL / REDIS_URL, else the embedded
servers), a fresh database migrated once per run, tables emptied between tests, and the ASGI app
driven through httpx with its lifespan."""

from __future__ import annotations

import dataclasses
import logging
import os
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from redis.asyncio import Redis

from app import infra
from app import settings as settings_module
from app.http import asgi
from domain import clock
from domain.viewer import Viewer
from models.enums import Role

TEST_DATA_DIR = Path(os.environ.get("CASELOAD_TEST_DATA_DIR", ".caseload/test"))


# ---------------------------------------------------------------------------- log canaries
# Every record any logger emits during the whole run is kept (root at DEBUG), formatted with its
# traceback; at the end none may hold a password, token, API key or private text the tests used
# (RELIABILITY H "Logs"). The Api client below collects those as they pass through it.

# Request variables holding secrets or private text, and response fields holding credentials.
SECRET_INPUTS = {"password", "currentPassword", "newPassword", "token", "privateNotes", "healthContext",
                 "bookingNotes", "body", "message", "comment"}
SECRET_OUTPUTS = {"token", "secret"}
# Records of the tests' own servers (aiosmtpd logs every e-mail it receives), not the app's.
NOT_THE_APP = ("mail.log",)
LOG_SECRETS: set[str] = set()


class KeepEverything(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(NOT_THE_APP):
            return
        try:
            self.lines.append(self.format(record))
        except Exception as error:  # a record that cannot be formatted still counts
            self.lines.append(f"{record.msg!r} {record.args!r} ({error!r})")


def collect_secrets(value: Any, keys: set[str]) -> None:
    """Strings under `keys` anywhere in a JSON value (short ones would match innocent text)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in keys and isinstance(item, str) and len(item) >= 10:
                LOG_SECRETS.add(item)
            else:
                collect_secrets(item, keys)
    elif isinstance(value, list):
        for item in value:
            collect_secrets(item, keys)


def leaked(lines: list[str], secrets: set[str]) -> list[str]:
    return [f"{secret[:12]}... in: {line[:300]}" for line in lines for secret in secrets if secret in line]


KEEP_EVERYTHING = KeepEverything()


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
    return dataclasses.replace(base, environment="test", data_dir=TEST_DATA_DIR)


async def _fresh_database(address: infra.DatabaseAddress) -> infra.DatabaseAddress:
    test_db = f"{address.database}_pytest"
    admin = await asyncpg.connect(host=address.host, port=address.port, user=address.user,
                                  password=address.password or None, database=address.database)
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


def starlette_app(application):
    """The Starlette app inside the ASGI layers asgi() wraps it in (its lifespan runs there)."""
    while not hasattr(application, "router"):
        application = application.app
    return application


@pytest.fixture(scope="session")
async def app(test_settings):
    application = asgi(test_settings, migrate=True)
    inner = starlette_app(application)
    async with inner.router.lifespan_context(inner):
        yield application


@pytest.fixture(scope="session")
async def redis(test_settings, app):
    client = Redis.from_url(test_settings.redis_url)
    yield client
    await client.aclose()


TABLES = None


@pytest.fixture(autouse=True)
def reset_clock():
    clock.reset()
    yield
    clock.reset()


async def empty_all(redis) -> None:
    """Empty every table and the test Redis database (for fixtures wider than one test)."""
    from tortoise import connections

    conn = connections.get("default")
    global TABLES
    if TABLES is None:
        rows = await conn.execute_query_dict(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'tortoise%'"
        )
        TABLES = ", ".join(f'"{r["tablename"]}"' for r in rows)
    await conn.execute_script(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE")
    await redis.flushdb()


@pytest.fixture
async def clean(app, redis):
    """Empty every table and the test Redis database before the test."""
    await empty_all(redis)


class Api:
    """A GraphQL client over HTTP on the ASGI app."""

    def __init__(self, app):
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")

    async def post(self, query: str, variables: dict | None = None, token: str | None = None, **kwargs) -> httpx.Response:
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        collect_secrets(variables, SECRET_INPUTS)
        response = await self.http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers, **kwargs)
        if response.headers.get("content-type", "").startswith("application/json"):
            collect_secrets(response.json(), SECRET_OUTPUTS)
        return response

    async def __call__(self, query: str, variables: dict | None = None, token: str | None = None) -> dict[str, Any]:
        response = await self.post(query, variables, token)
        assert response.status_code == 200, response.text
        return response.json()

    async def ok(self, query: str, variables: dict | None = None, token: str | None = None) -> dict[str, Any]:
        """Data of a query that must succeed without top-level errors."""
        body = await self(query, variables, token)
        assert not body.get("errors"), body
        return body["data"]


@pytest.fixture
async def api(app, clean):
    client = Api(app)
    yield client
    await client.http.aclose()
    await assert_pools_match_ledger()


async def assert_pools_match_ledger() -> None:
    """RELIABILITY C: after every test, every pool's balance equals its ledger sum and is >= 0."""
    from tortoise import connections

    rows = await connections.get("default").execute_query_dict(
        "SELECT p.id, p.balance, COALESCE(sum(t.delta), 0) AS total FROM credit_pools p "
        "LEFT JOIN credit_transactions t ON t.pool_id = p.id GROUP BY p.id, p.balance "
        "HAVING p.balance <> COALESCE(sum(t.delta), 0) OR p.balance < 0"
    )
    assert rows == [], f"pools out of step with their ledger: {rows}"


# ---------------------------------------------------------------------------- factories

LOGIN = """mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) {
  token user { id role } userErrors { code field message } } }"""

PASSWORD = "correct horse battery"


@dataclasses.dataclass
class Actor:
    token: str
    user_id: str  # global id
    email: str
    role: Role
    coach_id: str | None = None
    client_id: str | None = None
    organisation_id: str | None = None


SYSTEM = Viewer(user_id=None, role=Role.ADMIN, name="System")


class World:
    """Builds users and organisations through the domain (fast) and signs them in through the API."""

    def __init__(self, api: Api):
        self.api = api
        self.count = 0

    async def _login(self, email: str) -> dict:
        data = await self.api.ok(LOGIN, {"e": email, "p": PASSWORD})
        assert data["login"]["token"], data
        return data["login"]

    async def user(self, role: Role, *, organisation: str | None = None, coach_kind=None, name: str | None = None) -> Actor:
        import models
        from domain import users
        from schema.node import encode, uuid_of

        self.count += 1
        email = f"{role.value.lower()}{self.count}@example.test"
        org_uuid = uuid_of(organisation, "Organisation") if organisation else None
        user = await users.create_user(
            SYSTEM, email=email, name=name or f"{role.value.title()} {self.count}", password=PASSWORD, role=role,
            organisation_id=org_uuid, coach_kind=coach_kind,
        )
        login = await self._login(email)
        actor = Actor(token=login["token"], user_id=login["user"]["id"], email=email, role=role, organisation_id=organisation)
        if role is Role.COACH:
            coach = await models.Coach.get(user_id=user.id)
            actor.coach_id = encode("Coach", coach.id)
        if role is Role.CLIENT:
            client = await models.Client.get(user_id=user.id)
            actor.client_id = encode("Client", client.id)
        return actor

    async def admin(self) -> Actor:
        return await self.user(Role.ADMIN)

    async def organisation(self, name: str = "Acme") -> str:
        from domain import organisations
        from schema.node import encode

        org = await organisations.create_organisation(SYSTEM, name, None)
        return encode("Organisation", org.id)

    async def client_of(self, coach: Actor, name: str = "Casey Client", **fields) -> str:
        data = await self.api.ok(
            """mutation($input: CreateClientInput!) { createClient(input: $input) { client { id } userErrors { code field message } } }""",
            {"input": {"name": name, **fields}}, coach.token,
        )
        assert not data["createClient"]["userErrors"], data
        return data["createClient"]["client"]["id"]


@pytest.fixture
async def world(api) -> World:
    return World(api)
