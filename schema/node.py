"""Global IDs and the `node`/`nodes` fields. Every entity is a relay.Node on its UUID; a type
registers how to load a batch of its ids *within the viewer's scope*, so node/nodes can never
reach around the scoped queries. Unknown, malformed, wrong-type and out-of-scope ids all read
as null."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar, overload
from uuid import UUID

import strawberry
from strawberry import relay

from domain.errors import not_found
from domain.viewer import Viewer
from schema.context import Info
from schema.errors import ApiError
from schema.permissions import IsAuthenticated

MAX_IDS = 100
T = TypeVar("T")

# type name -> async (info, [uuid]) -> [object | None] aligned with the ids
_loaders: dict[str, Callable[[Any, list[UUID]], Awaitable[list[Any]]]] = {}


@strawberry.type
class Entity(relay.Node):
    """Base of every entity type: `uid` is the UUID primary key, exposed only as the global id."""

    uid: relay.NodeID[str]


def loads_nodes(type_name: str):
    """Register a type's scoped batch loader."""

    def register(fn):
        _loaders[type_name] = fn
        return fn

    return register


def decode(global_id: str, expected_type: str | None = None) -> tuple[str, UUID] | None:
    try:
        gid = relay.GlobalID.from_id(global_id)
        uid = UUID(gid.node_id)
    except Exception:  # any malformed id is simply not found
        return None
    if expected_type is not None and gid.type_name != expected_type:
        return None
    return gid.type_name, uid


def uuid_of(global_id: str | None, expected_type: str) -> UUID | None:
    """The UUID inside a global id of the expected type, else None (→ NOT_FOUND)."""
    if global_id is None:
        return None
    decoded = decode(global_id, expected_type)
    return decoded[1] if decoded else None


@overload
def uuid_or_not_found(global_id: str, expected_type: str, field: str) -> UUID: ...
@overload
def uuid_or_not_found(global_id: str | None, expected_type: str, field: str) -> UUID | None: ...
def uuid_or_not_found(global_id: str | None, expected_type: str, field: str) -> UUID | None:
    """For optional id inputs: None stays None; an id that is not a `expected_type` id is NOT_FOUND."""
    if global_id is None:
        return None
    uid = uuid_of(global_id, expected_type)
    if uid is None:
        raise not_found(expected_type, field)
    return uid


async def in_scope(
    read: Callable[[Viewer, UUID], Awaitable[T | None]], info, global_id: str | None, expected_type: str, field: str
) -> T:
    """The object behind a global id, read by `read` (a scoped read from resolvers/) when the
    viewer may see it; else NOT_FOUND at `field`, exactly what a missing object gets."""
    uid = uuid_of(global_id, expected_type)
    found = await read(info.context.viewer, uid) if uid is not None else None
    if found is None:
        raise not_found(expected_type, field)
    return found


def encode(type_name: str, uid: UUID | str) -> str:
    return str(relay.GlobalID(type_name, str(uid)))


async def resolve_nodes(info: Info, ids: Sequence[str]) -> list[relay.Node | None]:
    if info.context.viewer is None:
        return [None] * len(ids)
    wanted: dict[str, list[UUID]] = defaultdict(list)
    decoded = [decode(i) for i in ids]
    for item in decoded:
        if item and item[0] in _loaders:
            wanted[item[0]].append(item[1])
    found: dict[tuple[str, UUID], Any] = {}
    for type_name, uids in wanted.items():
        for uid, obj in zip(uids, await _loaders[type_name](info, uids), strict=True):
            found[(type_name, uid)] = obj
    return [found.get(item) if item else None for item in decoded]


@strawberry.type
class NodeQuery:
    @strawberry.field(
        description="Any signed-in viewer: the object with this global ID, or null when it does not exist or the viewer may not see it (the two look the same).",
        permission_classes=[IsAuthenticated],
    )
    async def node(self, info: Info, id: strawberry.ID) -> relay.Node | None:
        return (await resolve_nodes(info, [id]))[0]

    @strawberry.field(
        description="Any signed-in viewer: the objects with these global IDs, in the same order; null for each one that does not exist or the viewer may not see. At most 100 ids.",
        permission_classes=[IsAuthenticated],
    )
    async def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[relay.Node | None]:
        if len(ids) > MAX_IDS:
            raise ApiError(f"At most {MAX_IDS} ids at once.", "INVALID")
        return await resolve_nodes(info, ids)
