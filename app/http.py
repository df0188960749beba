"""The Starlette application: /graphql (HTTP and graphql-transport-ws) and /health."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from app import db, infra
from app.auth import Authenticator
from app.settings import Settings
from domain import encryption
from schema.build import build
from schema.context import Context

log = logging.getLogger("caseload.http")

MAX_BODY_BYTES = 100 * 1024


class BodyLimit:
    """Refuse request bodies over the limit with 413, before anything parses them."""

    def __init__(self, app, limit: int = MAX_BODY_BYTES):
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            return await PlainTextResponse("Request body too large.", status_code=413)(scope, receive, send)
        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise _TooLarge()
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _TooLarge:
            await PlainTextResponse("Request body too large.", status_code=413)(scope, receive, send)


class _TooLarge(Exception):
    pass


class CaseloadGraphQL(GraphQL):
    def __init__(self, *args: Any, settings: Settings, auth_holder: dict, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.settings = settings
        self.auth_holder = auth_holder

    async def get_context(self, request, response) -> Context:
        auth: Authenticator = self.auth_holder["auth"]
        viewer = await auth.viewer_from_header(request.headers.get("authorization"))
        client = getattr(request, "client", None)
        return Context(
            settings=self.settings, auth=auth, viewer=viewer,
            client_address=client.host if client else None, request=request, response=response,
        )


async def _health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def create_app(settings: Settings, *, redis_url: str | None = None, migrate: bool = False) -> Starlette:
    """The ASGI app. Start-up opens Tortoise and Redis and refuses a database schema that is
    behind the code (or applies the migrations when `migrate` is set)."""
    settings.check()
    encryption.configure(settings.master_keys)
    schema = build(introspection=settings.introspection, suggestions=not settings.production)
    holder: dict = {}
    graphql = CaseloadGraphQL(
        schema,
        settings=settings,
        auth_holder=holder,
        graphql_ide="graphiql" if settings.graphiql else None,
        allow_queries_via_get=False,
        multipart_uploads_enabled=False,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        if migrate:
            await db.migrate(settings)
        config = await db.init(settings)
        pending = await db.pending_migrations(config)
        if pending:
            await db.close()
            raise RuntimeError(f"The database is behind the code; run `caseload migrate` ({', '.join(pending)})")
        redis = Redis.from_url(redis_url or infra.redis_url(settings))
        holder["auth"] = Authenticator(settings, redis)
        app.state.redis = redis
        try:
            yield
        finally:
            await redis.aclose()
            await db.close()

    return Starlette(
        routes=[
            Route("/health", _health),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
        ],
        lifespan=lifespan,
        middleware=[],
    )


def asgi(settings: Settings, **kwargs: Any):
    """The app wrapped in the body limit (outermost, so nothing reads an oversized body)."""
    return BodyLimit(create_app(settings, **kwargs))
