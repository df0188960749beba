"""Giving an existing client profile a login the only way there is: an invitation the client
accepts. For tests whose subject is something else, the code is read from its sealed copy in the
database instead of an e-mail (tests/api/test_accounts.py covers the e-mail itself)."""

from __future__ import annotations

import models
from domain import encryption
from schema.node import uuid_of

INVITE = """mutation($input: InviteClientInput!) { inviteClient(input: $input) {
  invitation { id } userErrors { code field message } } }"""
ACCEPT = """mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) {
  token user { id email role } userErrors { code field message } } }"""


async def invite_and_accept(api, inviter_token: str, client_id: str, password: str, email: str | None = None) -> dict:
    """The acceptInvitation payload (token, user) of a new login for the client profile, invited
    at its e-mail on file (`email` gives one to a profile that has none)."""
    variables = {"clientId": client_id} if email is None else {"clientId": client_id, "email": email}
    invited = (await api.ok(INVITE, {"input": variables}, inviter_token))["inviteClient"]
    assert invited["userErrors"] == [], invited
    row = await models.AccountToken.get(id=uuid_of(invited["invitation"]["id"], "Invitation"))
    code = encryption.unseal(row.sealed_token)
    accepted = (await api.ok(ACCEPT, {"input": {"token": code, "password": password}}))["acceptInvitation"]
    assert accepted["userErrors"] == [], accepted
    return accepted
