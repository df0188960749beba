"""userErrors (business outcomes, inside payloads) and the few top-level errors we raise on
purpose (UNAUTHENTICATED, FORBIDDEN, limits), which keep their code when others are masked."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError

from domain.errors import DomainError, DomainErrors
from domain.errors import ErrorCode as DomainErrorCode

ErrorCode = DomainErrorCode
strawberry.enum(ErrorCode, name="ErrorCode")  # registered in place


@strawberry.type
class UserError:
    field: list[str] | None = strawberry.field(
        description='Path to the input field at fault, e.g. ["input", "startsAt"].'
    )
    message: str
    code: ErrorCode


class ApiError(GraphQLError):
    """A top-level error raised on purpose: never masked, always carries extensions.code."""

    def __init__(self, message: str, code: str):
        super().__init__(message, extensions={"code": code})


def unauthenticated() -> ApiError:
    return ApiError("Sign in first.", "UNAUTHENTICATED")


def forbidden(message: str = "You may not do this.") -> ApiError:
    return ApiError(message, "FORBIDDEN")


def coded(error: DomainError, prefix: list[str]) -> GraphQLError:
    """A query argument's DomainError as a top-level coded error; `prefix`: the argument, e.g.
    ["filter"] for the field "filter.minSessionsLast90Days"."""
    field = error.field.split(".") if error.field else []
    if field[: len(prefix)] != prefix:
        field = [*prefix, *field]
    return GraphQLError(error.message, extensions={"code": error.code.value, "field": field})


def field_path(field: str | None) -> list[str] | None:
    """ "bookingPeriod.endsOn" -> ["input", "bookingPeriod", "endsOn"]."""
    if field is None:
        return None
    return ["input", *field.split(".")]


def user_errors(error: DomainError | DomainErrors) -> list[UserError]:
    errors = error.errors if isinstance(error, DomainErrors) else [error]
    return [UserError(field=field_path(e.field), message=e.message, code=e.code) for e in errors]
