"""The Starlette application: /graphql (HTTP and graphql-transport-ws) and /health."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import timedelta
from typing import Any

from asyncpg.exceptions import QueryCanceledError
from cross_web import HTTPException, StarletteRequestAdapter
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from strawberry import UNSET
from strawberry.asgi import GraphQL
from strawberry.exceptions import MissingQueryError
from strawberry.http.parse_content_type import parse_content_type
from strawberry.schema.exceptions import (
    CannotGetOperationTypeError,
    InvalidOperationTypeError,
)
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType
from tortoise import connections

from app import calendar as calendar_feed
from app import db, graphiql, infra, logs
from app.auth import Authenticator
from app.events import EventHub
from app.jobs import JobPusher
from app.settings import Settings
from app.sockets import CREDENTIAL_REFUSED, NO_CREDENTIAL, CaseloadSocket, SignInRefused, SocketRegistry
from domain import cursors, encryption
from schema.build import build
from schema.context import Context
from schema.errors import ApiError
from schema.reporting import INTERNAL, TIMEOUT_MESSAGE
from workers.settings import create_queue
from workers.supervisor import HEARTBEAT_FRESH_SECONDS, Heartbeat

log = logging.getLogger("caseload.http")

MAX_BODY_BYTES = 100 * 1024
CORS_MAX_AGE_SECONDS = 600  # how long a browser may reuse a preflight's answer


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


GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
_JSON_RANGES = {JSON, "application/*", "*/*"}


def wants_graphql_response(accept: str | None) -> bool:
    """Whether the client asks for application/graphql-response+json (GraphQL over HTTP) at least
    as much as for application/json. Only an explicit mention counts: a wildcard (*/*) is a client
    that knows nothing of it and gets application/json, as every client did before."""
    wanted = {GRAPHQL_RESPONSE: 0.0, JSON: 0.0}
    for item in (accept or "").split(","):
        media_type, *parameters = (part.strip().lower() for part in item.split(";"))
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        kind = GRAPHQL_RESPONSE if media_type == GRAPHQL_RESPONSE else JSON if media_type in _JSON_RANGES else None
        if kind is not None:
            wanted[kind] = max(wanted[kind], quality)
    return wanted[GRAPHQL_RESPONSE] > 0 and wanted[GRAPHQL_RESPONSE] >= wanted[JSON]


def graphql_media_type(headers: Headers) -> str:
    """The media type of a GraphQL answer to a request with these headers."""
    return GRAPHQL_RESPONSE if wants_graphql_response(headers.get("accept")) else JSON


def error_response(scope, status: int, message: str, code: str, headers: dict[str, str] | None = None) -> Response:
    """A coded GraphQL error body (no `data`) in the media type the client asked for."""
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code}}]},
        status_code=status,
        headers=headers,
        media_type=graphql_media_type(Headers(scope=scope)),
    )


async def _too_large(scope, receive, send) -> None:
    message = f"The request body is over {MAX_BODY_BYTES // 1024} KB."
    await error_response(scope, 413, message, "PAYLOAD_TOO_LARGE")(scope, receive, send)


class JsonObjectBody:
    """A JSON request body must be one UTF-8 JSON object; anything else is 400 with a JSON error
    body, before strawberry parses it (it answered arrays, strings, nulls, invalid UTF-8 and
    deeply nested JSON with a 500). Runs inside BodyLimit, so the body is at most its limit."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("method") != "POST" or not _is_json(scope):
            return await self.app(scope, receive, send)
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        problem = _json_object_problem(body)
        if problem is not None:
            return await error_response(scope, 400, problem, "BAD_REQUEST")(scope, receive, send)
        delivered = False

        async def replay():
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _is_json(scope) -> bool:
    """strawberry's own rule, so every body it would parse as JSON is checked here first: the
    media type of the first Content-Type header (Starlette's choice) merely contains
    application/json."""
    content_type = Headers(scope=scope).get("content-type") or ""
    try:
        media_type, _ = parse_content_type(content_type)
    except Exception:  # strawberry would fail on it too; check the body rather than let it through
        return True
    return "application/json" in media_type


def _json_object_problem(body: bytes) -> str | None:
    try:
        parsed = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        return "The request body is not valid UTF-8."
    except RecursionError:
        return "The request body is nested too deeply."
    except ValueError:
        return "The request body is not valid JSON."
    if not isinstance(parsed, dict):
        return "The request body must be a JSON object."
    return None


# Over HTTP: queries and mutations (POST). Subscriptions run over the socket only, where their
# credential is watched; GET serves GraphiQL and runs nothing (no queries via GET: CSRF).
HTTP_OPERATIONS = {"POST": {OperationType.QUERY, OperationType.MUTATION}}
# Apollo's automatic persisted queries: a first request carries only the query's hash. This answer
# (Apollo Server's words) makes Apollo's link switch itself off and send whole queries from then on.
PERSISTED_QUERY_NOT_SUPPORTED = "PersistedQueryNotSupported"


async def _too_slow(scope, send, deadline: float) -> None:
    message = f"The request body did not arrive within {deadline:g} seconds."
    response = error_response(scope, 408, message, "REQUEST_TIMEOUT", headers={"Connection": "close"})

    async def nothing_more():  # the body never came; the response needs nothing from it
        return {"type": "http.disconnect"}

    await response(scope, nothing_more, send)


class AllowedOrigins(CORSMiddleware):
    """Starlette's CORS, telling other origins nothing: their preflight is refused without the
    Access-Control-* headers Starlette would still list (methods, headers, max age)."""

    def preflight_response(self, request_headers: Headers) -> Response:
        if not self.is_allowed_origin(origin=request_headers["origin"]):
            return PlainTextResponse("Disallowed CORS origin", status_code=400)
        return super().preflight_response(request_headers)


class CaseloadGraphQL(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = CaseloadSocket

    def __init__(self, *args: Any, settings: Settings, auth_holder: dict, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.settings = settings
        self.auth_holder = auth_holder

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            refusal = self._refusal(Request(scope))
            if refusal is not None:
                return await refusal(scope, receive, send)
        try:
            await super().__call__(scope, receive, send)
        except QueryCanceledError:
            # Only get_context's viewer lookup raises it here (the operation's own errors are in
            # its result); nothing has been sent yet.
            if scope["type"] != "http":
                raise
            log.warning("the viewer lookup ran past statement_timeout")
            await error_response(scope, 503, TIMEOUT_MESSAGE, "TIMEOUT")(scope, receive, send)

    def _refusal(self, request: Request) -> Response | None:
        """GraphQL runs on POST with a JSON body only: other methods are 405 (GET too, except a
        browser's request for the GraphiQL page), other bodies 415."""
        if request.method == "POST":
            try:
                media_type, _ = parse_content_type(request.headers.get("content-type") or "")
            except Exception:
                media_type = ""
            if media_type != JSON:
                message = "Send GraphQL requests as a JSON body (Content-Type: application/json)."
                return error_response(request.scope, 415, message, "UNSUPPORTED_MEDIA_TYPE")
            return None
        if request.method == "GET" and self.should_render_graphql_ide(StarletteRequestAdapter(request)):
            return None  # the GraphiQL page, or 404 where it is off
        message = "GraphQL requests are sent with POST (a JSON body); GET serves only the GraphiQL page."
        return error_response(request.scope, 405, message, "METHOD_NOT_ALLOWED", headers={"Allow": "POST"})

    async def run(self, request, context=UNSET, root_value=UNSET):
        """A client that asks for application/graphql-response+json gets it, with the status codes
        of GraphQL over HTTP: 4xx and no `data` when the request never ran (it did not parse or
        validate, its variables did not fit, it named no operation...). application/json keeps
        200 and `"data": null` for those, as clients written before that media type expect."""
        if request.scope["type"] != "http" or not wants_graphql_response(request.headers.get("accept")):
            return await super().run(request, context, root_value)
        request.state.graphql_response = True
        try:
            response = await super().run(request, context, root_value)
        except HTTPException as error:  # strawberry's plain-text refusals, as GraphQL errors
            code = "NOT_FOUND" if error.status_code == 404 else "BAD_REQUEST"
            return error_response(request.scope, error.status_code, error.reason, code)
        if response.media_type == JSON:
            response.headers["content-type"] = GRAPHQL_RESPONSE
            response.status_code = getattr(request.state, "request_error_status", response.status_code)
        return response

    async def process_result(self, request, result: ExecutionResult):
        body = await super().process_result(request, result)
        if getattr(request.state, "graphql_response", False) and _never_ran(result):
            del body["data"]
            codes = {(error.extensions or {}).get("code") for error in result.errors or ()}
            request.state.request_error_status = 500 if INTERNAL in codes else 400
        return body

    async def render_graphql_ide(self, request: Request) -> Response:
        return graphiql.page()

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
            settings=self.settings,
            auth=auth,
            viewer=viewer,
            push_jobs=self.auth_holder["push_jobs"],
            events=self.auth_holder.get("events"),
            client_address=client.host if client else None,
            request=request,
            response=response,
            log_fields=log_fields,
        )

    async def on_ws_connect(self, context: Context):
        """connection_init carries {"authorization": "Bearer <token or API key>"}; anything else
        closes the socket with 4403 and a reason saying what was wrong (app.sockets). The socket
        keeps the credential to re-check."""
        params = context.connection_params if isinstance(context.connection_params, dict) else {}
        header = params.get("authorization") or params.get("Authorization")
        if not isinstance(header, str) or not header.strip():
            raise SignInRefused(NO_CREDENTIAL)
        credential = await self.auth_holder["auth"].credential_from_header(header)
        if credential is None:
            raise SignInRefused(CREDENTIAL_REFUSED)
        context.sign_in(credential.viewer)
        context.credential = credential
        return UNSET

    async def execute_single(
        self, request, request_adapter, sub_response, context, root_value, request_data
    ) -> ExecutionResult:
        """strawberry runs a subscription sent over POST (and GET) as an HTTP request, which
        failed as "Unexpected error."; here it is a coded error instead."""
        allowed = HTTP_OPERATIONS.get(request_adapter.method, set())
        extensions = request_data.extensions or {}
        if request_data.query is None and "persistedQuery" in extensions:
            error = ApiError(PERSISTED_QUERY_NOT_SUPPORTED, "PERSISTED_QUERY_NOT_SUPPORTED")
            return ExecutionResult(data=None, errors=[error])
        try:
            return await self.schema.execute(
                request_data.query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=allowed,
                operation_extensions=request_data.extensions,
            )
        except InvalidOperationTypeError as error:
            if error.operation_type is OperationType.SUBSCRIPTION:
                message = "Subscriptions run over the WebSocket at /graphql (graphql-transport-ws), not over HTTP."
                return ExecutionResult(data=None, errors=[ApiError(message, "INVALID")])
            raise HTTPException(400, error.as_http_error_reason(request_adapter.method)) from error
        except CannotGetOperationTypeError as error:  # strawberry's own answers, as before
            raise HTTPException(400, error.as_http_error_reason()) from error
        except MissingQueryError as error:
            raise HTTPException(400, "No GraphQL query found in the request") from error


def _never_ran(result: ExecutionResult) -> bool:
    """A request error: refused before execution (parse, validation), or stopped with no `data`
    by errors that belong to no field (a field's error has a path; variables that do not fit, an
    operation that is not there, have none)."""
    if isinstance(result, PreExecutionError):
        return True
    errors = result.errors or []
    return result.data is None and bool(errors) and all(error.path is None for error in errors)


async def _health(request: Request) -> JSONResponse:
    """Liveness: the process answers. Whether it can do its work is /ready."""
    return JSONResponse({"status": "ok"})


READY_CHECK_TIMEOUT_SECONDS = 0.5


async def _check(probe) -> dict:
    try:
        await asyncio.wait_for(probe, READY_CHECK_TIMEOUT_SECONDS)
    except Exception as error:  # the kind only: a message may name hosts or credentials
        return {"ok": False, "error": type(error).__name__}
    return {"ok": True}


async def _ready(request: Request) -> JSONResponse:
    """Readiness: the database and Redis answer within 0.5 s each and, when this process runs a
    worker, the worker went round its loop within HEARTBEAT_FRESH_SECONDS. 200 when all hold,
    else 503; the body names each check."""
    services = request.app.state.services
    checks = {
        "database": await _check(connections.get("default").execute_query("SELECT 1")),
        "redis": await _check(services["redis"].ping()),
    }
    heartbeat: Heartbeat | None = services.get("heartbeat")
    if heartbeat is not None:
        age = heartbeat.age()
        checks["worker"] = {
            "ok": heartbeat.fresh(),
            "lastBeatSecondsAgo": None if age is None else round(age, 1),
            "freshWithinSeconds": HEARTBEAT_FRESH_SECONDS,
        }
    ready = all(check["ok"] for check in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "unavailable", "checks": checks}, status_code=200 if ready else 503
    )


async def open_services(settings: Settings, redis_url: str, *, heartbeat: Heartbeat | None = None) -> dict:
    """The per-process services requests use, all on one Redis (tests swap them for another)."""
    redis = infra.request_redis(redis_url)
    try:
        queue = await create_queue(redis_url)
    except Exception:  # Redis away at start-up: jobs wait in the outbox for the relay
        log.warning("Redis unreachable at start-up; jobs will be relayed from the outbox")
        queue = None
    # Pub/sub blocks on its socket between events, so it has its own client without a read timeout.
    auth = Authenticator(settings, redis)
    sockets = SocketRegistry(auth)
    events = EventHub(
        Redis.from_url(redis_url, socket_connect_timeout=2),
        credentials_ended=sockets.credentials_ended,
        listening_again=sockets.recheck_all,
    )
    events.start()
    return {
        "redis": redis,
        "auth": auth,
        "sockets": sockets,
        "queue": queue,
        "push_jobs": JobPusher(queue),
        "events": events,
        "heartbeat": heartbeat,
    }


async def close_services(services: dict) -> None:
    await services["events"].stop()
    await services["events"].redis.aclose()
    if services["queue"] is not None:
        await services["queue"].aclose()
    await services["redis"].aclose()


def create_app(
    settings: Settings, *, redis_url: str | None = None, migrate: bool = False, heartbeat: Heartbeat | None = None
) -> Starlette:
    """The ASGI app. Start-up opens Tortoise and Redis and refuses a database schema that is
    behind the code (or applies the migrations when `migrate` is set). `heartbeat`: the worker
    this process runs, for /ready."""
    settings.check()
    encryption.configure(settings.master_keys)
    cursors.configure(settings.secret_key)
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
        # Sockets: strawberry's own check of a browser's Origin (none, or the same origin, always
        # pass); the CORS middleware below answers HTTP from the same list.
        allowed_origins=settings.allowed_origins,
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
        services = await open_services(settings, redis_url or infra.redis_url(settings), heartbeat=heartbeat)
        holder.update(services)
        app.state.services = holder  # the per-process services requests use (tests swap them)
        try:
            yield
        finally:
            await close_services(holder)
            await db.close()

    return Starlette(
        routes=[
            Route("/health", _health),
            Route("/ready", _ready),
            calendar_feed.ROUTE,
            # Every method reaches the view, which answers those it does not serve (405, Allow: POST).
            Route("/graphql", graphql),
            WebSocketRoute("/graphql", graphql),
            *([Mount(graphiql.ASSETS_PATH, graphiql.Assets())] if settings.graphiql else []),
        ],
        lifespan=lifespan,
        middleware=[
            # Browsers on these origins may POST with a bearer token; other origins get no
            # Access-Control-* headers, so their pages can neither read answers nor subscribe.
            Middleware(
                AllowedOrigins,
                allow_origins=list(settings.allowed_origins),
                allow_methods=["POST"],
                allow_headers=["authorization", "content-type"],
                max_age=CORS_MAX_AGE_SECONDS,
            ),
            Middleware(JsonObjectBody),
        ],
    )


def asgi(settings: Settings, **kwargs: Any):
    """The app wrapped in the body limits (so nothing reads an oversized or slow body), inside the
    request log (so those refusals too have a request id and a log line)."""
    return logs.RequestLog(BodyLimit(create_app(settings, **kwargs), deadline=settings.request_body_seconds))
