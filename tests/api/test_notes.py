"""Coach notes through the API: add, edit (revisions kept), delete, sharing with the client, the
timeline, and encryption at rest (raw tables hold no plain text; master keys rotate)."""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass

import pytest
from cryptography.fernet import Fernet
from tortoise import connections

import models
from domain import clients as client_domain
from domain import encryption
from models.enums import Role
from schema.node import uuid_of
from tests.support.accounts import invite_and_accept
from tests.support.api import PASSWORD, Actor
from tests.support.database import raw_database_text

ADD = """mutation($input: AddNoteInput!) { addNote(input: $input) {
  note { id body sharedWithClient createdAt updatedAt author { id } client { id } }
  userErrors { code field message } } }"""
UPDATE = """mutation($input: UpdateNoteInput!) { updateNote(input: $input) {
  note { id body sharedWithClient } userErrors { code field message } } }"""
DELETE = """mutation($input: DeleteNoteInput!) { deleteNote(input: $input) { deletedId userErrors { code field message } } }"""
NOTES = """query($id: ID!) { client(id: $id) { notes(first: 50) { totalCount edges { node { id body sharedWithClient } } } } }"""
MY_NOTES = """query { viewer { client { id notes(first: 50) { totalCount edges { node { id body sharedWithClient author { id } } } } } } }"""
TIMELINE = """query($id: ID!) { client(id: $id) { timeline(first: 50, kinds: [NOTE_ADDED, NOTE_EDITED]) {
  totalCount edges { node { kind summary } } } } }"""
NODE = """query($id: ID!) { node(id: $id) { id ... on Note { body sharedWithClient } } }"""


def canary(kind: str) -> str:
    return f"zq{kind}{secrets.token_hex(6)}qz"


@dataclass
class Pair:
    coach: Actor
    client: Actor  # the client's own login
    client_id: str


@pytest.fixture
async def pair(api, world) -> Pair:
    """A coach's client who signs in: the coach created the profile, an admin gave it a login."""
    coach = await world.user(Role.COACH, name="Coach Carter")
    admin = await world.admin()
    client_id = await world.client_of(coach, "Casey Client")
    email = f"casey-{secrets.token_hex(3)}@example.test"
    login = await invite_and_accept(api, admin.token, client_id, PASSWORD, email)
    return Pair(coach, Actor(login["token"], login["user"]["id"], email, Role.CLIENT, client_id=client_id), client_id)


async def add(api, token, client_id, body, **extra) -> dict:
    return (await api.ok(ADD, {"input": {"clientId": client_id, "body": body, **extra}}, token))["addNote"]


async def edit(api, token, note_id, **fields) -> dict:
    return (await api.ok(UPDATE, {"input": {"noteId": note_id, **fields}}, token))["updateNote"]


async def note_bodies(api, token, client_id) -> list[tuple[str, bool]]:
    data = await api.ok(NOTES, {"id": client_id}, token)
    return [(e["node"]["body"], e["node"]["sharedWithClient"]) for e in data["client"]["notes"]["edges"]]


async def client_sees(api, pair: Pair) -> list[str]:
    data = await api.ok(MY_NOTES, token=pair.client.token)
    assert data["viewer"]["client"]["id"] == pair.client_id
    return [e["node"]["body"] for e in data["viewer"]["client"]["notes"]["edges"]]


async def revisions(note_id: str) -> list[str]:
    """The kept bodies of a note, oldest first, decrypted with the client's key."""
    note = await models.Note.get(id=uuid_of(note_id, "Note"))
    cipher = await encryption.cipher_for(note.client_id)
    rows = await models.NoteRevision.filter(note_id=note.id).order_by("created_at", "id")
    return [cipher.decrypt(r.body_enc) for r in rows]


# ---------------------------------------------------------------------------- add, edit, delete


