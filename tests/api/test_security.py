"""The GraphQL surface and authentication under attack (depth, aliases, tokens, body size, JWTs, throttles, scoping), all through HTTP
on the ASGI app: query limits, CSRF-safe transports, production hardening, the login throttle,
JWT validation and API keys."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import importlib
import json
import time
import warnings

import jwt
import pytest
from cryptography.fernet import Fernet
from tortoise import connections
from tortoise.backends.asyncpg.client import AsyncpgDBClient

import models
from app import db
from app import settings as settings_module
from app.http import MAX_BODY_BYTES, asgi
from domain import encryption
from models.enums import Role
from schema.build import MAX_ALIASES, MAX_DEPTH
from schema.limits import MAX_DIRECTIVES
from tests.support.api import LOGIN, PASSWORD, Api, starlette_app
from tests.support.errors import user_error

# The module (a plain `import ... as` would bind the function graphql.pyutils re-exports).
did_you_mean = importlib.import_module("graphql.pyutils.did_you_mean")

VIEWER = "{ viewer { role } }"
CREATE_ORG = 'mutation { createOrganisation(input: {name: "Sneaky"}) { organisation { id } userErrors { code } } }'


def codes(body: dict) -> list[str | None]:
    return [(e.get("extensions") or {}).get("code") for e in body.get("errors") or []]


def messages(body: dict) -> str:
    return " | ".join(e["message"] for e in body.get("errors") or [])


@pytest.fixture
def spy(monkeypatch):
    """Records every call of the resolvers the queries below reach, and every SQL statement."""
    calls: list[str] = []

    def wrap(module, name):
        original = getattr(module, name)

        def recorded(*args, **kwargs):  # returns what the read returns: a coroutine or a queryset
            calls.append(f"resolver:{name}")
            return original(*args, **kwargs)

        monkeypatch.setattr(module, name, recorded)

    import resolvers.accounts
    import resolvers.organisations

    wrap(resolvers.accounts, "signed_in_as")
    wrap(resolvers.organisations, "organisations")
    wrap(resolvers.organisations, "organisation")
    for method in ("execute_query", "execute_query_dict", "execute_insert"):
        original = getattr(AsyncpgDBClient, method)

        def recorded_sql(self, query, *args, _original=original, **kwargs):
            calls.append(f"sql:{query}")
            return _original(self, query, *args, **kwargs)

        monkeypatch.setattr(AsyncpgDBClient, method, recorded_sql)
    return calls


async def count(table: str) -> int:
    rows = await connections.get("default").execute_query_dict(f'SELECT count(*) AS n FROM "{table}"')
    return rows[0]["n"]


async def org_admin(world):
    organisation = await world.organisation("Limits Ltd")
    return await world.user(Role.ORG_ADMIN, organisation=organisation)


# ---------------------------------------------------------------------------- depth


def nested_pools(depth: int) -> str:
    """viewer(0) organisation(1) creditPool(2) organisation(3) ... with the leaf at `depth`
    (depth as graphql-depth-limit counts it: the root field is level 0)."""
    fields = ["viewer"] + ["organisation" if i % 2 else "creditPool" for i in range(1, depth)]
    leaf = "name" if fields[-1] == "organisation" else "balance"
    return "{ " + " { ".join(fields) + " { " + leaf + " }" * len(fields) + " }"


async def test_depth_8_runs(api, world, spy):
    admin = await org_admin(world)
    query = nested_pools(MAX_DEPTH)
    assert MAX_DEPTH == 8 and query.count("{") == 9  # the operation's brace and eight levels below it
    data = await api.ok(query, token=admin.token)
    node = data["viewer"]
    for _ in range(3):
        node = node["organisation"]["creditPool"]
    assert node["organisation"] == {"name": "Limits Ltd"}
    assert "resolver:signed_in_as" in spy and any(c.startswith("sql:") for c in spy)  # the spy sees both


async def test_depth_9_is_rejected_before_any_resolver_or_sql(api, world, spy):
    admin = await org_admin(world)
    spy.clear()
    body = await api(nested_pools(MAX_DEPTH + 1), token=admin.token)
    assert body["data"] is None
    assert "exceeds maximum operation depth of 8" in messages(body)
    assert not [c for c in spy if c.startswith("resolver:")]

    # Anonymous: not a single SQL statement either (authentication of a token needs one).
    spy.clear()
    body = await api(nested_pools(MAX_DEPTH + 1))
    assert body["data"] is None
    assert "exceeds maximum operation depth" in messages(body)
    assert spy == []


async def test_depth_counts_through_fragments(api, world, spy):
    admin = await org_admin(world)
    spy.clear()
    query = """{ viewer { ...A } }
      fragment A on Viewer { organisation { creditPool { ...B } } }
      fragment B on CreditPool { organisation { creditPool { ... on CreditPool { organisation { creditPool {
        organisation { creditPool { balance } } } } } } } }"""
    body = await api(query, token=admin.token)
    assert body["data"] is None and "exceeds maximum operation depth" in messages(body)
    assert not [c for c in spy if c.startswith("resolver:")]


@pytest.mark.parametrize(
    "query",
    [
        "{ viewer { ...A } } fragment A on Viewer { role ...B } fragment B on Viewer { role ...A }",
        "{ viewer { ...A } } fragment A on Viewer { ...A }",
        (
            "query { viewer { ...A } } fragment A on Viewer { organisation { creditPool { organisation { ...A2 } } } }"
            " fragment A2 on Organisation { creditPool { organisation { creditPool { organisation { ...A2 } } } } }"
        ),
    ],
    ids=["two-fragment-cycle", "self-spread", "cycle-below-depth-limit"],
)
async def test_circular_fragments_give_an_error(api, world, spy, query):
    coach = await world.user(Role.COACH)
    spy.clear()
    body = await api(query, token=coach.token)  # status 200 asserted by Api.__call__: no 500
    assert body["data"] is None
    assert body["errors"]
    assert "RecursionError" not in json.dumps(body) and "Unexpected error" not in messages(body)
    assert not [c for c in spy if c.startswith("resolver:")]


async def test_unknown_fragment_is_a_validation_error_not_a_crash(api, world):
    coach = await world.user(Role.COACH)
    body = await api("{ viewer { ...Nope } }", token=coach.token)
    assert body["data"] is None
    assert "Unknown fragment 'Nope'" in messages(body)


async def test_fragment_bomb_is_refused_quickly(api, world, spy):
    """Each fragment spreads the next one twice: 40 levels expand to 2**40 copies of a field.
    Limits that expand fragments per path (instead of once per fragment) never finish; this
    one must come back (pytest would hang, not fail, if it did not)."""
    coach = await world.user(Role.COACH)
    levels = 40
    fragments = " ".join(f"fragment F{i} on Viewer {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels))
    query = f"{{ viewer {{ ...F0 }} }} {fragments} fragment F{levels} on Viewer {{ r: role }}"
    spy.clear()
    body = await api(query, token=coach.token)
    assert body["data"] is None
    assert "aliases" in messages(body)  # 2**40 aliased fields after expansion
    assert not [c for c in spy if c.startswith("resolver:")]

    # Without aliases it is a harmless query: the same field, merged, resolved once.
    query = f"{{ viewer {{ ...F0 }} }} {fragments} fragment F{levels} on Viewer {{ role }}"
    data = await api.ok(query, token=coach.token)
    assert data == {"viewer": {"role": "COACH"}}


async def test_deep_nesting_is_refused_not_crashed(api, world):
    """Nesting the parser accepts (≤ 200) meets the depth limit; deeper, the parser's own guard.
    A long chain of fragments is fine. Never a RecursionError, a 500 or a masked crash."""
    coach = await world.user(Role.COACH)
    body = await api("{ viewer " + "{ organisation " * 190 + "{ name" + " }" * 192, token=coach.token)
    assert body["data"] is None and "exceeds maximum operation depth of 8" in messages(body)
    body = await api("{ viewer " + "{ organisation " * 300 + "{ name" + " }" * 302, token=coach.token)
    assert body["data"] is None and "nested too deeply" in messages(body)
    chain = " ".join(f"fragment F{i} on Viewer {{ ...F{i + 1} }}" for i in range(120))
    data = await api.ok("{ viewer { ...F0 } } " + chain + " fragment F120 on Viewer { role }", token=coach.token)
    assert data == {"viewer": {"role": "COACH"}}


async def test_validation_cache_is_used(api, world):
    """Limit rules must be the same classes on every request, or (schema, document, rules) never
    repeats and strawberry's ValidationCache misses every time."""
    from strawberry.extensions.validation_cache import _get_validate_cache

    coach = await world.user(Role.COACH)
    cache = _get_validate_cache(256)
    query = "{ viewer { role } __typename }"
    await api.ok(query, token=coach.token)
    hits = cache.cache_info().hits
    await api.ok(query, token=coach.token)
    assert cache.cache_info().hits == hits + 1


