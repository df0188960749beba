"""Client records: export, deletion from a practice, and erasure."""

import json
import logging

import pytest
from cryptography.fernet import Fernet, InvalidToken

import models
from domain import clock, privacy
from models.enums import Role
from schema.node import uuid_of
from tests.support.booking import BOOK, setup_coach
from tests.support.credits import GRANT, GRANT_ORG
from tests.support.database import assert_pools_match_ledger, raw_database_text
from tests.support.dates import utc

NOW = utc(2030, 3, 1, 12)
EXPORT = "mutation($id: ID!) { exportClientData(input: {clientId: $id}) { data userErrors { code field } } }"
ERASE = "mutation($id: ID!) { eraseClient(input: {clientId: $id}) { erasedClientId userErrors { code field } } }"
DELETE = "mutation($id: ID!) { deleteClient(input: {clientId: $id}) { deletedClientId userErrors { code field } } }"


async def story(api, world, prefix: str):
    """A client with a login, a coach, and one private value of every kind, each a canary."""
    admin = await world.admin()
    coach, service = await setup_coach(api, world)
    member = await world.user(Role.CLIENT, name=f"{prefix}-name")
    canaries = {
        k: f"{prefix}-{k}" for k in ("note", "message", "reply", "health", "booking", "goal", "feedback", "private")
    }
    await api.ok(GRANT, {"input": {"clientId": member.client_id, "amount": 3}}, admin.token)
    await api.ok(
        "mutation($i: UpdateClientInput!) { updateClient(input: $i) { userErrors { code } } }",
        {"i": {"clientId": member.client_id, "healthContext": canaries["health"]}},
        member.token,
    )
    booked = await api.ok(
        BOOK,
        {"i": {"serviceId": service, "startsAt": "2030-03-02T09:00:00Z", "bookingNotes": canaries["booking"]}},
        member.token,
    )
    session_id = booked["bookSession"]["session"]["id"]
    await api.ok(
        "mutation($i: UpdateClientInput!) { updateClient(input: $i) { userErrors { code } } }",
        {"i": {"clientId": member.client_id, "privateNotes": canaries["private"]}},
        coach.token,
    )
    await api.ok(
        "mutation($i: AddNoteInput!) { addNote(input: $i) { userErrors { code } } }",
        {"i": {"clientId": member.client_id, "body": canaries["note"], "sessionId": session_id}},
        coach.token,
    )
    send = "mutation($i: SendMessageInput!) { sendMessage(input: $i) { userErrors { code } } }"
    await api.ok(send, {"i": {"coachId": coach.coach_id, "body": canaries["message"]}}, member.token)
    await api.ok(send, {"i": {"clientId": member.client_id, "body": canaries["reply"]}}, coach.token)
    await api.ok(
        "mutation($i: CreateGoalInput!) { createGoal(input: $i) { userErrors { code } } }",
        {"i": {"clientId": member.client_id, "title": canaries["goal"]}},
        coach.token,
    )
    clock.freeze(utc(2030, 3, 2, 10, 30))
    await api.ok(
        "mutation($i: SessionInput!) { completeSession(input: $i) { userErrors { code } } }",
        {"i": {"sessionId": session_id}},
        coach.token,
    )
    await api.ok(
        "mutation($i: LeaveFeedbackInput!) { leaveFeedback(input: $i) { userErrors { code } } }",
        {"i": {"sessionId": session_id, "rating": 5, "comment": canaries["feedback"]}},
        member.token,
    )
    clock.freeze(NOW)
    return admin, coach, member, session_id, canaries


