"""Relay connections: PageInfo, opaque keyset cursors, page-size caps.

Cursors carry the sort key of the last row (not an offset), so a page stays stable while rows
are added before it. Every ordering ends with the primary key, which makes it total."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import strawberry
from graphql import GraphQLError
from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from domain import cursors
from domain.viewer import Viewer
from schema.errors import ApiError

MAX_PAGE_SIZE = 100
T = TypeVar("T")


@strawberry.type(
    description="Where a page of a connection lies in the whole list. Pass `endCursor` as `after` to read the next page."
)
class PageInfo:
    has_next_page: bool = strawberry.field(description="More rows follow this page.")
    has_previous_page: bool = strawberry.field(description="Rows come before this page (a page read with `after`).")
    start_cursor: str | None = strawberry.field(
        description="The cursor of the page's first row; null for an empty page."
    )
    end_cursor: str | None = strawberry.field(
        description="The cursor of the page's last row: `after` for the next page; null for an empty page."
    )


def check_first(first: int | None) -> int:
    if first is None:
        return 50
    if first < 0 or first > MAX_PAGE_SIZE:
        raise ApiError(f"`first` must be between 0 and {MAX_PAGE_SIZE}.", "INVALID")
    return first


def encode_cursor(values: Sequence[Any], bound_to: str) -> str:
    return cursors.encode(values, bound_to)


def decode_cursor(cursor: str | None, checks: Sequence[cursors.Check], bound_to: str) -> list[Any] | None:
    """The cursor's values checked by domain.cursors; a bad one (or one given to someone else, or
    for another list: `bound_to`, cursors.binding) is a top-level INVALID error naming `after`."""
    try:
        return cursors.decode(cursor, checks, bound_to)
    except cursors.BadCursor as error:
        raise GraphQLError(error.message, extensions={"code": "INVALID", "field": ["after"]}) from None


@dataclass(frozen=True)
class Ordering:
    """Columns to order by, each (field, descending); the last one must be unique (the pk)."""

    columns: tuple[tuple[str, bool], ...]

    def checks(self) -> list[cursors.Check]:
        """What each cursor value must be: the key a UUID, `*_at` columns instants, the rest text."""
        return [
            cursors.identifier if name == "id" else cursors.instant if name.endswith("_at") else cursors.text
            for name, _ in self.columns
        ]

    def order_by(self) -> list[str]:
        return [("-" if desc else "") + name for name, desc in self.columns]

    def name(self) -> str:
        """The ordering as its cursors are bound to it (cursors.binding)."""
        return ",".join(self.order_by())

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
    viewer: Viewer,
    key: Callable[[Any], Sequence[Any]] | None = None,
) -> Page:
    """One page of `queryset` plus its total count (two queries); its cursors are the viewer's."""
    first = check_first(first)
    names = [name for name, _ in ordering.columns]
    key = key or (lambda row: [getattr(row, n) for n in names])
    total = await queryset.count()
    bound_to = cursors.binding(viewer, ordering.name())
    cursor_values = decode_cursor(after, ordering.checks(), bound_to)
    page_query = queryset
    if cursor_values is not None:
        page_query = page_query.filter(ordering.after(cursor_values))
    rows = await page_query.order_by(*ordering.order_by()).limit(first + 1) if first else []
    has_next = len(rows) > first
    rows = list(rows[:first])
    given = [encode_cursor(key(row), bound_to) for row in rows]
    return Page(
        rows=rows,
        cursors=given,
        page_info=PageInfo(
            has_next_page=has_next,
            has_previous_page=cursor_values is not None,
            start_cursor=given[0] if given else None,
            end_cursor=given[-1] if given else None,
        ),
        total_count=total,
    )