# ---------------------------------------------------------------------------- aliases, tokens, directives


async def test_fifteen_aliases_run_sixteen_through_fragments_do_not(api, world, spy):
    coach = await world.user(Role.COACH)
    fifteen = "{ viewer { " + " ".join(f"a{i}: role" for i in range(MAX_ALIASES)) + " } }"
    data = await api.ok(fifteen, token=coach.token)
    assert len(data["viewer"]) == 15 and set(data["viewer"].values()) == {"COACH"}

    # 6 + 5 + 5 = 16, none of them more than 6 in one place; B is spread twice.
    sixteen = (
        "{ viewer { ...A } } "
        "fragment A on Viewer { " + " ".join(f"a{i}: role" for i in range(6)) + " ...B ... on Viewer { ...B } } "
        "fragment B on Viewer { " + " ".join(f"b{i}: role" for i in range(5)) + " }"
    )
    spy.clear()
    body = await api(sixteen, token=coach.token)
    assert body["data"] is None
    assert "16 aliases found. Allowed: 15" in messages(body)
    assert not [c for c in spy if c.startswith("resolver:")]


async def test_more_than_1000_tokens_are_rejected(api, world):
    coach = await world.user(Role.COACH)
    # Strings are tokens too. `{ nodes(ids: [ ... ]) { id } }` is 12 tokens around the list.
    at_limit = "{ nodes(ids: [" + ' "x"' * 988 + "]) { id } }"
    body = await api(at_limit, token=coach.token)
    # Parsed and validated; then the resolver refused 988 ids (at most 100 at once).
    assert codes(body) == ["INVALID"] and "tokens" not in messages(body)
    body = await api("{ nodes(ids: [" + ' "x"' * 989 + "]) { id } }", token=coach.token)
    assert body["data"] is None
    assert "Document contains more than 1000 tokens" in messages(body)
    body = await api("{ viewer { " + "role " * 996 + "} }", token=coach.token)
    assert "Document contains more than 1000 tokens" in messages(body)