async def test_add_edit_and_delete_a_note(api, pair):
    coach = pair.coach
    added = await add(api, coach.token, pair.client_id, "  First session went well.  ")
    assert added["userErrors"] == []
    note = added["note"]
    assert note["body"] == "First session went well." and note["sharedWithClient"] is False  # private by default
    assert note["author"] == {"id": coach.coach_id} and note["client"] == {"id": pair.client_id}
    assert await note_bodies(api, coach.token, pair.client_id) == [("First session went well.", False)]
    assert (await api.ok(NODE, {"id": note["id"]}, coach.token))["node"] == {
        "id": note["id"],
        "body": "First session went well.",
        "sharedWithClient": False,
    }

    # Edits keep the earlier bodies.
    assert (await edit(api, coach.token, note["id"], body="Second version."))["note"]["body"] == "Second version."
    assert (await edit(api, coach.token, note["id"], body="Third version."))["note"]["body"] == "Third version."
    assert await revisions(note["id"]) == ["First session went well.", "Second version."]
    # Sharing alone, or the same body again, keeps no new revision.
    shared = await edit(api, coach.token, note["id"], sharedWithClient=True)
    assert shared["note"] == {"id": note["id"], "body": "Third version.", "sharedWithClient": True}
    await edit(api, coach.token, note["id"], body="Third version.")
    assert await revisions(note["id"]) == ["First session went well.", "Second version."]

    deleted = (await api.ok(DELETE, {"input": {"noteId": note["id"]}}, coach.token))["deleteNote"]
    assert deleted == {"deletedId": note["id"], "userErrors": []}
    assert await note_bodies(api, coach.token, pair.client_id) == []
    assert (await api.ok(NODE, {"id": note["id"]}, coach.token))["node"] is None
    assert await models.NoteRevision.all().count() == 0
    again = (await api.ok(DELETE, {"input": {"noteId": note["id"]}}, coach.token))["deleteNote"]
    assert again == {
        "deletedId": None,
        "userErrors": [{"code": "NOT_FOUND", "field": ["input", "noteId"], "message": "Note not found."}],
    }


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({"body": ""}, [{"code": "INVALID", "field": ["input", "body"], "message": "This field must not be blank."}]),
        (
            {"body": " \n "},
            [{"code": "INVALID", "field": ["input", "body"], "message": "This field must not be blank."}],
        ),
        (
            {"body": "x" * 20001},
            [{"code": "INVALID", "field": ["input", "body"], "message": "Must be at most 20000 characters."}],
        ),
        (
            {"sessionId": "garbage"},
            [{"code": "NOT_FOUND", "field": ["input", "sessionId"], "message": "Session not found."}],
        ),
        (
            {"sessionId": base64.b64encode(b"Session:00000000-0000-0000-0000-000000000000").decode()},
            [{"code": "NOT_FOUND", "field": ["input", "sessionId"], "message": "Session not found."}],
        ),
        (
            {"clientId": "garbage"},
            [{"code": "NOT_FOUND", "field": ["input", "clientId"], "message": "Client not found."}],
        ),
    ],
)
async def test_add_note_validation(api, pair, fields, expected):
    payload = (await api.ok(ADD, {"input": {"clientId": pair.client_id, "body": "ok", **fields}}, pair.coach.token))[
        "addNote"
    ]
    assert payload == {"note": None, "userErrors": expected}
    assert await models.Note.all().count() == 0
    assert await models.ActivityEvent.filter(kind="NOTE_ADDED").count() == 0


async def test_edit_validation_changes_nothing(api, pair):
    note = (await add(api, pair.coach.token, pair.client_id, "Keep me."))["note"]
    for fields, expected in [
        ({"body": "  "}, {"code": "INVALID", "field": ["input", "body"], "message": "This field must not be blank."}),
        (
            {"body": "y" * 20001},
            {"code": "INVALID", "field": ["input", "body"], "message": "Must be at most 20000 characters."},
        ),
        (
            {"noteId": "garbage", "body": "x"},
            {"code": "NOT_FOUND", "field": ["input", "noteId"], "message": "Note not found."},
        ),
        (
            {"noteId": pair.client_id, "body": "x"},
            {"code": "NOT_FOUND", "field": ["input", "noteId"], "message": "Note not found."},
        ),
    ]:
        payload = await edit(api, pair.coach.token, note["id"], **fields)
        assert payload == {"note": None, "userErrors": [expected]}, fields
    assert await note_bodies(api, pair.coach.token, pair.client_id) == [("Keep me.", False)]
    assert await models.NoteRevision.all().count() == 0
    assert await models.ActivityEvent.filter(kind="NOTE_EDITED").count() == 0


