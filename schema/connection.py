"""Generic Relay connection types: `Connection[Client]` is named ClientConnection in the schema."""

from __future__ import annotations

from typing import Generic, Self, TypeVar

import strawberry

from schema.pagination import Page, PageInfo

T = TypeVar("T")


@strawberry.type(description="One row of a connection with its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(
        description="Opaque position of this row; pass it as `after` to read the rows after it."
    )
    node: T = strawberry.field(description="The row itself.")


@strawberry.type(
    description="A page of a list (Relay connection): `first` (0-100, default 50) rows after the cursor `after`."
)
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The page's rows, each with its cursor, in the list's order.")
    page_info: PageInfo = strawberry.field(description="Cursors and whether more rows follow.")
    total_count: int = strawberry.field(description="Rows in the whole list (all pages) with the same filter.")

    @classmethod
    def of(cls, page: Page, nodes: list[T]) -> Self:
        """Wrap a page whose rows were turned into `nodes` (same order)."""
        return cls(
            edges=[Edge(cursor=c, node=n) for c, n in zip(page.cursors, nodes, strict=True)],
            page_info=page.page_info,
            total_count=page.total_count,
        )