async def test_more_than_50_directives_are_rejected(api, world):
    coach = await world.user(Role.COACH)
    fifty = "{ viewer { " + "role @include(if: true) " * MAX_DIRECTIVES + "} }"
    assert (await api.ok(fifty, token=coach.token)) == {"viewer": {"role": "COACH"}}
    body = await api("{ viewer { " + "role @include(if: true) " * (MAX_DIRECTIVES + 1) + "} }", token=coach.token)
    assert body["data"] is None
    assert "At most 50 directives" in messages(body)
    assert "QUERY_TOO_COMPLEX" in codes(body)


async def test_body_over_100_kb_gets_413(api, world):
    coach = await world.user(Role.COACH)
    padding = " " * (MAX_BODY_BYTES - 1000)
    ok = await api.post(VIEWER + padding, token=coach.token)
    assert ok.status_code == 200 and ok.json()["data"] == {"viewer": {"role": "COACH"}}

    big = await api.post(VIEWER + " " * (MAX_BODY_BYTES + 1), token=coach.token)
    assert big.status_code == 413
    assert big.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_streamed_body_over_100_kb_without_content_length_gets_413(api, world):
    coach = await world.user(Role.COACH)
    payload = json.dumps({"query": VIEWER + " " * (MAX_BODY_BYTES + 1)}).encode()

    async def chunks():
        for i in range(0, len(payload), 8192):
            yield payload[i : i + 8192]

    response = await api.http.post(
        "/graphql",
        content=chunks(),
        headers={"content-type": "application/json", "authorization": f"Bearer {coach.token}"},
    )
    assert "content-length" not in response.request.headers
    assert response.status_code == 413


# ---------------------------------------------------------------------------- pages and the node budget


async def test_first_over_100_is_an_error(api, world):
    admin = await world.admin()
    await world.organisation("One")
    data = await api.ok("{ organisations(first: 100) { totalCount } }", token=admin.token)
    assert data["organisations"]["totalCount"] == 1
    body = await api("{ organisations(first: 101) { totalCount } }", token=admin.token)
    assert body["data"] is None
    assert codes(body) == ["INVALID"]
    assert "`first` must be between 0 and 100" in messages(body)


