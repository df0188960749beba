"""Credit grants and adjustments on the append-only ledger, through the API."""

import asyncio

from tortoise import connections

from models.enums import Role
from tests.conftest import assert_pools_match_ledger

GRANT = """mutation($input: GrantClientCreditsInput!) { grantClientCredits(input: $input) {
  transaction { id delta balanceAfter reason idempotencyKey } pool { balance } userErrors { code field message } } }"""
GRANT_ORG = """mutation($input: GrantOrganisationCreditsInput!) { grantOrganisationCredits(input: $input) {
  transaction { delta balanceAfter } pool { balance } userErrors { code field message } } }"""


async def assert_ledger_balances():
    """Mid-test check; the `api` fixture checks again after every test."""
    await assert_pools_match_ledger()


async def test_org_admin_grants_a_member_and_the_client_reads_the_ledger(api, world):
    org = await world.organisation()
    org_admin = await world.user(Role.ORG_ADMIN, organisation=org)
    client = await world.user(Role.CLIENT, organisation=org)

    data = await api.ok(GRANT, {"input": {"clientId": client.client_id, "amount": 5, "note": "Welcome pack"}}, org_admin.token)
    assert data["grantClientCredits"]["userErrors"] == []
    assert data["grantClientCredits"]["transaction"]["delta"] == 5
    assert data["grantClientCredits"]["pool"]["balance"] == 5

    mine = await api.ok(
        "{ viewer { client { creditsAvailable creditPool { balance transactions { totalCount edges { node { delta reason balanceAfter } } } } } } }",
        token=client.token,
    )
    pool = mine["viewer"]["client"]["creditPool"]
    assert mine["viewer"]["client"]["creditsAvailable"] == 5
    assert pool["transactions"]["edges"] == [{"node": {"delta": 5, "reason": "GRANT", "balanceAfter": 5}}]
    await assert_ledger_balances()


async def test_adjusting_below_zero_is_refused_and_changes_nothing(api, world):
    coach = await world.user(Role.COACH)
    client_id = await world.client_of(coach)
    await api.ok(GRANT, {"input": {"clientId": client_id, "amount": 2}}, coach.token)

    data = await api.ok(GRANT, {"input": {"clientId": client_id, "amount": -3}}, coach.token)
    assert data["grantClientCredits"]["userErrors"] == [
        {"code": "INSUFFICIENT_CREDITS", "field": ["input", "amount"], "message": "Not enough credits."}
    ]
    down = await api.ok(GRANT, {"input": {"clientId": client_id, "amount": -2}}, coach.token)
    assert down["grantClientCredits"]["transaction"]["reason"] == "ADJUSTMENT"
    assert down["grantClientCredits"]["pool"]["balance"] == 0
    await assert_ledger_balances()


async def test_the_same_idempotency_key_twenty_times_at_once_grants_once(api, world):
    admin = await world.admin()
    coach = await world.user(Role.COACH)
    client_id = await world.client_of(coach)
    variables = {"input": {"clientId": client_id, "amount": 3, "idempotencyKey": "import-42"}}

    answers = await asyncio.gather(*[api.ok(GRANT, variables, admin.token) for _ in range(20)])

    transactions = {a["grantClientCredits"]["transaction"]["id"] for a in answers}
    assert len(transactions) == 1
    assert all(a["grantClientCredits"]["userErrors"] == [] for a in answers)
    rows = await connections.get("default").execute_query_dict("SELECT count(*) AS n, sum(delta) AS total FROM credit_transactions")
    assert rows[0]["n"] == 1 and rows[0]["total"] == 3

    reused = await api.ok(GRANT, {"input": {**variables["input"], "amount": 4}}, admin.token)
    assert reused["grantClientCredits"]["userErrors"][0]["code"] == "CONFLICT"
    await assert_ledger_balances()


async def test_who_may_grant(api, world):
    org = await world.organisation()
    member = await world.user(Role.CLIENT, organisation=org)
    coach = await world.user(Role.COACH)
    # A coach may grant to their own client with no organisation, not to an organisation's member.
    link = await api.ok(
        "mutation($i: CreateClientInput!) { createClient(input: $i) { client { id } } }", {"i": {"name": "Solo"}}, coach.token
    )
    solo = link["createClient"]["client"]["id"]
    assert (await api.ok(GRANT, {"input": {"clientId": solo, "amount": 1}}, coach.token))["grantClientCredits"]["userErrors"] == []
    other = await api.ok(GRANT, {"input": {"clientId": member.client_id, "amount": 1}}, coach.token)
    assert other["grantClientCredits"]["userErrors"][0]["code"] == "NOT_FOUND"  # not the coach's client

    body = await api(GRANT, {"input": {"clientId": member.client_id, "amount": 1}}, member.token)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    rows = await connections.get("default").execute_query_dict("SELECT count(*) AS n FROM credit_transactions")
    assert rows[0]["n"] == 1


async def test_admin_grants_organisation_credits_and_only_its_admins_see_the_pool(api, world):
    admin = await world.admin()
    org = await world.organisation()
    org_admin = await world.user(Role.ORG_ADMIN, organisation=org)
    coach = await world.user(Role.COACH, organisation=org)

    data = await api.ok(GRANT_ORG, {"input": {"organisationId": org, "amount": 100}}, admin.token)
    assert data["grantOrganisationCredits"]["pool"]["balance"] == 100

    query = "query($id: ID) { organisation(id: $id) { creditPool { balance transactions { totalCount } } } }"
    seen = await api.ok(query, {"id": org}, org_admin.token)
    assert seen["organisation"]["creditPool"] == {"balance": 100, "transactions": {"totalCount": 1}}

    refused = await api(query, {"id": org}, coach.token)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    by_org_admin = await api(GRANT_ORG, {"input": {"organisationId": org, "amount": 5}}, org_admin.token)
    assert by_org_admin["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    await assert_ledger_balances()
