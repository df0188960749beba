"""A real browser (Debian's chromium, driven by Playwright) against the real app under uvicorn:

- a single-page app served from a second loopback origin (listed in CASELOAD_ALLOWED_ORIGINS) signs
  in as the demo coach, renders the My Clients table from the API and shows a message that a client
  sends meanwhile, over its own graphql-transport-ws socket;
- GraphiQL, with every request to another host aborted, renders its editor, runs a query and,
  signed in through its Headers tab, a subscription.

Screenshots go to .caseload/test/artifacts/ (the path is printed). The demo is whatever app/seed.py
loads, so the checks compare the page with what the API answers, not with fixed figures."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn
from playwright.async_api import Browser, Page, Request, Route, async_playwright
from playwright.async_api import TimeoutError as PlaywrightTimeout
from starlette.applications import Starlette
from starlette.staticfiles import StaticFiles

from tests.support.workers import eventually, free_port

ROOT = Path(__file__).resolve().parents[2]
PAGE_DIR = Path(__file__).parent / "page"
ARTIFACTS = ROOT / ".caseload" / "test" / "artifacts"
CHROMIUM = "/usr/bin/chromium"

COACH = {"email": "coach@demo.caseload.dev", "password": "demo-coach-password"}
CLIENT = {"email": "client@demo.caseload.dev", "password": "demo-client-password"}
LOGIN = "mutation($email: String!, $password: String!) { login(input: {email: $email, password: $password}) { token } }"
MY_CLIENTS = """{ myClients(first: 100) { totalCount edges { node {
  id name category creditsAvailable creditPool { kind balance } eligibility { eligible reasons }
  lastSession { startsAt status } nextSession { startsAt status } } } } }"""
SEND = "mutation($i: SendMessageInput!) { sendMessage(input: $i) { userErrors { code message } } }"


@pytest.fixture
def page_origin() -> str:
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
async def api_server(api, test_settings, page_origin, request):
    """`caseload serve --with-worker --demo` on a loopback port, on the test database (emptied by
    `api`, so the demo loads) and Redis, allowing the page's origin."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": test_settings.database_url,
        "REDIS_URL": test_settings.redis_url,
        "CASELOAD_ENV": "development",
        "CASELOAD_ALLOWED_ORIGINS": page_origin,
    }
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = (ARTIFACTS / f"{request.node.name}.serve.log").open("wb")  # for a failure's post-mortem
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--with-worker", "--demo"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:

            async def healthy() -> bool:
                return (await client.get("/health")).status_code == 200

            await eventually(
                healthy, timeout=60, interval=0.2, ignoring=(httpx.TransportError,), message="caseload serve healthy"
            )
            yield client
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@pytest.fixture
async def page_server(page_origin):
    """The single-page app's own origin: its three static files, nothing else."""
    port = urlsplit(page_origin).port
    app = Starlette()
    app.mount("/", StaticFiles(directory=PAGE_DIR))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve())
    await eventually(lambda: server.started, timeout=10, message="the page's server started")
    yield page_origin
    server.should_exit = True
    await task


@pytest.fixture
def chromium_path() -> str:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)"
    return CHROMIUM


@pytest.fixture
async def browser(chromium_path):
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=chromium_path)
        yield chromium
        await chromium.close()


@pytest.fixture(scope="module")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    print(f"\nbrowser test screenshots: {ARTIFACTS}")
    return ARTIFACTS


async def graphql(client: httpx.AsyncClient, query: str, variables: dict | None = None, token: str | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    answer = await client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert not body.get("errors"), body
    return body["data"]


async def sign_in(client: httpx.AsyncClient, who: dict) -> str:
    return (await graphql(client, LOGIN, who))["login"]["token"]


def shown_session(session: dict | None) -> str:
    return f"{session['startsAt']} ({session['status']})" if session else "—"


def rows_for(my_clients: dict) -> dict[str, dict[str, str]]:
    """The table the page should show for this myClients answer: client id -> cell class -> text."""
    rows = {}
    for edge in my_clients["edges"]:
        client = edge["node"]
        eligibility = client["eligibility"]
        pool = client["creditPool"]
        rows[client["id"]] = {
            "name": client["name"],
            "category": client["category"] or "—",
            "eligible" if eligibility["eligible"] else "ineligible": "eligible"
            if eligibility["eligible"]
            else "ineligible: " + ", ".join(eligibility["reasons"]),
            "credits": f"{client['creditsAvailable']} ({pool['kind']} pool, balance {pool['balance']})",
            "last-session": shown_session(client["lastSession"]),
            "next-session": shown_session(client["nextSession"]),
        }
    return rows


async def table_rows(page: Page) -> dict[str, dict[str, str]]:
    return await page.eval_on_selector_all(
        "#clients tbody tr",
        """rows => Object.fromEntries(rows.map(row => [row.dataset.clientId, Object.fromEntries(
            [...row.cells].map(cell => [cell.classList[0], cell.textContent]))]))""",
    )


async def test_a_page_on_another_origin_shows_my_clients_and_a_live_message(
    api_server, page_server, browser: Browser, artifacts
):
    coach_token = await sign_in(api_server, COACH)
    before = (await graphql(api_server, MY_CLIENTS, token=coach_token))["myClients"]
    assert before["edges"], "the demo coach has clients"

    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))

    await page.goto(f"{page_server}/index.html?api={api_server.base_url}".rstrip("/"))
    await page.wait_for_selector("#status[data-state=subscribed]", timeout=30_000)
    assert problems == []

    # The table: one row per client, each cell as the API answers it. The server runs a worker
    # whose cron jobs may move a session or a category meanwhile, so the page matches the answer
    # read just before it loaded or the one read just after.
    after = (await graphql(api_server, MY_CLIENTS, token=coach_token))["myClients"]
    rows = await table_rows(page)
    assert rows in (rows_for(before), rows_for(after))
    assert len(rows) == min(after["totalCount"], 100)
    categories = await page.eval_on_selector_all("#categories li", "items => items.map(i => i.dataset.category)")
    assert set(categories) >= {row["category"] for row in rows.values()} - {"—"}
    await page.screenshot(path=str(artifacts / "my-clients.png"), full_page=True)

    # A client of this coach writes meanwhile; the page's socket shows it.
    client_token = await sign_in(api_server, CLIENT)
    coach_id = (await graphql(api_server, "{ viewer { coach { id } } }", token=coach_token))["viewer"]["coach"]["id"]
    body = f"Hello from the browser test {uuid.uuid4().hex[:8]}"
    sent = await graphql(api_server, SEND, {"i": {"coachId": coach_id, "body": body}}, token=client_token)
    assert sent["sendMessage"]["userErrors"] == []

    await page.wait_for_selector(f"#messages li:has-text('{body}')", timeout=20_000)
    assert await page.text_content("#status") == "listening for messages"
    await page.screenshot(path=str(artifacts / "my-clients-with-message.png"), full_page=True)
    assert problems == []
    await context.close()