async def test_nested_connections_are_charged(api, world, spy):
    admin = await world.admin()
    await world.organisation("One")
    fits = "{ organisations(first: 10) { edges { node { members(first: 100) { totalCount } } } } }"
    assert (await api.ok(fits, token=admin.token))["organisations"]["edges"][0]["node"]["members"] == {"totalCount": 0}

    spy.clear()
    nested = "{ organisations(first: 100) { edges { node { members(first: 100) { totalCount } } } } }"
    body = await api(nested, token=admin.token)
    assert body["data"] is None
    assert codes(body) == ["QUERY_TOO_COMPLEX"]
    assert not [c for c in spy if c.startswith("resolver:")]


@pytest.mark.parametrize(
    "query, variables",
    [
        # page sizes from variables are charged at the cap
        (
            "query($n: Int) { organisations(first: $n) { edges { node { members(first: $n) { totalCount } } } } }",
            {"n": 1},
        ),
        # the default page (50) of an argument left out
        ("{ organisations(first: 100) { edges { node { members { totalCount } } } } }", None),
        # through fragments
        (
            (
                "{ organisations(first: 100) { ...E } } fragment E on OrganisationConnection { edges { node { ...M } } }"
                " fragment M on Organisation { members(first: 100) { totalCount } }"
            ),
            None,
        ),
        # aliases add up: 3 x (60 + 60 x 30)
        (
            (
                "{ a: organisations(first: 60) { ...E } b: organisations(first: 60) { ...E } c: organisations(first: 60) { ...E } }"
                " fragment E on OrganisationConnection { edges { node { members(first: 30) { totalCount } } } }"
            ),
            None,
        ),
        # `nodes` fans out like a page: 100 ids x 100 members
        (
            "{ nodes(ids: ["
            + ", ".join(['"T3JnYW5pc2F0aW9uOng="'] * 100)
            + "]) { ... on Organisation { members(first: 100) { totalCount } } } }",
            None,
        ),
    ],
    ids=["variables", "default-first", "fragments", "aliases", "nodes"],
)
async def test_node_budget_cannot_be_dodged(api, world, spy, query, variables):
    admin = await world.admin()
    spy.clear()
    body = await api(query, variables, token=admin.token)
    assert body["data"] is None
    assert "QUERY_TOO_COMPLEX" in codes(body), body
    assert not [c for c in spy if c.startswith("resolver:")]


# ---------------------------------------------------------------------------- transports


@pytest.mark.parametrize(
    "send",
    [
        pytest.param(
            lambda http, token: http.post(
                "/graphql",
                data={"operations": json.dumps({"query": CREATE_ORG, "variables": {}}), "map": "{}"},
                files={"0": ("a.txt", b"x", "text/plain")},
                headers={"authorization": f"Bearer {token}"},
            ),
            id="multipart",
        ),
        pytest.param(
            lambda http, token: http.post(
                "/graphql", data={"query": CREATE_ORG}, headers={"authorization": f"Bearer {token}"}
            ),
            id="form-urlencoded",
        ),
        pytest.param(
            lambda http, token: http.post(
                "/graphql",
                content=json.dumps({"query": CREATE_ORG}),
                headers={"content-type": "text/plain", "authorization": f"Bearer {token}"},
            ),
            id="text-plain",
        ),
        pytest.param(
            lambda http, token: http.post(
                "/graphql",
                content=json.dumps({"query": CREATE_ORG}),
                headers={"content-type": "text/plain; charset=application/json", "authorization": f"Bearer {token}"},
            ),
            id="text-plain-with-json-parameter",
        ),
        pytest.param(
            lambda http, token: http.post(
                "/graphql", content=json.dumps({"query": CREATE_ORG}), headers={"authorization": f"Bearer {token}"}
            ),
            id="no-content-type",
        ),
        pytest.param(
            lambda http, token: http.get(
                "/graphql", params={"query": CREATE_ORG}, headers={"authorization": f"Bearer {token}"}
            ),
            id="get",
        ),
        pytest.param(
            lambda http, token: http.get(
                "/graphql", params={"query": "{ viewer { role } }"}, headers={"authorization": f"Bearer {token}"}
            ),
            id="get-query",
        ),
        pytest.param(
            lambda http, token: http.post(
                "/graphql",
                json=[{"query": CREATE_ORG}, {"query": CREATE_ORG}],
                headers={"authorization": f"Bearer {token}"},
            ),
            id="batched-json",
        ),
    ],
)
async def test_only_json_post_executes(api, world, send):
    admin = await world.admin()
    before = await count("organisations")
    response = await send(api.http, admin.token)
    assert 400 <= response.status_code < 500, response.text
    assert "Sneaky" not in response.text and '"data"' not in response.text
    assert await count("organisations") == before

    # The same mutation as a JSON POST does run (so the refusals above mean something).
    data = await api.ok(CREATE_ORG, token=admin.token)
    assert data["createOrganisation"]["organisation"]["id"]
    assert await count("organisations") == before + 1


