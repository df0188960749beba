"""The Starlette application: /graphql (HTTP and graphql-transport-ws) and /health."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import Any

from asyncpg.exceptions import QueryCanceledError
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from strawberry import UNSET
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from app import db, infra, logs
from app.auth import Authenticator
from app.events import EventHub
from app.jobs import JobPusher
from app.settings import Settings
from domain import encryption
from schema.build import build
from schema.context import Context
from schema.reporting import TIMEOUT_MESSAGE
from workers.settings import create_queue

log = logging.getLogger("caseload.http")

MAX_BODY_BYTES = 100 * 1024


class BodyLimit:
    """Refuse request bodies over the limit with 413, and bodies not whole within `deadline`
    seconds with 408 (a slow sender holds a connection), before anything parses them."""

    def __init__(self, app, limit: int = MAX_BODY_BYTES, deadline: float = 10.0):
        self.app = app
        self.limit = limit
        self.deadline = deadline

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            return await _too_large(scope, receive, send)
        # Without a Content-Length (chunked) the size shows only while reading. Read the body
        # here, at most `limit` bytes, and hand it on whole: refusing from inside the app's
        # receive() raised through Starlette, which had already answered 500.
        chunks: list[bytes] = []
        received = 0
        try:
            async with asyncio.timeout(self.deadline):
                while True:
                    message = await receive()
                    if message["type"] != "http.request":  # the client went away
                        return
                    chunk = message.get("body", b"")
                    received += len(chunk)
                    if received > self.limit:
                        break
                    chunks.append(chunk)
                    if not message.get("more_body", False):
                        break
        except TimeoutError:
            return await _too_slow(scope, send, self.deadline)
        if received > self.limit:
            return await _too_large(scope, receive, send)
        body = b"".join(chunks)
        delivered = False

        async def replay():
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # later calls wait for the disconnect, as usual

        await self.app(scope, replay, send)


async def _too_large(scope, receive, send) -> None:
    await PlainTextResponse("Request body too large.", status_code=413)(scope, receive, send)


async def _too_slow(scope, send, deadline: float) -> None:
    error = {"message": f"The request body did not arrive within {deadline:g} seconds.", "extensions": {"code": "REQUEST_TIMEOUT"}}
    response = JSONResponse({"errors": [error]}, status_code=408, headers={"Connection": "close"})

    async def nothing_more():  # the body never came; the response needs nothing from it
        return {"type": "http.disconnect"}

    await response(scope, nothing_more, send)


class CaseloadGraphQL(GraphQL):
    def __init__(self, *args: Any, settings: Settings, auth_holder: dict, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.settings = settings
        self.auth_holder = auth_holder

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "websocket" and not self._origin_allowed(scope):
            await send({"type": "websocket.close", "code": 4403, "reason": "Origin not allowed"})
            return
        try:
            await super().__call__(scope, receive, send)
        except QueryCanceledError:
            # Only get_context's viewer lookup raises it here (the operation's own errors are in
            # its result); nothing has been sent yet.
            if scope["type"] != "http":
                raise
            log.warning("the viewer lookup ran past statement_timeout")
            error = {"message": TIMEOUT_MESSAGE, "extensions": {"code": "TIMEOUT"}}
            await JSONResponse({"errors": [error]}, status_code=503)(scope, receive, send)

    def _origin_allowed(self, scope) -> bool:
        """Browsers send an Origin; when CASELOAD_ALLOWED_ORIGINS is set, only those may open a
        socket. (Authentication is in connection_init, not in cookies, so this is defence in depth.)"""
        origin = dict(scope.get("headers") or []).get(b"origin")
        allowed = self.settings.allowed_origins
        return origin is None or not allowed or origin.decode("latin-1") in allowed

    async def get_context(self, request, response) -> Context:
        auth: Authenticator = self.auth_holder["auth"]
        is_socket = getattr(request, "scope", {}).get("type") == "websocket"
        # A socket authenticates in connection_init (on_ws_connect), never by header or URL.
        viewer = None if is_socket else await auth.viewer_from_header(request.headers.get("authorization"))
        client = getattr(request, "client", None)
        log_fields = logs.request_fields.get()
        if log_fields is not None and not is_socket:
            log_fields["role"] = viewer.role.value if viewer else "ANONYMOUS"
        return Context(
            settings=self.settings, auth=auth, viewer=viewer, push_jobs=self.auth_holder["push_jobs"],
            events=self.auth_holder.get("events"), client_address=client.host if client else None,
            request=request, response=response, log_fields=log_fields,
        )

    async def on_ws_connect(self, context: Context):
        """connection_init carries {"authorization": "Bearer <token or API key>"}; anything else
        closes the socket with 4403."""
        params = context.connection_params if isinstance(context.connection_params, dict) else {}
        header = params.get("authorization") or params.get("Authorization")
        viewer = await self.auth_holder["auth"].viewer_from_header(header if isinstance(header, str) else None)
        if viewer is None:
            raise ConnectionRejectionError({"message": "Sign in first."})
        context.sign_in(viewer)
        return UNSET


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
        connection_init_wait_timeout=timedelta(seconds=5),
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
        url = redis_url or infra.redis_url(settings)
        redis = Redis.from_url(url)
        holder["auth"] = Authenticator(settings, redis)
        try:
            queue = await create_queue(url)
        except Exception:  # Redis away at start-up: jobs wait in the outbox for the relay
            log.warning("Redis unreachable at start-up; jobs will be relayed from the outbox")
            queue = None
        holder["push_jobs"] = JobPusher(queue)
        events = EventHub(redis)
        events.start()
        holder["events"] = events
        app.state.redis = redis
        app.state.services = holder  # the per-process services requests use (tests swap them)
        try:
            yield
        finally:
            await events.stop()
            if queue is not None:
                await queue.aclose()
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
    """The app wrapped in the body limits (so nothing reads an oversized or slow body), inside the
    request log (so those refusals too have a request id and a log line)."""
    return logs.RequestLog(BodyLimit(create_app(settings, **kwargs), deadline=settings.request_body_seconds))
