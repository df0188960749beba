"""The one family of errors the domain raises on purpose; resolvers turn them into userErrors."""

from __future__ import annotations

from enum import Enum

from asyncpg.exceptions import ExclusionViolationError


class ErrorCode(str, Enum):
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    INVALID = "INVALID"
    CONFLICT = "CONFLICT"
    NOT_ELIGIBLE = "NOT_ELIGIBLE"
    SLOT_UNAVAILABLE = "SLOT_UNAVAILABLE"
    INSUFFICIENT_CREDITS = "INSUFFICIENT_CREDITS"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    RATE_LIMITED = "RATE_LIMITED"


class DomainError(Exception):
    """A business rule said no. `field` names the input field at fault (camelCase, as the API
    spells it), e.g. "startsAt"; None when the whole request is at fault."""

    def __init__(self, code: ErrorCode, message: str, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


class DomainErrors(Exception):
    """Several independent problems found in one input, all reported at once."""

    def __init__(self, errors: list[DomainError]):
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


def not_found(what: str, field: str | None = None) -> DomainError:
    # Exactly the answer a thing the viewer may not see gets: it does not exist for them.
    return DomainError(ErrorCode.NOT_FOUND, f"{what} not found.", field)


def invalid(message: str, field: str | None = None) -> DomainError:
    return DomainError(ErrorCode.INVALID, message, field)


def forbidden(message: str, field: str | None = None) -> DomainError:
    return DomainError(ErrorCode.FORBIDDEN, message, field)


def slot_unavailable(error: Exception, field: str) -> DomainError | None:
    """The sessions' exclusion constraint (sessions_no_overlap) refused a write: the slot was
    taken meanwhile. None for any other error, which the caller re-raises."""
    cause = error.__cause__ or error.__context__
    if isinstance(cause, ExclusionViolationError) or "sessions_no_overlap" in str(error):
        return DomainError(ErrorCode.SLOT_UNAVAILABLE, "That time is already taken.", field)
    return None
