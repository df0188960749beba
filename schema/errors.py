"""userErrors (business outcomes, inside payloads) and the few top-level errors we raise on
purpose (UNAUTHENTICATED, FORBIDDEN, limits), which keep their code when others are masked."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError

from domain.errors import DomainError, DomainErrors
from domain.errors import ErrorCode as DomainErrorCode
from schema.enums import describe_values

ErrorCode = DomainErrorCode
strawberry.enum(
    ErrorCode,
    name="ErrorCode",
    description="Why a mutation did not do what was asked (UserError.code). The same codes, with UNAUTHENTICATED, QUERY_TOO_COMPLEX, TIMEOUT and the GraphQL ones, appear as `extensions.code` of top-level errors.",
)  # registered in place
describe_values(
    ErrorCode,
    NOT_FOUND="No such object, or one the viewer may not see (the two are answered alike).",
    FORBIDDEN="The viewer may see the object but not do this to it.",
    INVALID="The input is malformed or out of range (see `field`).",
    CONFLICT="Clashes with the current state, e.g. an idempotency key reused with other input, or a concurrent change (try again).",
    NOT_ELIGIBLE="The client may not book: the message names every failing eligibility reason (Client.eligibility).",
    SLOT_UNAVAILABLE="The time is outside the coach's availability, in their time off, or taken by another session (with its buffer).",
    INSUFFICIENT_CREDITS="The client's pool, or the organisation's pool for a GLOBAL coach, holds fewer credits than the service needs.",
    INVALID_TRANSITION="The session or proposal is not in a state that allows this (e.g. cancelling a completed session).",
    RATE_LIMITED="Too many attempts; wait and try again.",
)


@strawberry.type(
    description="A business reason a mutation did not happen, inside its payload: nothing was changed when userErrors is not empty. Show `message` next to the input field named by `field`."
)
class UserError:
    field: list[str] | None = strawberry.field(
        description='Path to the input field at fault, e.g. ["input", "startsAt"].'
    )
    message: str = strawberry.field(description="A readable explanation for people; do not parse it (use `code`).")
    code: ErrorCode = strawberry.field(description="What went wrong, for programs.")


class ApiError(GraphQLError):
    """A top-level error raised on purpose: never masked, always carries extensions.code."""

    def __init__(self, message: str, code: str):
        super().__init__(message, extensions={"code": code})


def unauthenticated() -> ApiError:
    return ApiError("Sign in first.", "UNAUTHENTICATED")


def forbidden(message: str = "You may not do this.") -> ApiError:
    return ApiError(message, "FORBIDDEN")


def field_path(field: str | None) -> list[str] | None:
    """ "bookingPeriod.endsOn" -> ["input", "bookingPeriod", "endsOn"]."""
    if field is None:
        return None
    return ["input", *field.split(".")]


def user_errors(error: DomainError | DomainErrors) -> list[UserError]:
    errors = error.errors if isinstance(error, DomainErrors) else [error]
    return [UserError(field=field_path(e.field), message=e.message, code=e.code) for e in errors]