# ---------------------------------------------------------------------------- production settings


def test_production_refuses_development_secrets(test_settings):
    production = dataclasses.replace(
        test_settings, environment="production", master_keys=(Fernet.generate_key().decode(),)
    )
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        dataclasses.replace(production, secret_key=settings_module.DEV_SECRET).check()
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        dataclasses.replace(production, secret_key="x" * 31).check()
    with pytest.raises(RuntimeError, match="MASTER_KEYS"):
        dataclasses.replace(production, secret_key="x" * 40, master_keys=(settings_module.DEV_MASTER_KEY,)).check()
    with pytest.raises(RuntimeError):
        asgi(dataclasses.replace(production, secret_key=settings_module.DEV_SECRET))
    dataclasses.replace(production, secret_key="x" * 40).check()  # a real secret passes


@pytest.fixture
async def production(test_settings, app, clean):
    """A second app on the same database with production settings, its lifespan running. Building
    it changes process-wide state (graphql-core's suggestion length, the encryption keyring),
    which is put back afterwards so the other tests see the test app as before."""
    settings = dataclasses.replace(
        test_settings,
        environment="production",
        secret_key="x" * 40,
        master_keys=(Fernet.generate_key().decode(),),
        graphiql=False,
        introspection=False,
    )
    suggestions = did_you_mean.MAX_LENGTH
    # Its lifespan opens Tortoise's (process-wide) connections anew and closes them at the end:
    # close the test app's first so no pool is left dangling, and reopen them afterwards.
    await db.close()
    try:
        application = asgi(settings)
        inner = starlette_app(application)
        async with inner.router.lifespan_context(inner):
            client = Api(application)
            yield client, settings
            await client.http.aclose()
    finally:
        did_you_mean.MAX_LENGTH = suggestions
        encryption.configure(test_settings.master_keys)
        await db.init(test_settings)


def production_token(settings, user: models.User) -> str:
    now = int(time.time())
    claims = {
        "sub": str(user.id),
        "ver": user.token_version,
        "role": user.role.value,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "exp": now + 600,
    }
    return jwt.encode(claims, settings.secret_key, algorithm="HS256")


async def test_production_hides_the_schema(api, production, world):
    prod, settings = production
    coach = await world.user(Role.COACH)
    user = await models.User.get(email=coach.email)
    token = production_token(settings, user)
    assert (await prod.ok(VIEWER, token=token)) == {"viewer": {"role": "COACH"}}
    assert codes(await prod(VIEWER, token=coach.token)) == ["UNAUTHENTICATED"]  # signed with the dev secret

    # Introspection: on in development (control), refused in production.
    assert (await api.ok("{ __schema { types { name } } }", token=coach.token))["__schema"]["types"]
    for query in ("{ __schema { types { name } } }", '{ __type(name: "Query") { fields { name } } }'):
        body = await prod(query, token=token)
        assert body["data"] is None and "introspection" in messages(body).lower(), body
    assert (await prod.ok("{ __typename }", token=token)) == {"__typename": "Query"}

    # No "Did you mean": misspelt fields, arguments, input fields and enum values.
    for query, variables in [
        ("{ viewr { role } }", None),
        ("{ organisations(frist: 1) { totalCount } }", None),
        ("{ coaches(kind: GLOBL) { totalCount } }", None),
        ("query($k: CoachKind) { coaches(kind: $k) { totalCount } }", {"k": "GLOBL"}),
        ('mutation { login(input: {emial: "a@b.test", password: "x"}) { token } }', None),
    ]:
        body = await prod(query, variables, token=token)
        assert body["errors"] and "Did you mean" not in messages(body), body
    body = await prod("{ viewr { role } }", token=token)
    assert messages(body) == "Cannot query field 'viewr' on type 'Query'."

    # No GraphiQL: development serves it (control), production does not.
    dev_page = await api.http.get("/graphql", headers={"accept": "text/html"})
    assert dev_page.status_code == 200 and "graphiql" in dev_page.text.lower()
    page = await prod.http.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 404 and "graphiql" not in page.text.lower()
    assert (await api.http.get("/graphiql/graphiql.min.js")).status_code == 200
    assert (await prod.http.get("/graphiql/graphiql.min.js")).status_code == 404


