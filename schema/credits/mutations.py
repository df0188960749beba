"""Credits: grants and adjustments by the platform and by an organisation for its members."""

from __future__ import annotations

import strawberry

from domain import ledger
from models.enums import Role
from resolvers import clients as client_reads
from resolvers import organisations as organisation_reads
from schema.context import Info
from schema.credits.types import (
    CreditPool,
    CreditTransaction,
    CreditTransactionPayload,
    GrantClientCreditsInput,
    GrantOrganisationCreditsInput,
)
from schema.node import in_scope
from schema.payloads import returns
from schema.permissions import signed_in


@strawberry.type
class Mutation:
    # Coaches read balances and never move credits (docs/RULES.md, "Who sees what"); domain/access.py decides
    # which clients an admin or organisation may grant to.
    @strawberry.mutation(
        description="Platform admin (any client) or the client's own organisation, its admins and API keys (its members only): grants or adjusts a client's credits. Coaches never move credits (FORBIDDEN).",
        permission_classes=signed_in(Role.ADMIN, Role.ORG_ADMIN),
    )
    @returns(CreditTransactionPayload)
    async def grant_client_credits(self, info: Info, input: GrantClientCreditsInput) -> CreditTransactionPayload:
        client = await in_scope(client_reads.visible, info, input.client_id, "Client", "clientId")
        row, pool = await ledger.grant_client_credits(
            info.context.signed_in_viewer, client, input.amount, input.note, input.idempotency_key
        )
        return CreditTransactionPayload(transaction=CreditTransaction.from_model(row), pool=CreditPool.from_model(pool))

    @strawberry.mutation(
        description="Platform admin only: grants or adjusts an organisation's credits.",
        permission_classes=signed_in(Role.ADMIN),
    )
    @returns(CreditTransactionPayload)
    async def grant_organisation_credits(
        self,
        info: Info,
        input: GrantOrganisationCreditsInput,
    ) -> CreditTransactionPayload:
        organisation = await in_scope(
            organisation_reads.organisation, info, input.organisation_id, "Organisation", "organisationId"
        )
        row, pool = await ledger.grant_organisation_credits(
            info.context.signed_in_viewer, organisation.id, input.amount, input.note, input.idempotency_key
        )
        return CreditTransactionPayload(transaction=CreditTransaction.from_model(row), pool=CreditPool.from_model(pool))
