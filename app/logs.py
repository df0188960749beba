"""Logging, set up in one place for every command: text or JSON lines, each record carrying the
id of the HTTP request it belongs to, and one summary line per request.

What a record may hold is decided where it is made: no GraphQL documents, variables, tokens or
private text (schema/reporting.py logs GraphQL errors by code and path only)."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime
from typing import Any

REQUEST_ID_HEADER = b"x-request-id"
# An incoming id is echoed and logged, so only a short plain token is taken; anything else is replaced.
_SANE_ID = re.compile(rb"[A-Za-z0-9._:-]{1,64}")

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
# The summary of the request being served; the GraphQL layer adds its operation and viewer role.
request_fields: contextvars.ContextVar[dict | None] = contextvars.ContextVar("request_fields", default=None)

access_log = logging.getLogger("caseload.request")


class RequestIdFilter(logging.Filter):
    """Puts the current request id on a record made before stamp_request_ids() ran."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        return True


def stamp_request_ids() -> None:
    """Every record made from now on carries `request_id` (None outside a request), whichever
    handler writes it and whenever (a handler may format it later, outside the request)."""
    make = logging.getLogRecordFactory()
    if getattr(make, "stamps_request_id", False):
        return

    def record_with_request_id(*args, **kwargs):
        record = make(*args, **kwargs)
        record.request_id = request_id.get()
        return record

    record_with_request_id.stamps_request_id = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(record_with_request_id)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        text = super().format(record)
        fields = getattr(record, "fields", None)
        if fields:
            text += " " + " ".join(f"{k}={v}" for k, v in fields.items())
        return text


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, the record's `fields`
    (extra={"fields": {...}}) and the formatted traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id.get(),
        }
        line.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=str)


def formatter(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else TextFormatter()


class _OurHandler(logging.StreamHandler):
    pass


def configure(log_format: str = "text", level: int = logging.INFO, stream=None) -> logging.Handler:
    """The root logger writes to stderr (or `stream`) in the chosen format; every other logger
    (uvicorn's and arq's included) propagates to it. Called again, it replaces its own handler."""
    stamp_request_ids()
    handler = _OurHandler(stream)
    handler.setFormatter(formatter(log_format))
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _OurHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "arq"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    return handler


def _incoming_id(scope) -> str:
    for name, value in scope.get("headers") or ():
        if name == REQUEST_ID_HEADER and _SANE_ID.fullmatch(value):
            return value.decode("ascii")
    return uuid.uuid4().hex


SECRET_PATHS = ("/calendar/",)  # the address is the credential (app.calendar)


def loggable_path(path: str | None) -> str | None:
    """The request's path, without the secret of a path that is one."""
    for prefix in SECRET_PATHS:
        if path and path.startswith(prefix):
            return prefix + "*"
    return path


class RequestLog:
    """Outermost ASGI layer: gives each HTTP request (and each socket) an id, echoed in the
    `X-Request-ID` response header and put on every record logged while serving it, and logs
    one line per HTTP request at the end: id, method, path, operation, viewer role, status, ms."""

    def __init__(self, app):
        self.app = app
        stamp_request_ids()

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        rid = _incoming_id(scope)
        id_token = request_id.set(rid)
        fields: dict[str, Any] = {"operation": None, "role": None}
        fields_token = request_fields.set(fields)
        status: int | None = None
        started = time.perf_counter()

        async def send_with_id(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers") or () if k.lower() != REQUEST_ID_HEADER]
                message = {**message, "headers": [*headers, (REQUEST_ID_HEADER, rid.encode("ascii"))]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id if scope["type"] == "http" else send)
        finally:
            if scope["type"] == "http":
                duration = round((time.perf_counter() - started) * 1000, 1)
                summary = {
                    "method": scope.get("method"),
                    "path": loggable_path(scope.get("path")),
                    "operation": fields.get("operation"),
                    "role": fields.get("role"),
                    "status": status,
                    "duration_ms": duration,
                }
                access_log.info("request finished", extra={"fields": summary})
            request_fields.reset(fields_token)
            request_id.reset(id_token)