async def test_development_suggestions_are_back(api, world):
    """Runs after the production tests: the fixture put graphql-core's suggestions back."""
    coach = await world.user(Role.COACH)
    body = await api("{ viewr { role } }", token=coach.token)
    assert "Did you mean 'viewer'?" in messages(body)


async def test_production_masks_unexpected_errors_and_keeps_ours(production, world, monkeypatch):
    prod, settings = production
    coach = await world.user(Role.COACH)
    token = production_token(settings, await models.User.get(email=coach.email))

    import resolvers.accounts

    async def explode(viewer):
        raise RuntimeError("connection string postgres://secret@db")

    monkeypatch.setattr(resolvers.accounts, "signed_in_as", explode)
    response = await prod.post(VIEWER, token=token)
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    assert body["errors"] == [
        {
            "message": "Unexpected error.",
            "locations": [{"line": 1, "column": 3}],
            "path": ["viewer"],
            "extensions": {"code": "INTERNAL_SERVER_ERROR"},
        }
    ]
    assert "secret" not in response.text and "Traceback" not in response.text and "RuntimeError" not in response.text

    anonymous = await prod(VIEWER)
    assert anonymous["data"] is None
    assert codes(anonymous) == ["UNAUTHENTICATED"]
    assert messages(anonymous) == "Sign in first."

    body = await prod("{ organisations(first: 101) { totalCount } }", token=token)
    assert codes(body) == ["INVALID"]
    body = await prod("{ viewer { " + "role @include(if: true) " * 51 + "} }", token=token)
    assert codes(body) == ["QUERY_TOO_COMPLEX"]


# ---------------------------------------------------------------------------- login throttle

WRONG = [user_error("INVALID", ["input", "password"], "E-mail or password is not right.")]
THROTTLED = [user_error("RATE_LIMITED", None, "Too many failed sign-ins; wait a minute and try again.")]


def login_errors(data: dict) -> list[dict]:
    return data["userErrors"]


async def test_login_throttle_over_20_requests(api, world):
    coach = await world.user(Role.COACH)
    results = []
    for _ in range(20):
        data = await api.ok(LOGIN, {"e": coach.email, "p": "wrong password"})
        assert data["login"]["token"] is None
        results.append(login_errors(data["login"]))
    assert results == [WRONG] * 5 + [THROTTLED] * 15

    # The right password is refused too while the window lasts.
    data = await api.ok(LOGIN, {"e": coach.email.upper() + " ", "p": PASSWORD})
    assert data["login"]["token"] is None and login_errors(data["login"]) == THROTTLED


async def test_login_throttle_over_15_aliases_in_one_request(api, world):
    coach = await world.user(Role.COACH)
    fields = " ".join(
        f'a{i}: login(input: {{email: "{coach.email}", password: "wrong {i}"}}) {{ token userErrors {{ code field message }} }}'
        for i in range(MAX_ALIASES)
    )
    data = await api.ok(f"mutation {{ {fields} }}")
    outcomes = [login_errors(data[f"a{i}"]) for i in range(MAX_ALIASES)]
    assert outcomes == [WRONG] * 5 + [THROTTLED] * 10
    assert all(data[f"a{i}"]["token"] is None for i in range(MAX_ALIASES))
    data = await api.ok(LOGIN, {"e": coach.email, "p": PASSWORD})
    assert login_errors(data["login"]) == THROTTLED


async def test_twenty_aliased_logins_are_refused_whole(api, world):
    """20 aliases exceed the alias limit: nothing runs, so nothing is counted either."""
    coach = await world.user(Role.COACH)
    fields = " ".join(
        f'a{i}: login(input: {{email: "{coach.email}", password: "wrong {i}"}}) {{ token }}' for i in range(20)
    )
    body = await api(f"mutation {{ {fields} }}")
    assert body["data"] is None and "20 aliases found. Allowed: 15" in messages(body)
    data = await api.ok(LOGIN, {"e": coach.email, "p": PASSWORD})
    assert data["login"]["token"]


async def test_login_throttle_holds_under_concurrency(api, world):
    import asyncio

    coach = await world.user(Role.COACH)
    answers = await asyncio.gather(*[api.ok(LOGIN, {"e": coach.email, "p": f"wrong {i}"}) for i in range(20)])
    outcomes = [login_errors(a["login"]) for a in answers]
    assert outcomes.count(WRONG) == 5 and outcomes.count(THROTTLED) == 15


