"""How GraphQL errors are logged and shown, in place of strawberry's defaults.

strawberry logs every error with `str(error)`, which prints the document's source line (an
inline password or note with it). Here errors are logged by code, path and operation name only:
errors raised on purpose (coded GraphQLErrors, DomainErrors, validation) at INFO without a
traceback, statement timeouts at WARNING, anything else at ERROR with its traceback. Never the
document, never the variables."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import strawberry
from asyncpg.exceptions import QueryCanceledError
from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.extensions import MaskErrors, SchemaExtension

from domain.errors import DomainError

log = logging.getLogger("caseload.graphql")

TIMEOUT_MESSAGE = "The request took too long and was stopped. Ask for less at once, or try again later."
_OPERATION_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,99}")
# graphql-core's messages quote literals and variable values ("got invalid value 'hunter2'",
# 'found "..."'): whatever is quoted, or follows "value"/"found", is not logged.
_QUOTED = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'")
_AFTER_VALUE = re.compile(r"\b(value|found)\b([:;]?) +[^\s;,]+")


def _cause(error: BaseException | None, kind: type[BaseException]) -> BaseException | None:
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, kind):
            return error
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None


def timed_out(error: GraphQLError) -> bool:
    """PostgreSQL cancelled a statement of this request (statement_timeout, SQLSTATE 57014)."""
    return _cause(error.original_error, QueryCanceledError) is not None


def is_unexpected(error: GraphQLError) -> bool:
    """Masked unless we raised it on purpose: validation errors and coded errors stay; DomainErrors
    and statement timeouts get their own code (MaskUnexpected)."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


def safe_message(message: str) -> str:
    return _AFTER_VALUE.sub(r"\1\2 …", _QUOTED.sub("…", message))[:300]


def operation_name(execution_context) -> str | None:
    try:
        name = execution_context.operation_name if execution_context is not None else None
    except Exception:  # the document did not parse
        return None
    return name if isinstance(name, str) and _OPERATION_NAME.fullmatch(name) else None


def report(error: GraphQLError, execution_context=None) -> None:
    original = error.original_error
    path = ".".join(str(p) for p in error.path) if error.path else None
    fields = {"operation": operation_name(execution_context), "path": path}
    if original is None or isinstance(original, (GraphQLError, DomainError)):
        if isinstance(original, DomainError):
            code = original.code.value
        else:
            code = (error.extensions or {}).get("code") or (
                "GRAPHQL_PARSE_FAILED" if isinstance(error, GraphQLSyntaxError) else "GRAPHQL_VALIDATION_FAILED"
            )
        log.info("GraphQL error %s: %s", code, safe_message(error.message), extra={"fields": {**fields, "code": code}})
    elif timed_out(error):
        log.warning(
            "GraphQL error TIMEOUT: a statement ran past statement_timeout",
            extra={"fields": {**fields, "code": "TIMEOUT"}},
        )
    else:
        log.error(
            "Unexpected error in %s",
            path or "the operation",
            exc_info=(type(original), original, original.__traceback__),
            extra={"fields": {**fields, "code": "INTERNAL"}},
        )


class Schema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context=None) -> None:
        for error in errors:
            report(error, execution_context)


class MaskUnexpected(MaskErrors):
    """ "Unexpected error." for what we did not raise on purpose, except: a DomainError that
    reached the top keeps its code, message and field path (e.g. ["filter", "serviceIds"]), and a
    statement timeout is code TIMEOUT."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected, error_message="Unexpected error.")

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if isinstance(original, DomainError):
            extensions: dict[str, object] = {"code": original.code.value}
            if original.field:
                extensions["field"] = original.field.split(".")
            return GraphQLError(original.message, nodes=error.nodes, path=error.path, extensions=extensions)
        if timed_out(error):
            return GraphQLError(TIMEOUT_MESSAGE, nodes=error.nodes, path=error.path, extensions={"code": "TIMEOUT"})
        masked = super().anonymise_error(error)
        masked.extensions = {"code": INTERNAL}
        return masked


INTERNAL = "INTERNAL_SERVER_ERROR"


class EveryErrorHasACode(SchemaExtension):
    """Gives each error without an extensions.code one, by what produced it: the parser
    GRAPHQL_PARSE_FAILED, validation (unknown fields, an Int literal out of range)
    GRAPHQL_VALIDATION_FAILED, the variables (a value that does not fit its type, "Too many errors
    processing variables") INVALID. Codes raised on purpose are kept. First in the schema's list,
    so it sees the errors after masking."""

    def on_validate(self) -> Iterator[None]:
        yield
        for error in self.execution_context.pre_execution_errors or ():
            _give_code(error, "GRAPHQL_VALIDATION_FAILED")

    def on_operation(self) -> Iterator[None]:
        try:
            yield
        except GraphQLSyntaxError as syntax_error:  # raised by ParserCache's hook, it ends the request
            _give_code(syntax_error, "GRAPHQL_PARSE_FAILED")
            raise
        for error in getattr(self.execution_context.result, "errors", None) or ():
            if isinstance(error, GraphQLSyntaxError):
                _give_code(error, "GRAPHQL_PARSE_FAILED")
            # Without a path, before any field ran: the variables.
            _give_code(error, "INVALID" if error.path is None else INTERNAL)


def _give_code(error: GraphQLError, code: str) -> None:
    if not (error.extensions or {}).get("code"):
        error.extensions = {**(error.extensions or {}), "code": code}


class RequestSummary(SchemaExtension):
    """Hands the operation's name to the request's summary log line (app.logs.RequestLog)."""

    def on_operation(self) -> Iterator[None]:
        yield
        fields = getattr(self.execution_context.context, "log_fields", None)
        if isinstance(fields, dict):
            fields["operation"] = operation_name(self.execution_context)
