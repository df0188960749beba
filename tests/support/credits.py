"""Credit grants, and the ledger check to call mid-test."""

from tests.support.database import assert_ledger_balances

__all__ = ["GRANT", "GRANT_ORG", "assert_ledger_balances"]

GRANT = """mutation($input: GrantClientCreditsInput!) { grantClientCredits(input: $input) {
  transaction { id delta balanceAfter reason idempotencyKey } pool { balance } userErrors { code field message } } }"""
GRANT_ORG = """mutation($input: GrantOrganisationCreditsInput!) { grantOrganisationCredits(input: $input) {
  transaction { delta balanceAfter } pool { balance } userErrors { code field message } } }"""