async def test_a_success_does_not_count_as_a_failure(api, world):
    coach = await world.user(Role.COACH)
    for _ in range(8):  # more successes than the limit: never refused
        data = await api.ok(LOGIN, {"e": coach.email, "p": PASSWORD})
        assert data["login"]["token"] and data["login"]["userErrors"] == []
    for _ in range(4):
        data = await api.ok(LOGIN, {"e": coach.email, "p": "wrong password"})
        assert login_errors(data["login"]) == WRONG
    data = await api.ok(LOGIN, {"e": coach.email, "p": PASSWORD})
    assert data["login"]["token"]
    data = await api.ok(LOGIN, {"e": coach.email, "p": "wrong password"})
    assert login_errors(data["login"]) == WRONG  # the fifth failure
    data = await api.ok(LOGIN, {"e": coach.email, "p": "wrong password"})
    assert login_errors(data["login"]) == THROTTLED  # the sixth


# ---------------------------------------------------------------------------- JWT


def b64(obj: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


async def claims_of(world, test_settings, role=Role.COACH) -> tuple[dict, str]:
    actor = await world.user(role)
    user = await models.User.get(email=actor.email)
    now = int(time.time())
    claims = {
        "sub": str(user.id),
        "ver": user.token_version,
        "role": user.role.value,
        "iss": test_settings.jwt_issuer,
        "aud": test_settings.jwt_audience,
        "iat": now,
        "exp": now + 600,
    }
    return claims, actor.token


async def assert_refused(api, token: str) -> None:
    body = await api(VIEWER, token=token)
    assert body["data"] is None and codes(body) == ["UNAUTHENTICATED"], body


async def test_jwt_forgeries_are_refused(api, world, test_settings):
    claims, real = await claims_of(world, test_settings)
    secret = test_settings.secret_key
    sign = lambda c, key=secret, alg="HS256": jwt.encode(c, key, algorithm=alg)  # noqa: E731
    assert (await api.ok(VIEWER, token=sign(claims))) == {"viewer": {"role": "COACH"}}  # control

    with warnings.catch_warnings():  # PyJWT warns that the key is short for HS512; that is not the point
        warnings.simplefilter("ignore")
        hs512 = sign(claims, alg="HS512")
    now = int(time.time())
    forged = {
        "alg-none": b64({"alg": "none", "typ": "JWT"}) + "." + b64(claims) + ".",
        "alg-none-upper": b64({"alg": "None", "typ": "JWT"}) + "." + b64(claims) + ".",
        "wrong-signature": sign(claims, key="another-secret-of-sufficient-length-0123456789"),
        "tampered-payload": real.split(".")[0] + "." + b64({**claims, "role": "ADMIN"}) + "." + real.split(".")[2],
        "hs512-same-secret": hs512,
        "expired-60s": sign({**claims, "iat": now - 700, "exp": now - 60}),
        "no-exp": sign({k: v for k, v in claims.items() if k != "exp"}),
        "no-sub": sign({k: v for k, v in claims.items() if k != "sub"}),
        "no-aud": sign({k: v for k, v in claims.items() if k != "aud"}),
        "no-iss": sign({k: v for k, v in claims.items() if k != "iss"}),
        "no-iat": sign({k: v for k, v in claims.items() if k != "iat"}),
        "no-ver": sign({k: v for k, v in claims.items() if k != "ver"}),
        "wrong-aud": sign({**claims, "aud": "someone-else"}),
        "wrong-iss": sign({**claims, "iss": "evil"}),
        "aud-list-without-ours": sign({**claims, "aud": ["someone-else"]}),
        "sub-not-a-uuid": sign({**claims, "sub": "1"}),
        "sub-unknown-user": sign({**claims, "sub": "00000000-0000-0000-0000-000000000000"}),
        "exp-not-a-number": sign({**claims, "exp": "tomorrow"}),
        "garbage": "not.a.token",
    }
    for name, token in forged.items():
        body = await api(VIEWER, token=token)
        assert body["data"] is None and codes(body) == ["UNAUTHENTICATED"], (name, body)
    for header in (f"Basic {sign(claims)}", sign(claims), "Bearer", "Bearer  "):
        response = await api.post(VIEWER, headers={"Authorization": header})
        assert codes(response.json()) == ["UNAUTHENTICATED"], header


async def test_jwt_leeway_is_30_seconds(api, world, test_settings):
    claims, _ = await claims_of(world, test_settings)
    now = int(time.time())
    token = jwt.encode({**claims, "iat": now - 600, "exp": now - 10}, test_settings.secret_key, algorithm="HS256")
    assert (await api.ok(VIEWER, token=token)) == {"viewer": {"role": "COACH"}}


async def test_role_comes_from_the_database_not_the_token(api, world, test_settings):
    claims, _ = await claims_of(world, test_settings)
    token = jwt.encode({**claims, "role": "ADMIN"}, test_settings.secret_key, algorithm="HS256")
    assert (await api.ok(VIEWER, token=token)) == {"viewer": {"role": "COACH"}}
    body = await api(CREATE_ORG, token=token)
    assert codes(body) == ["FORBIDDEN"]


async def test_deactivated_user_token_stops_working(api, world):
    coach = await world.user(Role.COACH)
    assert (await api.ok(VIEWER, token=coach.token)) == {"viewer": {"role": "COACH"}}
    await models.User.filter(email=coach.email).update(active=False)
    await assert_refused(api, coach.token)
    data = await api.ok(LOGIN, {"e": coach.email, "p": PASSWORD})
    assert data["login"]["token"] is None


async def test_token_version_bump_revokes_old_tokens(api, world):
    coach = await world.user(Role.COACH)
    user = await models.User.get(email=coach.email)
    await models.User.filter(id=user.id).update(token_version=user.token_version + 1)
    await assert_refused(api, coach.token)
    fresh = await api.ok(LOGIN, {"e": coach.email, "p": PASSWORD})
    assert (await api.ok(VIEWER, token=fresh["login"]["token"])) == {"viewer": {"role": "COACH"}}


# ---------------------------------------------------------------------------- API keys

CREATE_KEY = 'mutation { createApiKey(input: {name: "zap"}) { apiKey { id prefix } secret userErrors { code } } }'


async def test_api_key_lifecycle(api, world):
    admin = await org_admin(world)
    data = await api.ok(CREATE_KEY, token=admin.token)
    payload = data["createApiKey"]
    assert payload["userErrors"] == []
    secret, key_id = payload["secret"], payload["apiKey"]["id"]
    assert secret.startswith("cl_") and len(secret) >= 40
    assert payload["apiKey"]["prefix"] == secret[:10]

    # The key works as a bearer credential and acts as its organisation's admin.
    assert (await api.ok(VIEWER, token=secret)) == {"viewer": {"role": "ORG_ADMIN"}}
    listed = (await api.ok("{ apiKeys { id name prefix revokedAt } }", token=admin.token))["apiKeys"]
    assert listed == [{"id": key_id, "name": "zap", "prefix": secret[:10], "revokedAt": None}]

    # Only a hash is stored: no column holds the secret, or the part after its prefix.
    rows = await connections.get("default").execute_query_dict("SELECT * FROM api_keys")
    assert len(rows) == 1
    stored = " ".join(str(v) for v in rows[0].values())
    assert secret not in stored and secret[10:] not in stored and secret[3:] not in stored
    assert rows[0]["key_hash"] == hashlib.sha256(secret.encode()).hexdigest()

    # Revoked: refused at once.
    data = await api.ok(
        "mutation($id: ID!) { revokeApiKey(input: {apiKeyId: $id}) { apiKey { revokedAt } userErrors { code } } }",
        {"id": key_id},
        admin.token,
    )
    assert data["revokeApiKey"]["userErrors"] == [] and data["revokeApiKey"]["apiKey"]["revokedAt"]
    await assert_refused(api, secret)


async def test_api_key_variants_are_refused(api, world):
    admin = await org_admin(world)
    secret = (await api.ok(CREATE_KEY, token=admin.token))["createApiKey"]["secret"]
    for token in (secret[:-1], secret + "x", secret.upper(), "cl_", secret[:10]):
        await assert_refused(api, token)


async def test_a_coach_may_not_create_api_keys(api, world):
    coach = await world.user(Role.COACH)
    before = await count("api_keys")
    body = await api(CREATE_KEY, token=coach.token)
    assert body["data"] is None
    assert codes(body) == ["FORBIDDEN"]
    assert await count("api_keys") == before


# ---------------------------------------------------------------------------- passwords


async def test_login_rehashes_a_weaker_hash(api, world):
    """check_needs_rehash on login: a hash made with older, weaker parameters is replaced."""
    from argon2 import PasswordHasher

    from domain import passwords

    coach = await world.user(Role.COACH)
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    await models.User.filter(email=coach.email).update(password_hash=weak)
    data = await api.ok(LOGIN, {"e": coach.email, "p": PASSWORD})
    assert data["login"]["token"]
    stored = (await models.User.get(email=coach.email)).password_hash
    assert stored != weak and stored.startswith("$argon2id$") and not passwords.needs_rehash(stored)