async def test_only_coaches_write_notes(api, pair, world):
    org = await world.organisation()
    org_admin = await world.user(Role.ORG_ADMIN, organisation=org)
    admin = await world.admin()
    note = (await add(api, pair.coach.token, pair.client_id, "Mine."))["note"]
    for actor in (pair.client, org_admin, admin):
        for query, input_ in (
            (ADD, {"clientId": pair.client_id, "body": "x"}),
            (UPDATE, {"noteId": note["id"], "body": "x"}),
            (DELETE, {"noteId": note["id"]}),
        ):
            body = await api(query, {"input": input_}, actor.token)
            assert body["data"] is None and [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert await note_bodies(api, pair.coach.token, pair.client_id) == [("Mine.", False)]


# ---------------------------------------------------------------------------- sharing and the timeline


async def test_the_client_sees_only_notes_shared_with_them(api, pair):
    coach = pair.coach
    shared = (await add(api, coach.token, pair.client_id, "Homework: walk daily.", sharedWithClient=True))["note"]
    private = (await add(api, coach.token, pair.client_id, "Seems anxious about work."))["note"]
    assert await client_sees(api, pair) == ["Homework: walk daily."]
    assert (await api.ok(NODE, {"id": private["id"]}, pair.client.token))["node"] is None
    assert (await api.ok(NODE, {"id": shared["id"]}, pair.client.token))["node"]["body"] == "Homework: walk daily."
    typed = await api.ok(NOTES, {"id": pair.client_id}, pair.client.token)
    assert typed["client"]["notes"]["totalCount"] == 1

    await edit(api, coach.token, private["id"], sharedWithClient=True)
    assert sorted(await client_sees(api, pair)) == ["Homework: walk daily.", "Seems anxious about work."]
    await edit(api, coach.token, shared["id"], sharedWithClient=False)
    await edit(api, coach.token, private["id"], body="Less anxious now.")
    assert await client_sees(api, pair) == ["Less anxious now."]
    # The coach sees both, newest first.
    assert await note_bodies(api, coach.token, pair.client_id) == [
        ("Less anxious now.", True),
        ("Homework: walk daily.", False),
    ]


async def test_note_events_on_the_timeline(api, pair, world):
    coach = pair.coach
    other = await world.user(Role.COACH)  # another coach of the same client
    await client_domain.ensure_relationship(uuid_of(other.coach_id, "Coach"), uuid_of(pair.client_id, "Client"))
    shared_body, private_body = canary("shared"), canary("private")
    shared = (await add(api, coach.token, pair.client_id, shared_body, sharedWithClient=True))["note"]
    private = (await add(api, coach.token, pair.client_id, private_body))["note"]
    await edit(api, coach.token, shared["id"], body=shared_body + " edited")
    await edit(api, coach.token, private["id"], body=private_body + " edited")

    async def events(token):
        data = await api.ok(TIMELINE, {"id": pair.client_id}, token)
        return [(e["node"]["kind"], e["node"]["summary"]) for e in data["client"]["timeline"]["edges"]]

    assert await events(coach.token) == [
        ("NOTE_EDITED", "Note edited"),
        ("NOTE_EDITED", "Note edited"),
        ("NOTE_ADDED", "Private note added"),
        ("NOTE_ADDED", "Shared note added"),
    ]
    assert await events(pair.client.token) == [("NOTE_EDITED", "Note edited"), ("NOTE_ADDED", "Shared note added")]
    assert await events(other.token) == []  # another coach's notes stay in that coach's practice
    assert await note_bodies(api, other.token, pair.client_id) == []
    # No summary quotes a body.
    everything = (
        await api.post(
            "query($id: ID!) { client(id: $id) { timeline(first: 50) { edges { node { summary } } } } }",
            {"id": pair.client_id},
            coach.token,
        )
    ).text
    assert shared_body not in everything and private_body not in everything


async def test_a_forged_notes_cursor_is_refused(api, pair):
    await add(api, pair.coach.token, pair.client_id, "one")
    forged = base64.urlsafe_b64encode(json.dumps(["x", "y"]).encode()).decode()
    body = await api(
        "query($id: ID!, $after: String) { client(id: $id) { notes(first: 5, after: $after) { totalCount } } }",
        {"id": pair.client_id, "after": forged},
        pair.coach.token,
    )
    assert [e["extensions"].get("code") for e in body["errors"]] == ["INVALID"]


# ---------------------------------------------------------------------------- encryption at rest


async def test_note_bodies_private_notes_and_health_context_are_not_stored_in_plain_text(api, pair):
    coach = pair.coach
    secrets_ = {k: canary(k) for k in ("shared", "private", "edited", "privnotes", "health")}
    shared = (await add(api, coach.token, pair.client_id, secrets_["shared"], sharedWithClient=True))["note"]
    await add(api, coach.token, pair.client_id, secrets_["private"])
    await edit(api, coach.token, shared["id"], body=secrets_["edited"])  # the first body is now a revision
    await api.ok(
        """mutation($input: UpdateClientInput!) { updateClient(input: $input) { userErrors { code } } }""",
        {"input": {"clientId": pair.client_id, "privateNotes": secrets_["privnotes"]}},
        coach.token,
    )
    await api.ok(
        """mutation($input: UpdateClientInput!) { updateClient(input: $input) { userErrors { code } } }""",
        {"input": {"clientId": pair.client_id, "healthContext": secrets_["health"]}},
        pair.client.token,
    )

    conn = connections.get("default")
    raw = {
        "notes.body_enc": [r["v"] for r in await conn.execute_query_dict("SELECT body_enc AS v FROM notes")],
        "note_revisions.body_enc": [
            r["v"] for r in await conn.execute_query_dict("SELECT body_enc AS v FROM note_revisions")
        ],
        "coach_clients.private_notes_enc": [
            r["v"]
            for r in await conn.execute_query_dict(
                "SELECT private_notes_enc AS v FROM coach_clients WHERE private_notes_enc IS NOT NULL"
            )
        ],
        "clients.health_context_enc": [
            r["v"]
            for r in await conn.execute_query_dict(
                "SELECT health_context_enc AS v FROM clients WHERE health_context_enc IS NOT NULL"
            )
        ],
    }
    assert {k: len(v) for k, v in raw.items()} == {
        "notes.body_enc": 2,
        "note_revisions.body_enc": 1,
        "coach_clients.private_notes_enc": 1,
        "clients.health_context_enc": 1,
    }
    for column, values in raw.items():
        for value in values:
            blob = bytes(value)
            for text in secrets_.values():
                assert text.encode() not in blob, column
                assert base64.b64encode(text.encode()) not in blob, column  # not merely base64-encoded
    dump = await raw_database_text()
    assert [k for k, text in secrets_.items() if text in dump] == []

    # The values are there, readable with the client's key, and through the API.
    cipher = await encryption.cipher_for(uuid_of(pair.client_id, "Client"))
    assert sorted(cipher.decrypt(bytes(v)) for v in raw["notes.body_enc"]) == sorted(
        [secrets_["edited"], secrets_["private"]]
    )
    assert cipher.decrypt(bytes(raw["note_revisions.body_enc"][0])) == secrets_["shared"]
    assert cipher.decrypt(bytes(raw["coach_clients.private_notes_enc"][0])) == secrets_["privnotes"]
    assert cipher.decrypt(bytes(raw["clients.health_context_enc"][0])) == secrets_["health"]
    # Each client has its own data key: another client's key does not open these values.
    other_id = await create_other_client(api, coach)
    other_cipher = await encryption.cipher_for(uuid_of(other_id, "Client"))
    assert other_cipher.decrypt(bytes(raw["notes.body_enc"][0])) is None


async def create_other_client(api, coach) -> str:
    data = await api.ok(
        """mutation { createClient(input: {name: "Other Client"}) { client { id } } }""", token=coach.token
    )
    await api.ok(ADD, {"input": {"clientId": data["createClient"]["client"]["id"], "body": "other"}}, coach.token)
    return data["createClient"]["client"]["id"]


READ_BACK = """query($id: ID!) { client(id: $id) { privateNotes healthContext
  notes(first: 10) { edges { node { body } } } } }"""


async def test_master_keys_rotate_and_old_keys_can_be_dropped(api, pair, test_settings):
    coach = pair.coach
    body, private_text, health = canary("rot"), canary("rotpriv"), canary("rothealth")
    await add(api, coach.token, pair.client_id, body)
    await api.ok(
        """mutation($input: UpdateClientInput!) { updateClient(input: $input) { userErrors { code } } }""",
        {"input": {"clientId": pair.client_id, "privateNotes": private_text}},
        coach.token,
    )
    await api.ok(
        """mutation($input: UpdateClientInput!) { updateClient(input: $input) { userErrors { code } } }""",
        {"input": {"clientId": pair.client_id, "healthContext": health}},
        pair.client.token,
    )
    expected = {"privateNotes": private_text, "healthContext": health, "notes": {"edges": [{"node": {"body": body}}]}}
    assert (await api.ok(READ_BACK, {"id": pair.client_id}, coach.token))["client"] == expected

    other_id = await create_other_client(api, coach)  # a second data key: rewrap_all walks batches
    old_keys = list(test_settings.master_keys)
    new_key = Fernet.generate_key().decode()
    wrapped_before = {r.client_id: bytes(r.wrapped_key) for r in await models.ClientDataKey.all()}
    notes_before = [bytes(r["body_enc"]) for r in await models.Note.all().values("body_enc")]
    try:
        # 1. The new key first: everything still reads (old keys decrypt).
        encryption.configure([new_key, *old_keys])
        assert (await api.ok(READ_BACK, {"id": pair.client_id}, coach.token))["client"] == expected
        # 2. Re-wrap every data key with the new master key.
        assert await encryption.rewrap_all(batch=1) == len(wrapped_before) >= 2
        wrapped_after = {r.client_id: bytes(r.wrapped_key) for r in await models.ClientDataKey.all()}
        assert wrapped_after.keys() == wrapped_before.keys()
        assert all(wrapped_after[k] != wrapped_before[k] for k in wrapped_before)
        # Only the small wrapped keys changed: the note ciphertexts are the same bytes.
        assert [bytes(r["body_enc"]) for r in await models.Note.all().values("body_enc")] == notes_before
        # 3. Old keys dropped: still 100% readable, through the API, for the coach and the client.
        encryption.configure([new_key])
        assert (await api.ok(READ_BACK, {"id": pair.client_id}, coach.token))["client"] == expected
        assert (await note_bodies(api, coach.token, other_id)) == [("other", False)]
        mine = await api.ok("query { viewer { client { healthContext } } }", token=pair.client.token)
        assert mine["viewer"]["client"]["healthContext"] == health
        # New notes written now are wrapped by the new key only.
        later = (await add(api, coach.token, pair.client_id, "after rotation"))["note"]
        assert later["body"] == "after rotation"
        # The old key alone no longer opens the data keys.
        encryption.configure(old_keys)
        with pytest.raises(Exception):  # noqa: B017, PT011 (whatever the cipher raises)
            await encryption.cipher_for(uuid_of(pair.client_id, "Client"))
    finally:
        # Back to the test settings' keys, with the data keys wrapped by them again.
        encryption.configure([*old_keys, new_key])
        await encryption.rewrap_all()
        encryption.configure(old_keys)
    assert (await api.ok(READ_BACK, {"id": pair.client_id}, coach.token))["client"]["privateNotes"] == private_text
