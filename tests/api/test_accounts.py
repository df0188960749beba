"""Accounts (found by the November 2026 outside attack: "Login takeover"; docs/RULES.md, "Accounts and sign-in"): nobody
chooses a password for someone else's client profile; a login joins a profile only through an
invitation the client accepts, e-mailed (real worker, real SMTP server on loopback) with a
single-use code that never appears in an API answer or a log line; changing or resetting a
password, deactivation and erasure end every earlier token."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

import pytest
from tortoise import connections

import models
from domain import accounts, clock, encryption, users
from models.enums import Role
from schema.accounts.mutations import RESET_ANSWER_SECONDS, WRONG_PASSWORD_THROTTLED
from schema.node import uuid_of
from tests.support.accounts import invite_and_accept
from tests.support.api import LOGIN, PASSWORD, Api, starlette_app
from tests.support.errors import user_error
from tests.support.mail import SMTP_SERVER_LOGGER, body_of, code_in, run_worker, smtp_server, with_smtp

CREATE_USER = """mutation($input: CreateUserInput!) { createUser(input: $input) {
  user { id email } userErrors { code field message } } }"""
INVITE = """mutation($input: InviteClientInput!) { inviteClient(input: $input) {
  invitation { id email expiresAt acceptedAt client { id name } } userErrors { code field message } } }"""
ACCEPT = """mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) {
  token user { id email role } userErrors { code field message } } }"""
CHANGE = """mutation($input: ChangePasswordInput!) { changePassword(input: $input) {
  token user { id } userErrors { code field message } } }"""
REQUEST_RESET = """mutation($input: RequestPasswordResetInput!) { requestPasswordReset(input: $input) {
  accepted userErrors { code field message } } }"""
RESET = """mutation($input: ResetPasswordInput!) { resetPassword(input: $input) {
  token user { id email } userErrors { code field message } } }"""
VIEWER = "{ viewer { role user { email } client { id name } } }"
SET_ACTIVE = """mutation($input: SetClientActiveInput!) { setClientActive(input: $input) {
  client { active } userErrors { code field message } } }"""
UPDATE_CLIENT = """mutation($input: UpdateClientInput!) { updateClient(input: $input) {
  client { email } userErrors { code field message } } }"""
ERASE = """mutation($input: ClientDataInput!) { eraseClient(input: $input) { erasedClientId userErrors { code message } } }"""
NOTIFICATIONS = "{ notifications { totalCount edges { node { kind title body } } } }"

NEW_PASSWORD = "a brand new passphrase"
INVALID_INVITATION = [{"code": "INVALID", "field": ["input", "token"], "message": accounts.INVALID_INVITATION}]
INVALID_RESET = [{"code": "INVALID", "field": ["input", "token"], "message": accounts.INVALID_RESET}]


class Recorded:
    """The `api` client, keeping the text of every answer, to show no code ever appears in one."""

    def __init__(self, api):
        self.api = api
        self.texts: list[str] = []

    async def __call__(self, query, variables=None, token=None) -> dict:
        response = await self.api.post(query, variables, token)
        assert response.status_code == 200, response.text
        self.texts.append(response.text)
        return response.json()

    async def ok(self, query, variables=None, token=None) -> dict:
        body = await self(query, variables, token)
        assert not body.get("errors"), body
        return body["data"]

    def assert_never_said(self, secret: str) -> None:
        assert secret and not any(secret in text for text in self.texts)


@pytest.fixture
def rec(api) -> Recorded:
    return Recorded(api)


@pytest.fixture
def logs(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def assert_not_logged(caplog, secret: str) -> None:
    ours = [r for r in caplog.records if not r.name.startswith(SMTP_SERVER_LOGGER)]
    assert ours, "nothing was logged at all: is caplog capturing?"
    for record in ours:
        assert secret not in record.getMessage(), (record.name, record.levelname)
        assert secret not in (record.exc_text or "")


async def refused(rec: Recorded, token: str) -> None:
    body = await rec(VIEWER, token=token)
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", body


async def signs_in(rec: Recorded, email: str, password: str) -> str | None:
    return (await rec.ok(LOGIN, {"e": email, "p": password}))["login"]["token"]


async def invitation_code(rec, settings, inbox, port, address: str) -> str:
    """Run the worker and read the newest code e-mailed to `address`."""
    await run_worker(with_smtp(settings, port))
    mails = inbox.to(address)
    assert mails, f"no e-mail reached {address}"
    return code_in(mails[-1])


# ---------------------------------------------------------------------------- takeover


async def test_no_one_chooses_a_password_for_an_existing_client_profile(rec, world):
    """The attack: createUser(role: CLIENT, clientId: <a member's profile>, password: <own choice>),
    then sign in as the member. Refused for an admin, an organisation admin and its API key."""
    admin = await world.admin()
    org = await world.organisation()
    org_admin = await world.user(Role.ORG_ADMIN, organisation=org)
    key = (await rec.ok('mutation { createApiKey(input: {name: "hr"}) { secret } }', token=org_admin.token))[
        "createApiKey"
    ]["secret"]
    coach = await world.user(Role.COACH, organisation=org)
    member = await rec.ok(
        "mutation($i: CreateClientInput!) { createClient(input: $i) { client { id } } }",
        {"i": {"name": "Mia Member", "email": "mia@example.test"}},
        coach.token,
    )
    member_id = member["createClient"]["client"]["id"]
    users_before = await models.User.all().count()

    for label, token in (("admin", admin.token), ("organisation admin", org_admin.token), ("API key", key)):
        email = f"takeover-{label.replace(' ', '-')}@example.test"
        data = await rec.ok(
            CREATE_USER,
            {
                "input": {
                    "email": email,
                    "name": "Mia",
                    "password": "attacker-chosen-1",
                    "role": "CLIENT",
                    "clientId": member_id,
                }
            },
            token,
        )
        assert data["createUser"] == {
            "user": None,
            "userErrors": [{"code": "FORBIDDEN", "field": ["input", "clientId"], "message": users.ATTACH_REFUSED}],
        }, label
        assert await signs_in(rec, email, "attacker-chosen-1") is None, label
    # A coach may not call createUser at all.
    body = await rec(
        CREATE_USER,
        {
            "input": {
                "email": "c@example.test",
                "name": "Mia",
                "password": "attacker-chosen-1",
                "role": "CLIENT",
                "clientId": member_id,
            }
        },
        coach.token,
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    assert await models.User.all().count() == users_before
    assert (await models.Client.get(id=uuid_of(member_id, "Client"))).user_id is None


# ---------------------------------------------------------------------------- invitations


async def test_an_invitation_travels_by_email_and_its_code_signs_the_client_in_once(rec, world, test_settings, logs):
    coach = await world.user(Role.COACH, name="Coach Carter")
    org = await world.organisation()
    client_id = await world.client_of(coach, "Casey Client", email="Casey@Example.test")
    await rec.ok(
        "mutation($i: AddNoteInput!) { addNote(input: $i) { note { id } } }",
        {"i": {"clientId": client_id, "body": "Shared plan", "sharedWithClient": True}},
        coach.token,
    )
    key_owner = await world.user(Role.ORG_ADMIN, organisation=org)
    key = (await rec.ok('mutation { createApiKey(input: {name: "hr"}) { secret } }', token=key_owner.token))[
        "createApiKey"
    ]["secret"]

    with smtp_server() as (inbox, port):
        invited = (await rec.ok(INVITE, {"input": {"clientId": client_id}}, coach.token))["inviteClient"]
        assert invited["userErrors"] == []
        invitation = invited["invitation"]
        assert (invitation["email"], invitation["acceptedAt"], invitation["client"]) == (
            "casey@example.test",
            None,
            {"id": client_id, "name": "Casey Client"},
        )
        code = await invitation_code(rec, test_settings, inbox, port, "casey@example.test")

    [mail] = inbox.messages
    assert mail["Subject"] == accounts.INVITATION_TITLE
    assert accounts.INVITATION_BODY in body_of(mail) and len(code) >= 40
    # The code is kept nowhere readable: only its hash, and the sealed copy is gone once e-mailed.
    row = await models.AccountToken.get(id=uuid_of(invitation["id"], "Invitation"))
    assert row.sealed_token is None and row.token_hash != code
    # The e-mail-only notification is nobody's to list (the API key has no user either).
    for token in (coach.token, key):
        assert (await rec.ok(NOTIFICATIONS, token=token))["notifications"]["totalCount"] == 0

    short = await rec.ok(ACCEPT, {"input": {"token": code, "password": "short"}})
    assert short["acceptInvitation"]["userErrors"] == [
        {"code": "INVALID", "field": ["input", "password"], "message": "Passwords need 10 to 1024 characters."}
    ]
    accepted = (await rec.ok(ACCEPT, {"input": {"token": code, "password": NEW_PASSWORD}}))["acceptInvitation"]
    assert accepted["userErrors"] == [] and accepted["user"]["role"] == "CLIENT"
    me = await rec.ok(VIEWER, token=accepted["token"])
    assert me["viewer"] == {
        "role": "CLIENT",
        "user": {"email": "casey@example.test"},
        "client": {"id": client_id, "name": "Casey Client"},
    }
    notes = await rec.ok(
        "query($id: ID!) { client(id: $id) { notes { edges { node { body } } } } }",
        {"id": client_id},
        accepted["token"],
    )
    assert notes["client"]["notes"]["edges"] == [{"node": {"body": "Shared plan"}}]
    assert await signs_in(rec, "casey@example.test", NEW_PASSWORD)

    # Single use: the same code again is refused, and changes nothing.
    again = await rec.ok(ACCEPT, {"input": {"token": code, "password": "another passphrase"}})
    assert again["acceptInvitation"] == {"token": None, "user": None, "userErrors": INVALID_INVITATION}
    assert await signs_in(rec, "casey@example.test", "another passphrase") is None
    seen = await rec.ok(
        "query($id: ID!) { node(id: $id) { ... on Invitation { acceptedAt } } }", {"id": invitation["id"]}, coach.token
    )
    assert seen["node"]["acceptedAt"] is not None
    # A client with a login is not invited again.
    twice = await rec.ok(INVITE, {"input": {"clientId": client_id}}, coach.token)
    assert twice["inviteClient"]["userErrors"] == [
        {"code": "CONFLICT", "field": ["input", "clientId"], "message": accounts.HAS_LOGIN}
    ]

    rec.assert_never_said(code)
    assert_not_logged(logs, code)


async def test_an_invitation_expires_after_seven_days(rec, world, test_settings):
    admin = await world.admin()
    coach = await world.user(Role.COACH)
    client_id = await world.client_of(coach, "Late Larry", email="larry@example.test")
    with smtp_server() as (inbox, port):
        data = await rec.ok(INVITE, {"input": {"clientId": client_id}}, admin.token)
        expires = data["inviteClient"]["invitation"]["expiresAt"]
        code = await invitation_code(rec, test_settings, inbox, port, "larry@example.test")

    row = await models.AccountToken.get(id=uuid_of(data["inviteClient"]["invitation"]["id"], "Invitation"))
    assert row.expires_at - row.created_at == timedelta(days=7) and expires
    clock.advance(timedelta(days=7, seconds=1))
    late = await rec.ok(ACCEPT, {"input": {"token": code, "password": NEW_PASSWORD}})
    assert late["acceptInvitation"]["userErrors"] == INVALID_INVITATION
    assert (await models.Client.get(id=uuid_of(client_id, "Client"))).user_id is None
    assert not await models.User.exists(email="larry@example.test")


async def test_a_newer_invitation_voids_the_older_one(rec, world, test_settings):
    org = await world.organisation()
    org_admin = await world.user(Role.ORG_ADMIN, organisation=org)
    coach = await world.user(Role.COACH, organisation=org)
    client_id = await world.client_of(coach, "Nia Member", email="nia@example.test", organisationId=org)
    with smtp_server() as (inbox, port):
        await rec.ok(INVITE, {"input": {"clientId": client_id}}, org_admin.token)
        first = await invitation_code(rec, test_settings, inbox, port, "nia@example.test")
        # The address on file changes: the invitation sent to the old one ends with it.
        changed = await rec.ok(
            UPDATE_CLIENT, {"input": {"clientId": client_id, "email": "nia.private@example.test"}}, coach.token
        )
        assert changed["updateClient"]["userErrors"] == []
        await rec.ok(INVITE, {"input": {"clientId": client_id}}, org_admin.token)
        second = await invitation_code(rec, test_settings, inbox, port, "nia.private@example.test")
    assert first != second and len(inbox.messages) == 2

    old = await rec.ok(ACCEPT, {"input": {"token": first, "password": NEW_PASSWORD}})
    assert old["acceptInvitation"]["userErrors"] == INVALID_INVITATION
    new = await rec.ok(ACCEPT, {"input": {"token": second, "password": NEW_PASSWORD}})
    assert new["acceptInvitation"]["user"]["email"] == "nia.private@example.test"
    me = await rec.ok(VIEWER, token=new["acceptInvitation"]["token"])
    assert me["viewer"]["client"]["id"] == client_id


async def test_who_may_invite(rec, world):
    admin = await world.admin()
    org = await world.organisation()
    org_admin = await world.user(Role.ORG_ADMIN, organisation=org)
    key = (await rec.ok('mutation { createApiKey(input: {name: "hr"}) { secret } }', token=org_admin.token))[
        "createApiKey"
    ]["secret"]
    coach = await world.user(Role.COACH, organisation=org)
    stranger = await world.user(Role.COACH)
    client = await world.user(Role.CLIENT)
    member = await world.client_of(coach, "Mo Member", email="mo@example.test", organisationId=org)

    for token in (admin.token, org_admin.token, key, coach.token):
        data = await rec.ok(INVITE, {"input": {"clientId": member}}, token)
        assert (
            data["inviteClient"]["userErrors"] == []
            and data["inviteClient"]["invitation"]["email"] == "mo@example.test"
        )
    hidden = await rec.ok(INVITE, {"input": {"clientId": member}}, stranger.token)
    assert hidden["inviteClient"] == {
        "invitation": None,
        "userErrors": [{"code": "NOT_FOUND", "field": ["input", "clientId"], "message": "Client not found."}],
    }
    assert (await rec(INVITE, {"input": {"clientId": member}}, client.token))["errors"][0]["extensions"][
        "code"
    ] == "FORBIDDEN"
    assert (await rec(INVITE, {"input": {"clientId": member}}))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    # Only the newest of the four is open.
    open_rows = await models.AccountToken.filter(client_id=uuid_of(member, "Client"), voided_at__isnull=True).count()
    assert open_rows == 1
    no_mail = await world.client_of(coach, "No Mail")
    missing = await rec.ok(INVITE, {"input": {"clientId": no_mail}}, coach.token)
    assert missing["inviteClient"]["userErrors"] == [
        {"code": "INVALID", "field": ["input", "email"], "message": accounts.NO_ADDRESS}
    ]
    # Whether an address has an account is not told to the inviter: only acceptance refuses it.
    taken = await rec.ok(INVITE, {"input": {"clientId": no_mail, "email": client.email}}, coach.token)
    assert taken["inviteClient"]["userErrors"] == []
    row = await models.AccountToken.get(id=uuid_of(taken["inviteClient"]["invitation"]["id"], "Invitation"))
    refused = await rec.ok(ACCEPT, {"input": {"token": encryption.unseal(row.sealed_token), "password": NEW_PASSWORD}})
    assert refused["acceptInvitation"]["userErrors"] == [
        {"code": "CONFLICT", "field": ["input", "token"], "message": accounts.EMAIL_TAKEN}
    ]


async def test_no_inviter_sends_an_invitation_to_an_address_of_their_choosing(rec, world):
    """found by the November 2026 outside attack: "Login takeover", through invitations: an inviter who could name the address
    would receive the code and choose the client's password."""
    admin = await world.admin()
    org = await world.organisation()
    org_admin = await world.user(Role.ORG_ADMIN, organisation=org)
    key = (await rec.ok('mutation { createApiKey(input: {name: "hr"}) { secret } }', token=org_admin.token))[
        "createApiKey"
    ]["secret"]
    coach = await world.user(Role.COACH, organisation=org)
    member = await world.client_of(coach, "Ana Member", email="ana@example.test", organisationId=org)

    for token in (admin.token, org_admin.token, key, coach.token):
        data = await rec.ok(INVITE, {"input": {"clientId": member, "email": "attacker@evil.test"}}, token)
        assert data["inviteClient"] == {
            "invitation": None,
            "userErrors": [{"code": "INVALID", "field": ["input", "email"], "message": accounts.NOT_ON_FILE}],
        }
    assert not await models.AccountToken.exists(client_id=uuid_of(member, "Client"))
    # The address on file, written the same way, is accepted.
    same = await rec.ok(INVITE, {"input": {"clientId": member, "email": "ANA@example.test"}}, coach.token)
    assert same["inviteClient"]["invitation"]["email"] == "ana@example.test"
    # A profile without an address gets the one given, in its timeline for everyone who sees it.
    bare = await world.client_of(coach, "Bo Bare")
    given = await rec.ok(INVITE, {"input": {"clientId": bare, "email": "bo@example.test"}}, coach.token)
    assert given["inviteClient"]["invitation"]["email"] == "bo@example.test"
    assert (await models.Client.get(id=uuid_of(bare, "Client"))).email == "bo@example.test"
    assert await models.ActivityEvent.exists(
        client_id=uuid_of(bare, "Client"), summary="Profile updated: email (for an invitation)"
    )


# ---------------------------------------------------------------------------- passwords


async def test_changing_the_password_ends_every_earlier_token(rec, world):
    coach = await world.user(Role.COACH)
    second = await signs_in(rec, coach.email, PASSWORD)

    wrong = await rec.ok(
        CHANGE, {"input": {"currentPassword": "not my password", "newPassword": NEW_PASSWORD}}, coach.token
    )
    assert wrong["changePassword"]["userErrors"] == [
        {"code": "INVALID", "field": ["input", "currentPassword"], "message": "The current password is not right."}
    ]
    weak = await rec.ok(CHANGE, {"input": {"currentPassword": PASSWORD, "newPassword": "short"}}, coach.token)
    assert weak["changePassword"]["userErrors"] == [
        {"code": "INVALID", "field": ["input", "newPassword"], "message": "Passwords need 10 to 1024 characters."}
    ]
    await rec.ok(VIEWER, token=second)  # nothing ended yet

    changed = (
        await rec.ok(CHANGE, {"input": {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD}}, coach.token)
    )["changePassword"]
    assert changed["userErrors"] == [] and changed["token"]
    await refused(rec, coach.token)
    await refused(rec, second)
    assert (await rec.ok(VIEWER, token=changed["token"]))["viewer"]["role"] == "COACH"
    assert await signs_in(rec, coach.email, PASSWORD) is None
    assert await signs_in(rec, coach.email, NEW_PASSWORD)
    assert (await rec(CHANGE, {"input": {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD}}))["errors"][0][
        "extensions"
    ]["code"] == "UNAUTHENTICATED"


async def test_a_password_reset_is_emailed_once_used_once_and_ends_earlier_tokens(rec, world, test_settings, logs):
    client = await world.user(Role.CLIENT)
    with smtp_server() as (inbox, port):
        known = await rec(REQUEST_RESET, {"input": {"email": client.email.upper()}})
        unknown = await rec(REQUEST_RESET, {"input": {"email": "nobody@example.test"}})
        # The same answer, whether or not the address has an account.
        assert known == unknown == {"data": {"requestPasswordReset": {"accepted": True, "userErrors": []}}}
        code = await invitation_code(rec, test_settings, inbox, port, client.email)
    assert len(inbox.messages) == 1 and inbox.messages[0]["Subject"] == accounts.RESET_TITLE
    assert (await rec.ok(NOTIFICATIONS, token=client.token))["notifications"]["totalCount"] == 0

    weak = await rec.ok(RESET, {"input": {"token": code, "newPassword": "short"}})
    assert weak["resetPassword"]["userErrors"] == [
        {"code": "INVALID", "field": ["input", "newPassword"], "message": "Passwords need 10 to 1024 characters."}
    ]
    done = (await rec.ok(RESET, {"input": {"token": code, "newPassword": NEW_PASSWORD}}))["resetPassword"]
    assert done["userErrors"] == [] and done["user"]["email"] == client.email
    await refused(rec, client.token)
    assert (await rec.ok(VIEWER, token=done["token"]))["viewer"]["role"] == "CLIENT"
    assert await signs_in(rec, client.email, NEW_PASSWORD)
    again = await rec.ok(RESET, {"input": {"token": code, "newPassword": "yet another passphrase"}})
    assert again["resetPassword"] == {"token": None, "user": None, "userErrors": INVALID_RESET}
    garbage = await rec.ok(RESET, {"input": {"token": "x" * 43, "newPassword": "yet another passphrase"}})
    assert garbage["resetPassword"]["userErrors"] == INVALID_RESET
    malformed = await rec.ok(REQUEST_RESET, {"input": {"email": "not an address"}})
    assert malformed["requestPasswordReset"] == {
        "accepted": False,
        "userErrors": [{"code": "INVALID", "field": ["input", "email"], "message": "Not a valid e-mail address."}],
    }

    rec.assert_never_said(code)
    assert_not_logged(logs, code)


async def test_a_reset_code_lasts_one_hour_and_a_newer_one_voids_it(rec, world, test_settings):
    coach = await world.user(Role.COACH)
    with smtp_server() as (inbox, port):
        await rec.ok(REQUEST_RESET, {"input": {"email": coach.email}})
        first = await invitation_code(rec, test_settings, inbox, port, coach.email)
        await rec.ok(REQUEST_RESET, {"input": {"email": coach.email}})
        second = await invitation_code(rec, test_settings, inbox, port, coach.email)
    assert (await rec.ok(RESET, {"input": {"token": first, "newPassword": NEW_PASSWORD}}))["resetPassword"][
        "userErrors"
    ] == INVALID_RESET
    clock.advance(timedelta(hours=1, seconds=1))
    assert (await rec.ok(RESET, {"input": {"token": second, "newPassword": NEW_PASSWORD}}))["resetPassword"][
        "userErrors"
    ] == INVALID_RESET
    assert await signs_in(rec, coach.email, PASSWORD)  # unchanged


async def test_reset_requests_are_throttled_per_address_known_or_not(rec, world):
    client = await world.user(Role.CLIENT)
    accepted = {"accepted": True, "userErrors": []}
    limited = {
        "accepted": False,
        "userErrors": [
            {"code": "RATE_LIMITED", "field": None, "message": "Too many password reset requests; try again later."}
        ],
    }
    for address in (client.email, "nobody@example.test"):
        # Past its share an address is answered as usual and sent nothing: a refusal would let
        # anyone keep its owner from resetting by asking first.
        answers = [
            (await rec.ok(REQUEST_RESET, {"input": {"email": address}}))["requestPasswordReset"] for _ in range(4)
        ]
        assert answers == [accepted] * 4
    # Three e-mails at most were queued for the real address, none for the unknown one.
    assert await models.AccountToken.filter(user__email=client.email).count() == 3
    # Per client address: many addresses from one client address are refused after 20.
    answers = [
        (await rec.ok(REQUEST_RESET, {"input": {"email": f"spray{i}@example.test"}}))["requestPasswordReset"]
        for i in range(20)
    ]
    assert answers[:12] == [accepted] * 12  # 8 counted above, so 12 more pass
    assert answers[12:] == [limited] * 8


async def test_a_reset_answer_takes_as_long_for_a_known_address_as_for_an_unknown_one(rec, world):
    coach = await world.user(Role.COACH)
    for address in (coach.email, "nobody@example.test"):
        started = time.monotonic()
        assert (await rec.ok(REQUEST_RESET, {"input": {"email": address}}))["requestPasswordReset"]["accepted"]
        assert time.monotonic() - started >= RESET_ANSWER_SECONDS


async def test_guesses_of_the_current_password_are_throttled_like_sign_ins(rec, world):
    coach = await world.user(Role.COACH)
    wrong = {"input": {"currentPassword": "not it at all", "newPassword": NEW_PASSWORD}}
    answers = [(await rec.ok(CHANGE, wrong, coach.token))["changePassword"]["userErrors"] for _ in range(6)]
    assert answers[0] == [
        {"code": "INVALID", "field": ["input", "currentPassword"], "message": "The current password is not right."}
    ]
    assert answers[5] == [{"code": "RATE_LIMITED", "field": None, "message": WRONG_PASSWORD_THROTTLED}]
    # Even the right one waits out the window now: the token alone does not buy more guesses.
    right = {"input": {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD}}
    assert (await rec.ok(CHANGE, right, coach.token))["changePassword"]["userErrors"] == [
        user_error("RATE_LIMITED", None, "Too many wrong passwords; wait a minute and try again.")
    ]
    # One count for the account: guesses here use up its sign-ins too, and the password is unchanged.
    assert await signs_in(rec, coach.email, PASSWORD) is None
    assert await users.authenticate(coach.email, PASSWORD) is not None


async def test_a_reset_request_is_refused_within_half_a_second_when_redis_hangs(rec, world, app, monkeypatch):
    """A Redis that accepts connections and never answers (as under SIGSTOP)."""
    from redis.asyncio import Redis

    done = asyncio.Event()

    async def silent(reader, writer):
        await reader.read(1 << 16)
        await done.wait()
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    hung = Redis(host="127.0.0.1", port=port)
    monkeypatch.setattr(starlette_app(app).state.services["auth"], "redis", hung)
    try:
        started = time.monotonic()
        data = await rec.ok(REQUEST_RESET, {"input": {"email": "someone@example.test"}})
        elapsed = time.monotonic() - started
    finally:
        done.set()
        server.close()
        await hung.aclose(close_connection_pool=True)
    assert data["requestPasswordReset"]["userErrors"] == [
        user_error("RATE_LIMITED", None, "Too many password reset requests; try again later.")
    ]
    assert elapsed < 1.0, elapsed


# ---------------------------------------------------------------------------- deactivation and erasure


async def test_deactivating_a_client_ends_their_tokens_until_reactivated(rec, world):
    org = await world.organisation()
    org_admin = await world.user(Role.ORG_ADMIN, organisation=org)
    member = await world.user(Role.CLIENT, organisation=org)
    second = await signs_in(rec, member.email, PASSWORD)

    off = await rec.ok(SET_ACTIVE, {"input": {"clientId": member.client_id, "active": False}}, org_admin.token)
    assert off["setClientActive"] == {"client": {"active": False}, "userErrors": []}
    await refused(rec, member.token)
    await refused(rec, second)
    assert await signs_in(rec, member.email, PASSWORD) is None

    await rec.ok(SET_ACTIVE, {"input": {"clientId": member.client_id, "active": True}}, org_admin.token)
    await refused(rec, member.token)  # ended for good
    fresh = await signs_in(rec, member.email, PASSWORD)
    assert (await rec.ok(VIEWER, token=fresh))["viewer"]["role"] == "CLIENT"


async def test_erasure_ends_every_token_of_the_client_and_forgets_its_invitations(rec, world):
    coach = await world.user(Role.COACH)
    client_id = await world.client_of(coach, "Erin Erased", email="erin@example.test")
    login = await invite_and_accept(rec, coach.token, client_id, NEW_PASSWORD, "erin@example.test")
    second = await signs_in(rec, "erin@example.test", NEW_PASSWORD)

    data = await rec.ok(ERASE, {"input": {"clientId": client_id}}, login["token"])
    assert data["eraseClient"]["userErrors"] == []
    await refused(rec, login["token"])
    await refused(rec, second)
    assert await signs_in(rec, "erin@example.test", NEW_PASSWORD) is None
    conn = connections.get("default")
    for table in ("users", "account_tokens"):
        rows = await conn.execute_query_dict(
            f"SELECT count(*) AS n FROM {table} WHERE email = $1", ["erin@example.test"]
        )
        assert rows[0]["n"] == 0, table


async def test_two_acceptances_of_one_invitation_at_once_make_one_login(rec, world, app):
    from domain import encryption
    from tests.support.accounts import INVITE

    coach = await world.user(Role.COACH)
    client_id = await world.client_of(coach, "Twin Tess", email="tess@example.test")
    invited = await rec.ok(INVITE, {"input": {"clientId": client_id}}, coach.token)
    row = await models.AccountToken.get(id=uuid_of(invited["inviteClient"]["invitation"]["id"], "Invitation"))
    code = encryption.unseal(row.sealed_token)
    clients = [Api(app) for _ in range(4)]
    try:
        answers = await asyncio.gather(
            *[
                c.ok(ACCEPT, {"input": {"token": code, "password": f"{NEW_PASSWORD} {i}"}})
                for i, c in enumerate(clients)
            ]
        )
    finally:
        for c in clients:
            await c.http.aclose()
    winners = [a for a in answers if a["acceptInvitation"]["token"]]
    assert len(winners) == 1
    assert [a["acceptInvitation"]["userErrors"] for a in answers if a not in winners] == [INVALID_INVITATION] * 3
    assert await models.User.filter(email="tess@example.test").count() == 1