async def test_graphiql_runs_a_query_with_every_other_host_blocked(api_server, browser: Browser, artifacts):
    origin = str(api_server.base_url).rstrip("/")
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    blocked: list[str] = []
    loaded: list[str] = []

    async def only_the_apps_origin(route: Route, request: Request) -> None:
        parts = urlsplit(request.url)
        if f"{parts.scheme}://{parts.netloc}" == origin or parts.scheme == "data":
            loaded.append(request.url)
            await route.continue_()
        else:
            blocked.append(request.url)
            await route.abort()

    await context.route("**/*", only_the_apps_origin)
    page = await context.new_page()
    violations: list[str] = []
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
    page.on("pageerror", lambda error: violations.append(str(error)))

    await page.goto(f"{origin}/graphql")
    editor = page.locator(".graphiql-query-editor .CodeMirror")
    await editor.wait_for(timeout=30_000)

    # The editor's own API rather than keystrokes: its autocompletion and bracket closing make
    # typed text land differently from run to run. (GraphiQL parses an edit a moment later; the
    # page's fetcher routes a run by the document it sends, so one this quick goes the right way.)
    await editor.evaluate("element => element.CodeMirror.setValue('{ __typename }')")
    await page.locator(".graphiql-execute-button").click()
    response = page.locator(".graphiql-response .CodeMirror")
    try:
        await page.wait_for_function(
            "() => document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror?.getValue().includes('Query')",
            timeout=30_000,
        )
    finally:
        await page.screenshot(path=str(artifacts / "graphiql-offline.png"))
    shown = await response.evaluate("element => element.CodeMirror.getValue()")
    assert '"__typename": "Query"' in shown

    # A subscription, signed in with the token put in the Headers tab: GraphiQL's socket is on this
    # origin too (the policy lets it open) and carries the header in connection_init.
    coach_token = await sign_in(api_server, COACH)
    await page.get_by_role("button", name="Headers").click()
    headers_editor = page.locator(".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror")
    await headers_editor.evaluate(
        "(element, token) => element.CodeMirror.setValue(JSON.stringify({Authorization: 'Bearer ' + token}))",
        coach_token,
    )
    await editor.evaluate("element => element.CodeMirror.setValue('subscription { messageReceived { body } }')")
    await page.locator(".graphiql-execute-button").click()

    client_token = await sign_in(api_server, CLIENT)
    coach_id = (await graphql(api_server, "{ viewer { coach { id } } }", token=coach_token))["viewer"]["coach"]["id"]
    # GraphiQL shows no sign of its subscription listening yet, so a message sent too early may
    # pass before it: send until one shows (each with its own body), at most five.
    sent: list[str] = []
    for _ in range(5):
        sent.append(f"Hello GraphiQL {uuid.uuid4().hex[:8]}")
        answer = await graphql(api_server, SEND, {"i": {"coachId": coach_id, "body": sent[-1]}}, token=client_token)
        assert answer["sendMessage"]["userErrors"] == []
        try:
            await page.wait_for_function(
                """bodies => bodies.some(body => document.querySelector('.graphiql-response .CodeMirror')
                    ?.CodeMirror?.getValue().includes(body))""",
                arg=sent,
                timeout=5_000,
            )
            break
        except PlaywrightTimeout:
            continue
    shown = await response.evaluate("element => element.CodeMirror.getValue()")
    await page.screenshot(path=str(artifacts / "graphiql-subscription.png"))
    assert any(body in shown for body in sent), shown

    assert blocked == [], f"GraphiQL asked another host for: {blocked}"
    assert any(url.endswith("/graphiql/graphiql.min.js") for url in loaded)
    assert violations == []
    await context.close()
