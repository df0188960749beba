"""Generic Relay connection types: `Connection[Client]` is named ClientConnection in the schema."""

from __future__ import annotations

from typing import Generic, Self, TypeVar

import strawberry

from schema.pagination import Page, PageInfo

T = TypeVar("T")


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    total_count: int

    @classmethod
    def of(cls, page: Page, nodes: list[T]) -> Self:
        """Wrap a page whose rows were turned into `nodes` (same order)."""
        return cls(
            edges=[Edge(cursor=c, node=n) for c, n in zip(page.cursors, nodes, strict=True)],
            page_info=page.page_info,
            total_count=page.total_count,
        )
