from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import strawberry

import models
from resolvers import credits as credit_reads
from schema.connection import Connection
from schema.context import Info
from schema.enums import CreditPoolKind, CreditReason
from schema.inputs import multiline
from schema.lazy import lazy_class
from schema.node import Entity, loads_nodes
from schema.organisations.types import Organisation
from schema.pagination import BY_CREATED, paginate

if TYPE_CHECKING:
    from schema.clients.types import Client
    from schema.sessions.types import Session

client_type: "Callable[[], type[Client]]" = lazy_class("Client", "schema.clients.types")
session_type: "Callable[[], type[Session]]" = lazy_class("Session", "schema.sessions.types")


@strawberry.type
class CreditTransaction(Entity):
    delta: int
    balance_after: int
    reason: CreditReason
    note: str | None
    idempotency_key: str | None
    created_at: datetime
    _m: strawberry.Private[models.CreditTransaction]

    @classmethod
    def from_model(cls, m: models.CreditTransaction) -> "CreditTransaction":
        return cls(
            uid=str(m.id),
            delta=m.delta,
            balance_after=m.balance_after,
            reason=m.reason,
            note=m.note,
            idempotency_key=m.idempotency_key,
            created_at=m.created_at,
            _m=m,
        )

    @strawberry.field
    async def session(self, info: Info) -> Annotated["Session", strawberry.lazy("schema.sessions.types")] | None:
        if self._m.session_id is None:
            return None
        row = await info.context.loaders.session.load(self._m.session_id)
        return session_type().from_model(row) if row else None

    @strawberry.field
    async def pool(self, info: Info) -> "CreditPool":
        return CreditPool.from_model(await models.CreditPool.get(id=self._m.pool_id))


@strawberry.type(name="CreditTransactionConnection")
class CreditTransactionConnection(Connection[CreditTransaction]):
    pass


@strawberry.type
class CreditPool(Entity):
    kind: CreditPoolKind
    balance: int
    _m: strawberry.Private[models.CreditPool]

    @classmethod
    def from_model(cls, m: models.CreditPool) -> "CreditPool":
        return cls(uid=str(m.id), kind=m.kind, balance=m.balance, _m=m)

    @strawberry.field
    async def client(self, info: Info) -> Annotated["Client", strawberry.lazy("schema.clients.types")] | None:
        if self._m.client_id is None:
            return None
        row = await info.context.loaders.client.load(self._m.client_id)
        return client_type().from_model(row) if row else None

    @strawberry.field
    async def organisation(
        self, info: Info
    ) -> Annotated["Organisation", strawberry.lazy("schema.organisations.types")] | None:
        if self._m.organisation_id is None:
            return None
        row = await info.context.loaders.organisation.load(self._m.organisation_id)
        return Organisation.from_model(row) if row else None

    @strawberry.field
    async def transactions(
        self, info: Info, first: int | None = 50, after: str | None = None
    ) -> CreditTransactionConnection:
        page = await paginate(
            credit_reads.pool_transactions(info.context.signed_in_viewer, self._m.id), BY_CREATED, first, after
        )
        return CreditTransactionConnection.of(page, [CreditTransaction.from_model(r) for r in page.rows])


@loads_nodes("CreditTransaction")
async def load_transactions(info: Info, ids: list[UUID]) -> list[CreditTransaction | None]:
    rows = {t.id: t for t in await credit_reads.transactions(info.context.signed_in_viewer).filter(id__in=ids)}
    return [CreditTransaction.from_model(rows[i]) if i in rows else None for i in ids]


@loads_nodes("CreditPool")
async def load_pools(info: Info, ids: list[UUID]) -> list[CreditPool | None]:
    rows = {p.id: p for p in await credit_reads.pools(info.context.signed_in_viewer).filter(id__in=ids)}
    return [CreditPool.from_model(rows[i]) if i in rows else None for i in ids]


@strawberry.input
class GrantClientCreditsInput:
    client_id: strawberry.ID
    amount: int = strawberry.field(description="Positive to grant, negative to adjust down (never below zero).")
    note: str | None = multiline(default=None)
    idempotency_key: str | None = None


@strawberry.input
class GrantOrganisationCreditsInput:
    organisation_id: strawberry.ID
    amount: int
    note: str | None = multiline(default=None)
    idempotency_key: str | None = None


@strawberry.type
class CreditTransactionPayload:
    transaction: CreditTransaction | None = None
    pool: CreditPool | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


from schema.errors import UserError  # noqa: E402
