"""The `caseload` command as an operator runs it: production is safe by default (no demo data,
no GraphiQL), and demo data only with an explicit --demo, refused in production."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import asyncpg
import httpx
import pytest
from cryptography.fernet import Fernet

from app import infra
from tests.support.errors import user_error
from tests.support.workers import eventually, free_port

ROOT = Path(__file__).resolve().parents[1]
DEMO_ADMIN_LOGIN = """mutation { login(input: {email: "admin@demo.caseload.dev", password: "demo-admin-password"}) {
  token userErrors { code field message } } }"""


def production_env(database_url: str, redis_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASELOAD_")}
    return {
        **env,
        "CASELOAD_ENV": "production",
        "CASELOAD_SECRET_KEY": secrets.token_urlsafe(48),
        "CASELOAD_MASTER_KEYS": Fernet.generate_key().decode(),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
    }


@pytest.fixture
async def empty_database(test_settings):
    """A database of its own, empty (not even migrated), dropped afterwards."""
    address = infra.DatabaseAddress.from_url(test_settings.database_url)
    name = f"{address.database}_production"
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
        yield test_settings.database_url.replace(f"/{address.database}", f"/{name}", 1)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def test_a_production_start_on_an_empty_database_loads_no_demo_and_serves_no_graphiql(
    empty_database, test_settings
):
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=production_env(empty_database, test_settings.redis_url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:

            async def healthy() -> bool:
                assert server.poll() is None, "caseload serve exited"
                return (await http.get("/health")).status_code == 200

            # the first start applies every migration
            await eventually(
                healthy, timeout=60, interval=0.1, ignoring=(httpx.TransportError,), message="caseload serve healthy"
            )
            login = (await http.post("/graphql", json={"query": DEMO_ADMIN_LOGIN})).json()["data"]["login"]
            assert login["token"] is None, "a demo account signed in"
            assert login["userErrors"] == [
                user_error("INVALID", ["input", "password"], "E-mail or password is not right.")
            ]
            page = await http.get("/graphql", headers={"Accept": "text/html"})
            assert page.status_code != 200 and "graphiql" not in page.text.lower()
    finally:
        server.terminate()
        server.wait(timeout=20)
    conn = await asyncpg.connect(empty_database)
    try:
        assert await conn.fetchval("SELECT count(*) FROM users") == 0
    finally:
        await conn.close()


@pytest.mark.parametrize("command", [["serve", "--demo"], ["seed"]])
def test_demo_data_is_refused_in_production(command, test_settings):
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", *command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env=production_env(test_settings.database_url, test_settings.redis_url),
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "error: demo data is refused when CASELOAD_ENV=production (the demo accounts' passwords are public)"
    )
