"""Credit grants and adjustments."""

from __future__ import annotations

import models
from domain import access, ledger
from domain.errors import not_found
from resolvers import clients as client_reads
from schema.payloads import returns
from schema.node import in_scope, uuid_of
from schema.credits.types import (
    CreditPool, CreditTransaction, CreditTransactionPayload, GrantClientCreditsInput, GrantOrganisationCreditsInput,
)


@returns(CreditTransactionPayload)
async def grant_client_credits(info, input: GrantClientCreditsInput) -> CreditTransactionPayload:  # noqa: A002
    client = await in_scope(client_reads.visible, info, input.client_id, "Client", "clientId")
    row, pool = await ledger.grant_client_credits(info.context.viewer, client, input.amount, input.note, input.idempotency_key)
    return CreditTransactionPayload(transaction=CreditTransaction.from_model(row), pool=CreditPool.from_model(pool))


@returns(CreditTransactionPayload)
async def grant_organisation_credits(info, input: GrantOrganisationCreditsInput) -> CreditTransactionPayload:  # noqa: A002
    uid = uuid_of(input.organisation_id, "Organisation")
    if uid is None or not await models.Organisation.filter(access.organisations(info.context.viewer), id=uid).exists():
        raise not_found("Organisation", "organisationId")
    row, pool = await ledger.grant_organisation_credits(info.context.viewer, uid, input.amount, input.note, input.idempotency_key)
    return CreditTransactionPayload(transaction=CreditTransaction.from_model(row), pool=CreditPool.from_model(pool))