async def test_export_is_complete_for_its_subject_and_holds_nothing_of_anyone_else(api, world):
    clock.freeze(NOW)
    admin, coach, member, _, canaries = await story(api, world, "alpha")
    _, _, _, _, others = await story(api, world, "bravo")

    mine = (await api.ok(EXPORT, {"id": member.client_id}, member.token))["exportClientData"]["data"]
    text = json.dumps(mine)
    assert mine["schemaVersion"] == privacy.EXPORT_SCHEMA_VERSION
    for key in ("message", "reply", "health", "booking", "goal", "feedback"):
        assert canaries[key] in text, key
    assert canaries["private"] not in text and canaries["note"] not in text  # the coach's own, not shared
    assert not any(value in text for value in others.values())

    coach_view = json.dumps((await api.ok(EXPORT, {"id": member.client_id}, coach.token))["exportClientData"]["data"])
    for key in ("note", "message", "reply", "private", "booking", "goal", "feedback"):
        assert canaries[key] in coach_view, key

    admin_view = json.dumps((await api.ok(EXPORT, {"id": member.client_id}, admin.token))["exportClientData"]["data"])
    assert canaries["booking"] in admin_view and "alpha-name" in admin_view
    for key in ("note", "message", "reply", "private", "health"):  # admins never read these bodies
        assert canaries[key] not in admin_view, key

    stranger = await world.user(Role.COACH)
    refused = await api.ok(EXPORT, {"id": member.client_id}, stranger.token)
    assert refused["exportClientData"]["userErrors"] == [{"code": "NOT_FOUND", "field": ["input", "clientId"]}]


async def test_erasure_leaves_no_canary_anywhere_and_a_second_run_changes_nothing(api, world, redis, caplog):
    caplog.set_level(logging.DEBUG)
    clock.freeze(NOW)
    admin, _coach, member, session_id, canaries = await story(api, world, "charlie")
    client_uuid = uuid_of(member.client_id, "Client")
    note_cipher = (await models.Note.get(client_id=client_uuid)).body_enc  # a backup's copy
    wrapped = (await models.ClientDataKey.get(client_id=client_uuid)).wrapped_key
    await api.ok(
        'mutation($e: String!) { login(input: {email: $e, password: "wrong password!"}) { token } }',
        {"e": member.email},
    )

    erased = await api.ok(ERASE, {"id": member.client_id}, member.token)
    assert erased["eraseClient"] == {"erasedClientId": member.client_id, "userErrors": []}

    dump = await raw_database_text()
    for value in [*list(canaries.values()), "charlie-name", member.email]:
        assert value not in dump, value
    for key in await redis.keys("*"):
        assert member.email.encode() not in key and b"charlie" not in (await redis.dump(key) or b"")
    leaks = [(r.name, r.levelname) for r in caplog.records for v in canaries.values() if v in r.getMessage()]
    assert not leaks, sorted(set(leaks))

    # The copy taken before erasure decrypted with its key then; no key left in the database opens it now.
    from domain import encryption

    keyring = encryption._keyring()
    assert Fernet(keyring.decrypt(bytes(wrapped))).decrypt(bytes(note_cipher)).decode() == canaries["note"]
    assert await models.ClientDataKey.filter(client_id=client_uuid).count() == 0
    for row in await models.ClientDataKey.all():
        with pytest.raises(InvalidToken):
            Fernet(keyring.decrypt(bytes(row.wrapped_key))).decrypt(bytes(note_cipher))

    # Sessions and ledger stay, anonymised, and still balance.
    seen = await api.ok(
        "query($id: ID!) { session(id: $id) { client { id } clientName bookingNotes } }",
        {"id": session_id},
        admin.token,
    )
    assert seen["session"] == {"client": None, "clientName": "Deleted Client", "bookingNotes": None}
    assert await models.CreditTransaction.all().count() >= 2
    await assert_pools_match_ledger()
    # The login is gone.
    gone = await api.ok(
        'mutation($e: String!) { login(input: {email: $e, password: "correct horse battery"}) { token } }',
        {"e": member.email},
    )
    assert gone["login"]["token"] is None

    before = await raw_database_text()
    again = await api.ok(ERASE, {"id": member.client_id}, admin.token)
    assert again["eraseClient"]["userErrors"] == []
    assert await raw_database_text() == before


