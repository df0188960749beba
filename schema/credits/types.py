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


@strawberry.type(
    description="One movement of credits: a row of the pool's append-only ledger. The balance always equals the sum of the ledger and never goes below zero."
)
class CreditTransaction(Entity):
    delta: int = strawberry.field(description="Credits added (positive) or taken (negative).")
    balance_after: int = strawberry.field(description="The pool's balance right after this movement.")
    reason: CreditReason = strawberry.field(description="Why the credits moved.")
    note: str | None = strawberry.field(description="The granting person's note, if any.")
    idempotency_key: str | None = strawberry.field(
        description="The key the grant or booking was made with, if any: the same key never moves credits twice."
    )
    created_at: datetime = strawberry.field(description="When the credits moved.")
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

    @strawberry.field(description="The session a booking or refund was for.")
    async def session(self, info: Info) -> Annotated["Session", strawberry.lazy("schema.sessions.types")] | None:
        if self._m.session_id is None:
            return None
        row = await info.context.loaders.session.load(self._m.session_id)
        return session_type().from_model(row) if row else None

    @strawberry.field(description="The pool that moved.")
    async def pool(self, info: Info) -> "CreditPool":
        return CreditPool.from_model(await models.CreditPool.get(id=self._m.pool_id))


@strawberry.type(description="A page of a pool's ledger, newest first.", name="CreditTransactionConnection")
class CreditTransactionConnection(Connection[CreditTransaction]):
    pass


@strawberry.type(
    description="A balance of whole credits: every client has one, and so does every organisation. Booking a GLOBAL coach's session takes the service's credits from the client's pool AND the organisation's; an INTERNAL coach's only from the client's. Readable by admins, the client, the client's coaches (balance only) and its organisation; an organisation's pool by admins and the organisation."
)
class CreditPool(Entity):
    kind: CreditPoolKind = strawberry.field(description="A client's or an organisation's pool.")
    balance: int = strawberry.field(description="Whole credits available now (never below zero).")
    _m: strawberry.Private[models.CreditPool]

    @classmethod
    def from_model(cls, m: models.CreditPool) -> "CreditPool":
        return cls(uid=str(m.id), kind=m.kind, balance=m.balance, _m=m)

    @strawberry.field(description="The client, for a client pool.")
    async def client(self, info: Info) -> Annotated["Client", strawberry.lazy("schema.clients.types")] | None:
        if self._m.client_id is None:
            return None
        row = await info.context.loaders.client.load(self._m.client_id)
        return client_type().from_model(row) if row else None

    @strawberry.field(description="The organisation, for an organisation pool.")
    async def organisation(
        self, info: Info
    ) -> Annotated["Organisation", strawberry.lazy("schema.organisations.types")] | None:
        if self._m.organisation_id is None:
            return None
        row = await info.context.loaders.organisation.load(self._m.organisation_id)
        return Organisation.from_model(row) if row else None

    @strawberry.field(
        description="The ledger, newest first, for those who may read it (admins, the client, the pool's organisation); empty for coaches."
    )
    async def transactions(
        self, info: Info, first: int | None = 50, after: str | None = None
    ) -> CreditTransactionConnection:
        page = await paginate(
            credit_reads.pool_transactions(info.context.signed_in_viewer, self._m.id),
            BY_CREATED,
            first,
            after,
            viewer=info.context.signed_in_viewer,
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


@strawberry.input(description="Add credits to, or take them from, a client's pool.")
class GrantClientCreditsInput:
    client_id: strawberry.ID = strawberry.field(description="The client.")
    amount: int = strawberry.field(description="Positive to grant, negative to adjust down (never below zero).")
    note: str | None = multiline(description="Why, kept with the ledger row.", default=None)
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Sending the same key with the same input again moves the credits once and returns the first result; with other input it is CONFLICT.",
    )


@strawberry.input(description="Add credits to, or take them from, an organisation's pool.")
class GrantOrganisationCreditsInput:
    organisation_id: strawberry.ID = strawberry.field(description="The organisation.")
    amount: int = strawberry.field(description="Positive to grant, negative to adjust down (never below zero).")
    note: str | None = multiline(description="Why, kept with the ledger row.", default=None)
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Sending the same key with the same input again moves the credits once; with other input it is CONFLICT.",
    )


@strawberry.type(description="The result of a grant: the ledger row and the pool's new balance.")
class CreditTransactionPayload:
    transaction: CreditTransaction | None = strawberry.field(default=None, description="The ledger row written.")
    pool: CreditPool | None = strawberry.field(default=None, description="The pool as it is now.")
    user_errors: list[UserError] = strawberry.field(
        description="Why no credits moved, if so (INSUFFICIENT_CREDITS when the balance would go below zero; INVALID for an amount of 0).",
        default_factory=list,
    )


from schema.errors import UserError  # noqa: E402
