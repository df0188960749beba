"""Keyset cursors: the sort key and id of a page's last row, as opaque base64url JSON.

The one rule for reading a cursor back: every value must be of the kind its column holds, text
single-line and instants within validation's years (domain.validation), so a forged cursor is one
BadCursor (INVALID, naming `after`) and never reaches SQL."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from domain import validation
from domain.errors import DomainError, ErrorCode

MAX_LENGTH = 1000  # ours are a few dozen characters; longer ones are never parsed
NOT_A_CURSOR = "`after` is not a cursor this API gave out."

Check = Callable[[Any], Any]  # a cursor value as JSON -> the value for SQL; ValueError when it cannot be one


class BadCursor(DomainError):
    def __init__(self) -> None:
        super().__init__(ErrorCode.INVALID, NOT_A_CURSOR, "after")


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, UUID):
        return str(value)
    return value


def encode(values: Sequence[Any]) -> str:
    raw = json.dumps([_json_value(v) for v in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def identifier(value: Any) -> UUID:
    if not isinstance(value, str):
        raise ValueError("id")
    return UUID(value)


def text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("text")
    return validation.single_line(value, "after")


def integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not -(2**31) <= value < 2**31:
        raise ValueError("integer")
    return value


def instant(value: Any, *, also: Sequence[datetime] = ()) -> datetime:
    """An aware instant within validation's years, in UTC; `also`: the ordering's own stand-ins
    for a missing value, which lie outside them."""
    if not isinstance(value, dict) or set(value) != {"dt"} or not isinstance(value["dt"], str):
        raise ValueError("instant")
    parsed = datetime.fromisoformat(value["dt"])
    if parsed.tzinfo is None:
        raise ValueError("instant")
    if parsed in also:  # aware datetimes compare as instants
        return parsed.astimezone(UTC)
    return validation.instant(parsed, "after").astimezone(UTC)


def instant_or(*also: datetime) -> Check:
    return lambda value: instant(value, also=also)


def decode(cursor: str | None, checks: Sequence[Check]) -> list[Any] | None:
    """The cursor's values, one per check, each checked; None for no cursor. Anything else
    (garbage, deep JSON, wrong shapes or kinds, NUL, surrogates, instants out of range) is BadCursor."""
    if not cursor:
        return None
    if len(cursor) > MAX_LENGTH:
        raise BadCursor()
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != len(checks):
            raise ValueError("shape")
        return [check(value) for check, value in zip(checks, values, strict=True)]
    # binascii, UnicodeDecode and JSONDecode errors are ValueErrors; DomainError from validation
    except (ValueError, TypeError, OverflowError, RecursionError, DomainError):
        raise BadCursor() from None