async def test_a_crash_midway_through_erasure_leaves_it_whole_and_a_rerun_completes(api, world, monkeypatch):
    clock.freeze(NOW)
    _admin, _coach, member, _, canaries = await story(api, world, "delta")
    client_uuid = uuid_of(member.client_id, "Client")

    class Killed(BaseException):
        pass

    real_filter = models.Feedback.filter

    def dies_midway(*args, **kwargs):  # after the key, notes and messages went, before sessions change
        raise Killed()

    monkeypatch.setattr(models.Feedback, "filter", dies_midway)
    with pytest.raises(Killed):
        await privacy.erase(admin_viewer(), client_uuid)
    monkeypatch.setattr(models.Feedback, "filter", real_filter)

    assert await models.Client.exists(id=client_uuid)  # nothing half-done
    assert await models.ClientDataKey.exists(client_id=client_uuid)
    assert await privacy.erase(admin_viewer(), client_uuid) == (True, member.email)
    assert canaries["note"] not in await raw_database_text()


def admin_viewer():
    from domain.viewer import Viewer

    return Viewer(user_id=None, role=Role.ADMIN, name="Admin")


async def test_deletion_shows_deleted_client_and_keeps_an_organisations_member(api, world):
    clock.freeze(NOW)
    admin = await world.admin()
    coach, service = await setup_coach(api, world)
    solo = await world.client_of(coach, name="Solo Client")
    await api.ok(GRANT, {"input": {"clientId": solo, "amount": 1}}, admin.token)
    booked = await api.ok(
        BOOK, {"i": {"serviceId": service, "clientId": solo, "startsAt": "2030-03-02T09:00:00Z"}}, coach.token
    )
    session_id = booked["bookSession"]["session"]["id"]
    org = await world.organisation()
    org_admin = await world.user(Role.ORG_ADMIN, organisation=org)
    member = await world.user(Role.CLIENT, organisation=org, name="Member Client")
    await api.ok(GRANT, {"input": {"clientId": member.client_id, "amount": 1}}, admin.token)
    await api.ok(GRANT_ORG, {"input": {"organisationId": org, "amount": 5}}, admin.token)
    member_session = (
        await api.ok(BOOK, {"i": {"serviceId": service, "startsAt": "2030-03-02T11:00:00Z"}}, member.token)
    )["bookSession"]["session"]["id"]

    refused = await api.ok(DELETE, {"id": solo}, coach.token)
    assert refused["deleteClient"]["userErrors"] == [
        {"code": "CONFLICT", "field": ["input", "clientId"]}
    ]  # upcoming sessions
    clock.freeze(utc(2030, 3, 3, 12))  # both sessions are history now
    for client_id in (solo, member.client_id):
        done = await api.ok(DELETE, {"id": client_id}, coach.token)
        assert done["deleteClient"] == {"deletedClientId": client_id, "userErrors": []}

    query = "query($id: ID!) { session(id: $id) { client { name } clientName } }"
    deleted = {"client": None, "clientName": "Deleted Client"}
    for viewer in (coach, admin):
        assert (await api.ok(query, {"id": session_id}, viewer.token))["session"] == deleted
    for viewer in (coach, org_admin, admin):  # the member's session too, for every viewer
        assert (await api.ok(query, {"id": member_session}, viewer.token))["session"] == deleted
    assert not await models.Client.exists(id=uuid_of(solo, "Client"))  # nobody else held the solo client
    members = await api.ok("query($id: ID) { organisation(id: $id) { memberCount } }", {"id": org}, org_admin.token)
    assert members["organisation"]["memberCount"] == 1  # the organisation still holds its member
    assert (await api.ok("{ myClients { totalCount } }", token=coach.token))["myClients"]["totalCount"] == 0
    assert await models.Note.filter(coach_id=uuid_of(coach.coach_id, "Coach")).count() == 0
    usage = await api.ok(
        "query($id: ID) { organisation(id: $id) { usage { sessionsBooked } } }", {"id": org}, org_admin.token
    )
    assert usage["organisation"]["usage"]["sessionsBooked"] == 1  # still accounted for
    await assert_pools_match_ledger()
