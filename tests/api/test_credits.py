"""Credit grants and adjustments on the append-only ledger, through the API."""

import asyncio

import pytest
from tortoise import connections

from models.enums import Role
from tests.support.credits import GRANT, GRANT_ORG, assert_ledger_balances
from tests.support.errors import user_error


async def test_org_admin_grants_a_member_and_the_client_reads_the_ledger(api, world):
    org = await world.organisation()
    org_admin = await world.user(Role.ORG_ADMIN, organisation=org)
    client = await world.user(Role.CLIENT, organisation=org)

    data = await api.ok(
        GRANT, {"input": {"clientId": client.client_id, "amount": 5, "note": "Welcome pack"}}, org_admin.token
    )
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
    admin = await world.admin()
    coach = await world.user(Role.COACH)
    client_id = await world.client_of(coach)
    await api.ok(GRANT, {"input": {"clientId": client_id, "amount": 2}}, admin.token)

    data = await api.ok(GRANT, {"input": {"clientId": client_id, "amount": -3}}, admin.token)
    assert data["grantClientCredits"]["userErrors"] == [
        {"code": "INSUFFICIENT_CREDITS", "field": ["input", "amount"], "message": "Not enough credits."}
    ]
    down = await api.ok(GRANT, {"input": {"clientId": client_id, "amount": -2}}, admin.token)
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
    rows = await connections.get("default").execute_query_dict(
        "SELECT count(*) AS n, sum(delta) AS total FROM credit_transactions"
    )
    assert rows[0]["n"] == 1 and rows[0]["total"] == 3

    reused = await api.ok(GRANT, {"input": {**variables["input"], "amount": 4}}, admin.token)
    assert reused["grantClientCredits"]["userErrors"] == [
        user_error("CONFLICT", ["input", "idempotencyKey"], "This idempotency key was used for a different request.")
    ]
    await assert_ledger_balances()


async def credit_tables() -> dict[str, list]:
    """Every pool and ledger row, to show that a refused attempt changed nothing."""
    conn = connections.get("default")
    return {
        table: await conn.execute_query_dict(f"SELECT to_jsonb(t)::text AS r FROM {table} t ORDER BY 1")
        for table in ("credit_pools", "credit_transactions")
    }


async def test_who_may_grant(api, world):
    admin = await world.admin()
    org = await world.organisation()
    other_org = await world.organisation("Other")
    org_admin = await world.user(Role.ORG_ADMIN, organisation=org)
    member = await world.user(Role.CLIENT, organisation=org)
    outsider = await world.user(Role.CLIENT, organisation=other_org)
    key = (await api.ok('mutation { createApiKey(input: {name: "payroll"}) { secret } }', token=org_admin.token))[
        "createApiKey"
    ]["secret"]

    # The platform grants anyone; an organisation (admin or API key) its own members only.
    for token in (admin.token, org_admin.token, key):
        assert (await api.ok(GRANT, {"input": {"clientId": member.client_id, "amount": 1}}, token))[
            "grantClientCredits"
        ]["userErrors"] == []
    for token in (org_admin.token, key):
        other = await api.ok(GRANT, {"input": {"clientId": outsider.client_id, "amount": 1}}, token)
        assert other["grantClientCredits"]["userErrors"] == [
            {"code": "NOT_FOUND", "field": ["input", "clientId"], "message": "Client not found."}
        ]

    body = await api(GRANT, {"input": {"clientId": member.client_id, "amount": 1}}, member.token)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    rows = await connections.get("default").execute_query_dict(
        "SELECT count(*) AS n, sum(delta) AS total FROM credit_transactions"
    )
    assert (rows[0]["n"], rows[0]["total"]) == (3, 3)


async def test_coaches_never_grant_adjust_or_zero_credits(api, world):
    """found by the November 2026 outside attack: "Credits": a GLOBAL coach zeroed and minted an independent client's credits
    after one message from the client. Every try is refused and the credit tables stay as they were."""
    admin = await world.admin()
    org = await world.organisation()
    coach = await world.user(Role.COACH)  # GLOBAL
    internal = await world.user(Role.COACH, organisation=org)
    independent = await world.user(Role.CLIENT)  # no organisation, writes to the coach first
    await api.ok(
        "mutation($i: SendMessageInput!) { sendMessage(input: $i) { userErrors { code } } }",
        {"i": {"coachId": coach.coach_id, "body": "Hello, can we talk?"}},
        independent.token,
    )
    own = await world.client_of(coach, "Solo Client")  # the coach's own client, no organisation
    member = await world.client_of(internal, "Member Client")  # an INTERNAL coach's organisation member
    for client_id in (independent.client_id, own, member):
        await api.ok(GRANT, {"input": {"clientId": client_id, "amount": 50}}, admin.token)
    before = await credit_tables()

    attempts = [(coach, independent.client_id, amount) for amount in (100_000, -50, -1)]
    attempts += [(coach, own, 5), (coach, own, -50), (internal, member, 5), (internal, member, -50)]
    for actor, client_id, amount in attempts:
        for key in (None, "retry-1"):
            body = await api(
                GRANT, {"input": {"clientId": client_id, "amount": amount, "idempotencyKey": key}}, actor.token
            )
            assert body["data"] is None, body
            assert [(e["message"], e["extensions"]["code"]) for e in body["errors"]] == [
                ("Your role may not use this.", "FORBIDDEN")
            ]

    assert await credit_tables() == before
    seen = await api.ok(
        "query($id: ID!) { client(id: $id) { creditPool { balance } } }", {"id": independent.client_id}, coach.token
    )
    assert seen["client"]["creditPool"]["balance"] == 50  # a coach still reads the balance
    await assert_ledger_balances()


async def test_the_domain_refuses_a_coach_even_past_the_field_permission(api, world):
    """The rule lives in domain/access.py; the field's permission is only the first guard."""
    import models
    from domain import ledger, users
    from domain.errors import DomainError
    from schema.node import uuid_of

    coach = await world.user(Role.COACH)
    client_id = await world.client_of(coach)
    client = await models.Client.get(id=uuid_of(client_id, "Client"))
    viewer = await users.viewer_for(await models.User.get(email=coach.email))
    before = await credit_tables()
    for amount in (100_000, -1):
        with pytest.raises(DomainError) as refused:
            await ledger.grant_client_credits(viewer, client, amount, None, None)
        assert (refused.value.code.value, refused.value.field) == ("FORBIDDEN", "clientId")
    assert await credit_tables() == before


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
