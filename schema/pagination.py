"""Relay connections: PageInfo, opaque keyset cursors, page-size caps.

Cursors carry the sort key of the last row (not an offset), so a page stays stable while rows
are added before it. Every ordering ends with the primary key, which makes it total."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Callable, Generic, Optional, Sequence, TypeVar
from uuid import UUID

import strawberry
from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from schema.errors import ApiError

MAX_PAGE_SIZE = 100
T = TypeVar("T")


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: Optional[str]
    end_cursor: Optional[str]


def check_first(first: int | None) -> int:
    if first is None:
        return 50
    if first < 0 or first > MAX_PAGE_SIZE:
        raise ApiError(f"`first` must be between 0 and {MAX_PAGE_SIZE}.", "INVALID")
    return first


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, UUID):
        return str(value)
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("NUL")  # PostgreSQL text cannot hold it: never let it reach SQL
    if isinstance(value, dict):
        if "dt" in value:
            instant = datetime.fromisoformat(value["dt"])
            return instant.astimezone(timezone.utc) if instant.tzinfo else instant  # OverflowError at the edges
        if "d" in value:
            return date.fromisoformat(value["d"])
    return value


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps([_encode_value(v) for v in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


MAX_CURSOR_LENGTH = 1000  # ours are a few dozen characters; longer ones are never parsed


def _not_a_cursor() -> ApiError:
    return ApiError("`after` is not a cursor this API gave out.", "INVALID")


def decode_cursor(cursor: str | None, width: int) -> list[Any] | None:
    """The values inside a cursor; anything else (garbage, NUL, deep JSON, wrong shapes) is one
    INVALID error, never an exception of its own."""
    if not cursor:
        return None
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise _not_a_cursor()
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != width:
            raise ValueError("shape")
        return [_decode_value(v) for v in values]
    except (ValueError, TypeError, OverflowError, RecursionError):  # binascii, UnicodeDecode, JSONDecode: ValueErrors
        raise _not_a_cursor() from None


@dataclass(frozen=True)
class Ordering:
    """Columns to order by, each (field, descending); the last one must be unique (the pk)."""

    columns: tuple[tuple[str, bool], ...]

    def check(self, values: list[Any]) -> list[Any]:
        """Cursor values of the types the columns hold, so a forged cursor never reaches SQL:
        the key is a UUID, `*_at` columns are instants, the rest text."""
        checked = []
        for (name, _), value in zip(self.columns, values):
            try:
                if name == "id":
                    value = UUID(str(value))
                elif name.endswith("_at"):
                    if not isinstance(value, datetime) or value.tzinfo is None:
                        raise ValueError(name)
                elif not isinstance(value, str):
                    raise ValueError(name)
            except ValueError:
                raise _not_a_cursor() from None
            checked.append(value)
        return checked

    def order_by(self) -> list[str]:
        return [("-" if desc else "") + name for name, desc in self.columns]

    def after(self, values: list[Any]) -> Q:
        """Rows strictly after the cursor's row in this ordering (row-value comparison,
        written out so each column can have its own direction)."""
        condition = Q(id__isnull=True)  # false; OR-ed with each prefix below
        for i, (name, desc) in enumerate(self.columns):
            equal = {self.columns[j][0]: values[j] for j in range(i)}
            beyond = {f"{name}__{'lt' if desc else 'gt'}": values[i]}
            condition |= Q(**equal, **beyond)
        return condition


BY_CREATED = Ordering((("created_at", True), ("id", True)))


@dataclass
class Page(Generic[T]):
    rows: list[T]
    cursors: list[str]
    page_info: PageInfo
    total_count: int


async def paginate(
    queryset: QuerySet,
    ordering: Ordering,
    first: int | None,
    after: str | None,
    *,
    key: Callable[[Any], Sequence[Any]] | None = None,
) -> Page:
    """One page of `queryset` plus its total count (two queries)."""
    first = check_first(first)
    names = [name for name, _ in ordering.columns]
    key = key or (lambda row: [getattr(row, n) for n in names])
    total = await queryset.count()
    cursor_values = decode_cursor(after, len(names))
    page_query = queryset
    if cursor_values is not None:
        page_query = page_query.filter(ordering.after(ordering.check(cursor_values)))
    rows = await page_query.order_by(*ordering.order_by()).limit(first + 1) if first else []
    has_next = len(rows) > first
    rows = list(rows[:first])
    cursors = [encode_cursor(key(row)) for row in rows]
    return Page(
        rows=rows,
        cursors=cursors,
        page_info=PageInfo(
            has_next_page=has_next,
            has_previous_page=cursor_values is not None,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        ),
        total_count=total,
    )
