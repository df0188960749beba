"""Webhooks through the API: endpoints and their owners, an event for every change written in the
change's own transaction with the body partners act on, the fan-out by real workers to the
endpoints whose owner may read the object, the catch-up feed, and no private text anywhere."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest

import models
from domain import clock
from models.enums import CoachKind, Role
from schema.node import uuid_of
from tests.support.booking import BOOK, CANCEL, COMPLETE, CONFIRM, PROPOSE, record, setup_coach
from tests.support.credits import GRANT, GRANT_ORG
from tests.support.dates import utc
from tests.support.errors import user_error
from tests.support.webhooks import Receiver, verified, worker_settings
from tests.support.workers import run_worker
from workers.housekeeping import complete_past_sessions, expire_unanswered_bookings
from workers.settings import create_queue
from workers.webhook_events import sweep_webhook_events

NOW = utc(2030, 3, 1, 12)
ERRORS = "userErrors { code field message }"
CREATE = f"""mutation($i: CreateWebhookEndpointInput!) {{ createWebhookEndpoint(input: $i) {{
  endpoint {{ id url description eventTypes enabled disabledReason organisation {{ id }} }} secret {ERRORS} }} }}"""
UPDATE = f"""mutation($i: UpdateWebhookEndpointInput!) {{ updateWebhookEndpoint(input: $i) {{
  endpoint {{ id url description eventTypes enabled disabledReason }} secret {ERRORS} }} }}"""
ROTATE = f"""mutation($i: WebhookEndpointInput!) {{ rotateWebhookSecret(input: $i) {{ endpoint {{ id }} secret {ERRORS} }} }}"""
DELETE = f"""mutation($i: WebhookEndpointInput!) {{ deleteWebhookEndpoint(input: $i) {{ deletedId {ERRORS} }} }}"""
PING = f"""mutation($i: WebhookEndpointInput!) {{ pingWebhookEndpoint(input: $i) {{
  delivery {{ id status event {{ type payload }} endpoint {{ id }} }} {ERRORS} }} }}"""
REDELIVER = f"""mutation($i: RedeliverWebhookInput!) {{ redeliverWebhook(input: $i) {{ delivery {{ id status attempts }} {ERRORS} }} }}"""
REPLAY = f"""mutation($i: ReplayWebhooksInput!) {{ replayWebhooks(input: $i) {{ count {ERRORS} }} }}"""
ENDPOINTS = "{ webhookEndpoints { totalCount edges { node { id url } } } }"
FEED = """query($types: [WebhookEventType!], $since: DateTime, $after: String) {
  webhookEvents(first: 100, types: $types, since: $since, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { id type eventType occurredAt payload } } } }"""
DELIVERIES = """query($id: ID!) { node(id: $id) { ... on WebhookEndpoint {
  deliveries(first: 100) { totalCount edges { node { id status attempts event { id type payload } } } } } } }"""
DECLINE = f"""mutation($i: DeclineSessionInput!) {{ declineSession(input: $i) {{ session {{ status }} {ERRORS} }} }}"""
RESPOND = f"""mutation($i: RespondToProposalInput!) {{ respondToProposal(input: $i) {{ session {{ startsAt }} {ERRORS} }} }}"""
NO_SHOW = f"""mutation($i: SessionInput!) {{ markNoShow(input: $i) {{ session {{ status }} {ERRORS} }} }}"""
UPDATE_CLIENT = f"""mutation($i: UpdateClientInput!) {{ updateClient(input: $i) {{ {ERRORS} }} }}"""
DELETE_CLIENT = (
    "mutation($id: ID!) { deleteClient(input: {clientId: $id}) { deletedClientId userErrors { code field } } }"
)
ERASE = "mutation($id: ID!) { eraseClient(input: {clientId: $id}) { erasedClientId userErrors { code field } } }"
ADD_NOTE = f"""mutation($i: AddNoteInput!) {{ addNote(input: $i) {{ {ERRORS} }} }}"""
SEND = f"""mutation($i: SendMessageInput!) {{ sendMessage(input: $i) {{ {ERRORS} }} }}"""
NOWHERE = "http://127.0.0.1:9/hook"  # nothing listens on the discard port: attempts fail at once


async def create_endpoint(api, actor, url=NOWHERE, **fields) -> tuple[str, str]:
    data = await api.ok(CREATE, {"i": {"url": url, **fields}}, actor.token)
    payload = data["createWebhookEndpoint"]
    assert payload["userErrors"] == [], payload
    return payload["endpoint"]["id"], payload["secret"]


async def feed(api, actor, **variables) -> list[dict]:
    """The whole feed, page after page, oldest first."""
    nodes, after = [], None
    while True:
        data = await api.ok(FEED, {**variables, "after": after}, actor.token)
        page = data["webhookEvents"]
        nodes += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


async def deliveries(api, actor, endpoint_id) -> list[dict]:
    data = await api.ok(DELIVERIES, {"id": endpoint_id}, actor.token)
    return [edge["node"] for edge in data["node"]["deliveries"]["edges"]]


def bodies(events: list[dict], wire: str) -> list[dict]:
    return [e["payload"] for e in events if e["type"] == wire]


def only(events: list[dict], wire: str) -> dict:
    [body] = bodies(events, wire)
    return body


async def partner_world(api, world):
    """An organisation with an admin, a member with credits, and a GLOBAL coach who confirms by hand."""
    admin = await world.admin()
    organisation = await world.organisation("Acme")
    org_admin = await world.user(Role.ORG_ADMIN, organisation=organisation)
    member = await world.user(Role.CLIENT, organisation=organisation, name="Member One")
    coach, service = await setup_coach(api, world, auto_confirm=False)
    await api.ok(GRANT_ORG, {"input": {"organisationId": organisation, "amount": 20}}, admin.token)
    await api.ok(GRANT, {"input": {"clientId": member.client_id, "amount": 3}}, admin.token)
    return admin, organisation, org_admin, member, coach, service


async def book(api, actor, service, starts_at: str, **fields) -> str:
    data = await api.ok(BOOK, {"i": {"serviceId": service, "startsAt": starts_at, **fields}}, actor.token)
    assert data["bookSession"]["userErrors"] == [], data
    return data["bookSession"]["session"]["id"]


# ---------------------------------------------------------------------------- events and bodies


async def test_every_change_records_its_event_with_the_body_partners_act_on(api, world, test_settings):
    clock.freeze(NOW)
    admin, organisation, _org_admin, member, coach, service = await partner_world(api, world)

    # Booked (PENDING: the coach confirms by hand), then confirmed, then moved by an accepted proposal.
    session = await book(api, member, service, "2030-03-05T09:00:00Z")
    await api.ok(CONFIRM, {"i": {"sessionId": session}}, coach.token)
    proposal = (await api.ok(PROPOSE, {"i": {"sessionId": session, "startsAt": "2030-03-06T10:00:00Z"}}, coach.token))[
        "proposeReschedule"
    ]["proposal"]["id"]
    await api.ok(RESPOND, {"i": {"proposalId": proposal, "accept": True}}, member.token)
    # Cancelled by the client in good time: refunded to both pools by the worker.
    await api.ok(CANCEL, {"i": {"sessionId": session}}, member.token)
    await run_worker(test_settings)

    events = await feed(api, admin)
    booked = only(events, "session.booked")
    assert booked["type"] == "session.booked" and booked["timestamp"] == "2030-03-01T12:00:00Z"
    data = booked["data"]
    assert data["session"] == session and data["status"] == "PENDING" and data["bookedBy"] == "CLIENT"
    assert data["client"] == member.client_id and data["coach"] == coach.coach_id and data["service"] == service
    assert data["organisation"] == organisation and data["credits"] == 1
    assert data["startsAt"] == "2030-03-05T09:00:00Z" and data["sequence"] == 1
    confirmed = only(events, "session.confirmed")["data"]
    assert (confirmed["session"], confirmed["status"], confirmed["sequence"]) == (session, "CONFIRMED", 2)
    moved = only(events, "session.rescheduled")["data"]
    assert moved["session"] == session  # the same session id, not a cancellation and a new booking
    assert (moved["previousStartsAt"], moved["startsAt"]) == ("2030-03-05T09:00:00Z", "2030-03-06T10:00:00Z")
    cancelled = only(events, "session.cancelled")["data"]
    assert cancelled["session"] == session and cancelled["cancelledBy"] == "CLIENT" and cancelled["late"] is False
    assert cancelled["refund"] == {"status": "PENDING", "credits": {"client": 1, "organisation": 1}}
    # One sequence per object, growing with every change.
    about_session = [e["payload"]["data"] for e in events if e["type"].startswith("session.")]
    assert [d["sequence"] for d in about_session] == [1, 2, 3, 4]

    granted = bodies(events, "credits.granted")
    assert [(g["data"]["poolKind"], g["data"]["delta"], g["data"]["balance"]) for g in granted] == [
        ("ORGANISATION", 20, 20),
        ("CLIENT", 3, 3),
    ]
    assert granted[1]["data"]["client"] == member.client_id and granted[1]["data"]["organisation"] == organisation
    debited = bodies(events, "credits.debited")
    assert sorted((d["data"]["poolKind"], d["data"]["delta"], d["data"]["balance"]) for d in debited) == [
        ("CLIENT", -1, 2),
        ("ORGANISATION", -1, 19),
    ]
    assert all(d["data"]["session"] == session and d["data"]["reason"] == "BOOKING" for d in debited)
    refunded = bodies(events, "credits.refunded")
    assert sorted((r["data"]["poolKind"], r["data"]["delta"], r["data"]["balance"]) for r in refunded) == [
        ("CLIENT", 1, 3),
        ("ORGANISATION", 1, 20),
    ]
    # The ids are the API's own: each reads back through node().
    transaction = debited[0]["data"]["transaction"]
    assert (await api.ok("query($id: ID!) { node(id: $id) { id } }", {"id": transaction}, admin.token))["node"] == {
        "id": transaction
    }


async def test_decline_complete_no_show_low_credits_and_the_workers_own_changes(api, world, test_settings):
    clock.freeze(NOW)
    admin, _organisation, _org_admin, member, coach, service = await partner_world(api, world)

    declined = await book(api, member, service, "2030-03-02T09:00:00Z")
    await api.ok(DECLINE, {"i": {"sessionId": declined}}, coach.token)
    countered = await book(api, member, service, "2030-03-02T11:00:00Z")
    await api.ok(DECLINE, {"i": {"sessionId": countered, "proposedStartsAt": "2030-03-02T15:00:00Z"}}, coach.token)
    await run_worker(test_settings)  # the decline's refund
    # The coach books three for the member: completed by hand, a no-show, and one the worker completes.
    held = [await book(api, coach, service, f"2030-03-03T0{h}:00:00Z", clientId=member.client_id) for h in (6, 8)]
    await api.ok(GRANT, {"input": {"clientId": member.client_id, "amount": 1}}, admin.token)
    later = await book(api, coach, service, "2030-03-04T06:00:00Z", clientId=member.client_id)

    clock.freeze(utc(2030, 3, 4, 7, 30))
    await api.ok(COMPLETE, {"i": {"sessionId": held[0]}}, coach.token)
    await api.ok(NO_SHOW, {"i": {"sessionId": held[1]}}, coach.token)
    clock.freeze(utc(2030, 3, 5, 8))
    assert await complete_past_sessions({"settings": test_settings}) == 1
    queue = await create_queue(test_settings.redis_url)
    try:
        assert await expire_unanswered_bookings({"redis": queue}) == 1  # the countered one lapses
    finally:
        await queue.aclose()
    await record(api, coach, service, member.client_id, utc(2030, 2, 1, 9), status="NO_SHOW")

    events = await feed(api, admin)
    declines = {b["data"]["session"]: b["data"] for b in bodies(events, "session.declined")}
    assert declines[declined]["status"] == "CANCELLED" and declines[declined]["cancelledBy"] == "COACH"
    assert declines[declined]["refund"] == {"status": "PENDING", "credits": {"client": 1, "organisation": 1}}
    assert declines[countered]["status"] == "PENDING"
    assert declines[countered]["proposedStartsAt"] == "2030-03-02T15:00:00Z"
    completed = {b["data"]["session"]: b["data"] for b in bodies(events, "session.completed")}
    assert completed[held[0]]["completedBy"] == "COACH" and completed[later]["completedBy"] == "SYSTEM"
    no_shows = bodies(events, "session.no_show")
    assert no_shows[0]["data"]["session"] == held[1] and "recorded" not in no_shows[0]["data"]
    assert no_shows[1]["data"]["recorded"] is True and no_shows[1]["data"]["startsAt"] == "2030-02-01T09:00:00Z"
    lapsed = [b["data"] for b in bodies(events, "session.cancelled")]
    assert [(c["session"], c["cancelledBy"], c["refund"]["status"]) for c in lapsed] == [
        (countered, "SYSTEM", "PENDING")
    ]
    # Low when a debit brings the client's pool down to 1: 3 -> 2 -> 1 (low), refunded to 2, -> 1
    # (low again), -> 0 (already low), granted 1, -> 0 (already low).
    lows = bodies(events, "credits.low")
    assert [(low["data"]["balance"], low["data"]["threshold"]) for low in lows] == [(1, 1), (1, 1)]
    assert {(low["data"]["client"], low["data"]["poolKind"]) for low in lows} == {(member.client_id, "CLIENT")}


async def test_client_events_from_creation_to_erasure(api, world):
    clock.freeze(NOW)
    admin = await world.admin()
    coach = await world.user(Role.COACH)
    kept = await world.client_of(coach, name="Kept Client")
    leaving = await world.client_of(coach, name="Leaving Client")
    await api.ok(UPDATE_CLIENT, {"i": {"clientId": kept, "name": "Kept Renamed", "tags": ["vip"]}}, coach.token)
    await api.ok(UPDATE_CLIENT, {"i": {"clientId": kept, "privateNotes": "only notes"}}, coach.token)  # no event
    await api.ok(DELETE_CLIENT, {"id": leaving}, coach.token)
    await api.ok(ERASE, {"id": kept}, admin.token)

    events = await feed(api, admin)
    assert [(e["type"], e["payload"]["data"]["client"]) for e in events] == [
        ("client.created", kept),
        ("client.created", leaving),
        ("client.updated", kept),
        ("client.deleted", leaving),
        ("client.erased", kept),
    ]
    assert bodies(events, "client.created")[0]["data"]["createdBy"] == "COACH"
    assert only(events, "client.updated")["data"]["changedFields"] == ["name", "tags"]
    deleted = only(events, "client.deleted")["data"]
    assert deleted["coach"] == coach.coach_id and deleted["profileDeleted"] is True
    erased = only(events, "client.erased")["data"]
    assert erased["erasedBy"] == "ADMIN" and erased["sequence"] == 3
    # No name anywhere: a receiver reads what it may through the API.
    text = json.dumps([e["payload"] for e in events])
    assert "Kept Client" not in text and "Kept Renamed" not in text and "Leaving Client" not in text


async def test_an_event_exists_exactly_when_its_change_committed(api, world):
    clock.freeze(NOW)
    admin, _organisation, _org_admin, member, _coach, service = await partner_world(api, world)
    _dear_coach, dear_service = await setup_coach(api, world, credits=5)
    before = await feed(api, admin)

    # The booking writes its session and its event, then finds too few credits and rolls back.
    refused = await api.ok(BOOK, {"i": {"serviceId": dear_service, "startsAt": "2030-03-05T09:00:00Z"}}, member.token)
    assert refused["bookSession"]["session"] is None and refused["bookSession"]["userErrors"]
    assert await feed(api, admin) == before
    assert (
        await models.Session.all().count() == 0 and await models.WebhookEvent.filter(type="SESSION_BOOKED").count() == 0
    )

    session = await book(api, member, service, "2030-03-05T09:00:00Z")
    added = (await feed(api, admin))[len(before) :]
    assert [(e["type"], e["payload"]["data"].get("session")) for e in added] == [
        ("session.booked", session),
        ("credits.debited", session),
        ("credits.debited", session),
    ]
    # The rolled-back attempt used no sequence number of the pools' either.
    assert sorted(e["payload"]["data"]["sequence"] for e in added[1:]) == [2, 2]


BOOK_SERIES = f"""mutation($i: BookSeriesInput!) {{ bookSeries(input: $i) {{
  series {{ id sessions {{ edges {{ node {{ id }} }} }} }} {ERRORS} }} }}"""


async def test_a_series_sends_an_event_per_occurrence_and_its_cancellation_one_per_cancelled_session(api, world):
    clock.freeze(NOW)
    admin, _organisation, _org_admin, member, _coach, service = await partner_world(api, world)
    data = await api.ok(
        BOOK_SERIES,
        {"i": {"serviceId": service, "firstStartsAt": "2030-03-05T09:00:00Z", "count": 3}},
        member.token,
    )
    assert data["bookSeries"]["userErrors"] == [], data
    series = data["bookSeries"]["series"]
    sessions = [e["node"]["id"] for e in series["sessions"]["edges"]]

    second = {"sessionId": sessions[1], "scope": "THIS_AND_FOLLOWING"}
    cancelled = await api.ok(CANCEL, {"i": second}, member.token)
    assert cancelled["cancelSession"]["userErrors"] == []

    events = await feed(api, admin)
    booked = [b["data"] for b in bodies(events, "session.booked")]
    assert [b["session"] for b in booked] == sessions  # one per occurrence, in time order
    assert {b["series"] for b in booked} == {series["id"]}
    assert [b["data"]["session"] for b in bodies(events, "session.cancelled")] == sessions[1:]


# ---------------------------------------------------------------------------- scope and fan-out


async def test_each_owner_receives_only_what_it_may_read(api, world, test_settings):
    clock.freeze(NOW)
    admin = await world.admin()
    acme, globex = await world.organisation("Acme"), await world.organisation("Globex")
    acme_admin = await world.user(Role.ORG_ADMIN, organisation=acme)
    globex_admin = await world.user(Role.ORG_ADMIN, organisation=globex)
    ours = await world.user(Role.CLIENT, organisation=acme)
    theirs = await world.user(Role.CLIENT, organisation=globex)
    coach, service = await setup_coach(api, world)
    _other_coach, other_service = await setup_coach(api, world)
    for org in (acme, globex):
        await api.ok(GRANT_ORG, {"input": {"organisationId": org, "amount": 10}}, admin.token)
    for member in (ours, theirs):
        await api.ok(GRANT, {"input": {"clientId": member.client_id, "amount": 5}}, admin.token)

    clock.freeze(NOW + timedelta(minutes=1))  # endpoints receive what happens once they exist
    before_endpoints = {e["id"] for e in await feed(api, admin)}
    platform, _ = await create_endpoint(api, admin)
    acme_hook, _ = await create_endpoint(api, acme_admin)
    acme_sessions_only, _ = await create_endpoint(api, acme_admin, eventTypes=["SESSION_BOOKED", "SESSION_CANCELLED"])
    for_globex, _ = await create_endpoint(api, admin, organisationId=globex)  # an admin's, for Globex
    coach_hook, _ = await create_endpoint(api, coach)

    ours_session = await book(api, ours, service, "2030-03-05T09:00:00Z")
    theirs_session = await book(api, theirs, other_service, "2030-03-05T09:00:00Z")
    await api.ok(CANCEL, {"i": {"sessionId": ours_session}}, ours.token)
    own_client = await world.client_of(coach, name="Walk-in")
    await run_worker(test_settings)  # fan-out (and refunds, fanned out on the next run)
    await run_worker(test_settings)

    def about(deliveries_or_events, key="event"):
        out = set()
        for row in deliveries_or_events:
            data = (row[key]["payload"] if key else row["payload"])["data"]
            out |= {data.get("client"), data.get("organisation"), data.get("session")} - {None}
        return out

    acme_got = about(await deliveries(api, acme_admin, acme_hook))
    assert ours.client_id in acme_got and ours_session in acme_got
    assert not acme_got & {theirs.client_id, theirs_session, globex, own_client}
    acme_feed = await feed(api, acme_admin)
    assert about(acme_feed, key=None) == acme_got  # the feed holds what the endpoint received
    assert {e["type"] for e in acme_feed} == {
        "client.created",  # the member, made with a login before any endpoint existed
        "credits.granted",
        "credits.debited",
        "credits.refunded",
        "session.booked",
        "session.cancelled",
    }
    narrowed = await deliveries(api, acme_admin, acme_sessions_only)
    assert sorted(d["event"]["type"] for d in narrowed) == ["session.booked", "session.cancelled"]

    globex_got = about(await deliveries(api, admin, for_globex))
    assert theirs_session in globex_got and not globex_got & {ours.client_id, ours_session, acme}
    assert about(await feed(api, globex_admin), key=None) == globex_got

    coach_got = await deliveries(api, coach, coach_hook)
    # The coach's own sessions and clients (no ledger rows: a coach reads balances only).
    assert {d["event"]["type"] for d in coach_got} == {"session.booked", "session.cancelled", "client.created"}
    assert about(coach_got) - {ours.client_id, ours_session, acme, own_client} == set()
    assert theirs_session not in about(await feed(api, coach), key=None)

    # The platform's endpoint gets every event written since it was made, once.
    everything = sorted(d["event"]["id"] for d in await deliveries(api, admin, platform))
    assert everything == sorted(e["id"] for e in await feed(api, admin) if e["id"] not in before_endpoints)


async def test_no_body_holds_private_text(api, world, test_settings):
    clock.freeze(NOW)
    admin, _organisation, org_admin, member, coach, service = await partner_world(api, world)
    canaries = {
        k: f"canary-{k}-7f3a" for k in ("note", "message", "booking", "health", "reason", "private", "proposal")
    }
    platform, _ = await create_endpoint(api, admin)
    await create_endpoint(api, org_admin)
    await create_endpoint(api, coach)

    await api.ok(
        UPDATE_CLIENT, {"i": {"clientId": member.client_id, "healthContext": canaries["health"]}}, member.token
    )
    session = await book(api, member, service, "2030-03-05T09:00:00Z", bookingNotes=canaries["booking"])
    await api.ok(UPDATE_CLIENT, {"i": {"clientId": member.client_id, "privateNotes": canaries["private"]}}, coach.token)
    await api.ok(
        ADD_NOTE, {"i": {"clientId": member.client_id, "body": canaries["note"], "sessionId": session}}, coach.token
    )
    await api.ok(SEND, {"i": {"clientId": member.client_id, "body": canaries["message"]}}, coach.token)
    await api.ok(
        PROPOSE,
        {"i": {"sessionId": session, "startsAt": "2030-03-06T10:00:00Z", "message": canaries["proposal"]}},
        coach.token,
    )
    await api.ok(CANCEL, {"i": {"sessionId": session, "reason": canaries["reason"]}}, member.token)
    await run_worker(test_settings)

    stored = json.dumps([e.payload for e in await models.WebhookEvent.all()])
    assert "session.cancelled" in stored and "credits.refunded" in stored
    for name, canary in canaries.items():
        assert canary not in stored, name
    assert "Member One" not in stored and member.email not in stored
    delivered = json.dumps([d["event"]["payload"] for d in await deliveries(api, admin, platform)])
    assert "session.cancelled" in delivered and not any(canary in delivered for canary in canaries.values())


# ---------------------------------------------------------------------------- endpoints and ownership


async def test_owners_manage_their_own_endpoints_and_others_read_not_found(api, world):
    clock.freeze(NOW)
    admin = await world.admin()
    acme, globex = await world.organisation("Acme"), await world.organisation("Globex")
    acme_admin = await world.user(Role.ORG_ADMIN, organisation=acme)
    globex_admin = await world.user(Role.ORG_ADMIN, organisation=globex)
    coach, other_coach = await world.user(Role.COACH), await world.user(Role.COACH)
    client = await world.user(Role.CLIENT)

    data = await api.ok(
        CREATE,
        {"i": {"url": NOWHERE, "description": "CRM sync", "eventTypes": ["SESSION_BOOKED", "SESSION_BOOKED"]}},
        acme_admin.token,
    )
    created = data["createWebhookEndpoint"]
    assert created["secret"].startswith("whsec_") and len(base64.b64decode(created["secret"][6:])) == 32
    endpoint = created["endpoint"]
    assert endpoint["organisation"] == {"id": acme} and endpoint["eventTypes"] == ["SESSION_BOOKED"]
    assert endpoint["enabled"] is True and endpoint["description"] == "CRM sync"
    stored = await models.WebhookEndpoint.get(id=uuid_of(endpoint["id"], "WebhookEndpoint"))
    assert created["secret"].encode() not in bytes(stored.sealed_secret)  # sealed, not stored as given
    coach_endpoint, _ = await create_endpoint(api, coach)
    platform_endpoint, _ = await create_endpoint(api, admin)
    for_acme, _ = await create_endpoint(api, admin, organisationId=acme)

    def ids(data):
        return {edge["node"]["id"] for edge in data["webhookEndpoints"]["edges"]}

    assert ids(await api.ok(ENDPOINTS, None, acme_admin.token)) == {endpoint["id"], for_acme}
    assert ids(await api.ok(ENDPOINTS, None, globex_admin.token)) == set()
    assert ids(await api.ok(ENDPOINTS, None, coach.token)) == {coach_endpoint}
    assert ids(await api.ok(ENDPOINTS, None, other_coach.token)) == set()
    assert ids(await api.ok(ENDPOINTS, None, admin.token)) == {endpoint["id"], platform_endpoint, for_acme}

    # Everyone else's endpoint reads as one that does not exist, for every mutation and node().
    strangers = {endpoint["id"]: [globex_admin, coach], coach_endpoint: [other_coach, acme_admin, admin]}
    for target, others in strangers.items():
        for other in others:
            for mutation, name in ((UPDATE, "updateWebhookEndpoint"), (ROTATE, "rotateWebhookSecret")):
                variables = {"i": {"endpointId": target} | ({"enabled": False} if mutation is UPDATE else {})}
                answer = (await api.ok(mutation, variables, other.token))[name]
                assert answer["endpoint"] is None and answer["userErrors"] == [
                    user_error("NOT_FOUND", ["input", "endpointId"], "WebhookEndpoint not found.")
                ], answer
            for mutation, name in ((DELETE, "deleteWebhookEndpoint"), (PING, "pingWebhookEndpoint")):
                answer = (await api.ok(mutation, {"i": {"endpointId": target}}, other.token))[name]
                assert answer["userErrors"][0]["code"] == "NOT_FOUND", answer
            node = await api.ok("query($id: ID!) { node(id: $id) { id } }", {"id": target}, other.token)
            assert node["node"] is None
    assert await models.WebhookEndpoint.all().count() == 4  # nothing was changed by them
    assert all(e.enabled for e in await models.WebhookEndpoint.all())

    # A client owns no endpoint; an organisation admin creates none for another organisation.
    refused = await api(CREATE, {"i": {"url": NOWHERE}}, client.token)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    other_org = (await api.ok(CREATE, {"i": {"url": NOWHERE, "organisationId": globex}}, acme_admin.token))[
        "createWebhookEndpoint"
    ]
    assert other_org["endpoint"] is None and other_org["userErrors"][0]["code"] == "NOT_FOUND"


async def test_update_disable_rotate_ping_and_delete(api, world, test_settings):
    clock.freeze(NOW)
    coach = await world.user(Role.COACH)
    endpoint, secret = await create_endpoint(api, coach, description="first")

    changed = (
        await api.ok(
            UPDATE,
            {"i": {"endpointId": endpoint, "enabled": False, "eventTypes": ["CLIENT_CREATED"], "description": None}},
            coach.token,
        )
    )["updateWebhookEndpoint"]["endpoint"]
    assert (changed["enabled"], changed["disabledReason"], changed["eventTypes"], changed["description"]) == (
        False,
        "Disabled by hand",
        ["CLIENT_CREATED"],
        None,
    )
    await world.client_of(coach, name="While Off")
    await run_worker(test_settings)
    assert await deliveries(api, coach, endpoint) == []  # switched off: nothing is sent (the feed has it)
    enabled = (await api.ok(UPDATE, {"i": {"endpointId": endpoint, "enabled": True}}, coach.token))[
        "updateWebhookEndpoint"
    ]["endpoint"]
    assert (enabled["enabled"], enabled["disabledReason"]) == (True, None)
    await world.client_of(coach, name="Back On")
    await run_worker(test_settings)
    assert [d["event"]["type"] for d in await deliveries(api, coach, endpoint)] == ["client.created"]

    rotated = (await api.ok(ROTATE, {"i": {"endpointId": endpoint}}, coach.token))["rotateWebhookSecret"]
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != secret
    row = await models.WebhookEndpoint.get(id=uuid_of(endpoint, "WebhookEndpoint"))
    assert row.previous_secret_expires_at == NOW + timedelta(hours=24)

    pinged = (await api.ok(PING, {"i": {"endpointId": endpoint}}, coach.token))["pingWebhookEndpoint"]["delivery"]
    assert pinged["status"] == "PENDING" and pinged["endpoint"] == {"id": endpoint}
    assert pinged["event"]["type"] == "ping" and pinged["event"]["payload"]["data"]["endpoint"] == endpoint
    assert [e["type"] for e in await feed(api, coach)] == ["client.created"] * 2  # a ping is for its endpoint only

    bad = (await api.ok(UPDATE, {"i": {"endpointId": endpoint, "url": "ftp://example.test/x"}}, coach.token))[
        "updateWebhookEndpoint"
    ]
    assert bad["userErrors"][0]["code"] == "INVALID" and bad["userErrors"][0]["field"] == ["input", "url"]
    metadata = (await api.ok(CREATE, {"i": {"url": "http://169.254.169.254/latest"}}, coach.token))[
        "createWebhookEndpoint"
    ]
    assert metadata["endpoint"] is None and metadata["userErrors"][0]["field"] == ["input", "url"]

    assert (await api.ok(DELETE, {"i": {"endpointId": endpoint}}, coach.token))["deleteWebhookEndpoint"] == {
        "deletedId": endpoint,
        "userErrors": [],
    }
    assert await models.WebhookDelivery.all().count() == 0
    assert (await api.ok(ENDPOINTS, None, coach.token))["webhookEndpoints"]["totalCount"] == 0


async def test_redeliver_and_replay_queue_deliveries_again(api, world, test_settings):
    clock.freeze(NOW)
    admin = await world.admin()
    endpoint, _ = await create_endpoint(api, admin)
    coach = await world.user(Role.COACH)
    for name in ("A", "B", "C"):
        await world.client_of(coach, name=name)
    await run_worker(test_settings)  # fanned out; each attempt fails (nothing listens) and waits
    rows = await deliveries(api, admin, endpoint)
    assert len(rows) == 3 and all(r["status"] == "PENDING" and r["attempts"] == 1 for r in rows)
    await models.WebhookDelivery.filter(id=uuid_of(rows[0]["id"], "WebhookDelivery")).update(status="FAILED")
    await models.WebhookDelivery.filter(id=uuid_of(rows[1]["id"], "WebhookDelivery")).update(status="SUCCEEDED")

    again = (await api.ok(REDELIVER, {"i": {"deliveryId": rows[1]["id"]}}, admin.token))["redeliverWebhook"]
    assert again["delivery"] == {"id": rows[1]["id"], "status": "PENDING", "attempts": 0}
    stranger = await world.user(Role.ORG_ADMIN, organisation=await world.organisation())
    hidden = (await api.ok(REDELIVER, {"i": {"deliveryId": rows[0]["id"]}}, stranger.token))["redeliverWebhook"]
    assert hidden["userErrors"][0]["code"] == "NOT_FOUND"

    since = (NOW - timedelta(hours=1)).isoformat()
    replayed = await api.ok(REPLAY, {"i": {"endpointId": endpoint, "since": since}}, admin.token)
    assert replayed["replayWebhooks"] == {"count": 1, "userErrors": []}  # only the failed one
    await models.WebhookDelivery.all().update(status="SUCCEEDED")
    replayed = await api.ok(REPLAY, {"i": {"endpointId": endpoint, "since": since, "onlyFailed": False}}, admin.token)
    assert replayed["replayWebhooks"]["count"] == 3
    assert await models.WebhookDelivery.filter(status="PENDING", attempts=0).count() == 3
    future = await api.ok(REPLAY, {"i": {"endpointId": endpoint, "since": "2031-01-01T00:00:00Z"}}, admin.token)
    assert future["replayWebhooks"]["userErrors"][0]["field"] == ["input", "since"]


async def test_the_feed_filters_by_type_and_time_and_keeps_thirty_days(api, world):
    clock.freeze(NOW)
    coach = await world.user(Role.COACH)
    first = await world.client_of(coach, name="First")
    clock.freeze(NOW + timedelta(days=10))
    second = await world.client_of(coach, name="Second")
    await api.ok(UPDATE_CLIENT, {"i": {"clientId": second, "name": "Second Renamed"}}, coach.token)

    assert [e["type"] for e in await feed(api, coach)] == ["client.created", "client.created", "client.updated"]
    assert [e["eventType"] for e in await feed(api, coach, types=["CLIENT_UPDATED"])] == ["CLIENT_UPDATED"]
    recent = await feed(api, coach, since=(NOW + timedelta(days=5)).isoformat())
    assert [e["payload"]["data"]["client"] for e in recent] == [second, second]
    clock.freeze(NOW + timedelta(days=35))
    assert [e["payload"]["data"]["client"] for e in await feed(api, coach)] == [second, second]
    assert first not in json.dumps(await feed(api, coach, since=NOW.isoformat()))
    # A client has no feed.
    client = await world.user(Role.CLIENT)
    assert (await api(FEED, {}, client.token))["errors"][0]["extensions"]["code"] == "FORBIDDEN"


@pytest.mark.parametrize("kind", [CoachKind.INTERNAL])
async def test_an_internal_coachs_session_debits_only_the_client_pool(api, world, kind):
    clock.freeze(NOW)
    admin = await world.admin()
    organisation = await world.organisation()
    member = await world.user(Role.CLIENT, organisation=organisation)
    _coach, service = await setup_coach(api, world, kind=kind, organisation=organisation)
    await api.ok(GRANT_ORG, {"input": {"organisationId": organisation, "amount": 5}}, admin.token)
    await api.ok(GRANT, {"input": {"clientId": member.client_id, "amount": 5}}, admin.token)
    await book(api, member, service, "2030-03-05T09:00:00Z")
    events = await feed(api, admin, types=["CREDITS_DEBITED"])
    assert [(e["payload"]["data"]["poolKind"], e["payload"]["data"]["balance"]) for e in events] == [("CLIENT", 4)]


async def test_the_sweep_fans_out_what_the_job_missed_and_nothing_twice(api, world, test_settings):
    clock.freeze(NOW)
    admin = await world.admin()
    endpoint, _ = await create_endpoint(api, admin)
    coach = await world.user(Role.COACH)
    await world.client_of(coach, name="Swept")
    assert await models.WebhookEvent.filter(fanned_out=False).count() == 1

    # As if its job were lost: the sweep cron fans it out; the job, when it runs, finds it done.
    queue = await create_queue(test_settings.redis_url)
    try:
        assert await sweep_webhook_events({"redis": queue}) == 1
    finally:
        await queue.aclose()
    assert await models.WebhookEvent.filter(fanned_out=False).count() == 0
    await run_worker(test_settings)
    [delivered] = await deliveries(api, admin, endpoint)
    assert delivered["event"]["type"] == "client.created"


async def test_a_partner_receives_signed_bodies_end_to_end(api, world, test_settings):
    """Endpoint made and rotated through the API; the worker sends each event to a receiver on
    loopback; every request verifies (standardwebhooks) with the secret the API showed."""
    clock.freeze(NOW)
    test_settings = worker_settings(test_settings)  # the receiver listens on loopback
    _admin, _organisation, org_admin, member, _coach, service = await partner_world(api, world)
    async with Receiver() as receiver:
        endpoint, secret = await create_endpoint(
            api, org_admin, url=receiver.url(), eventTypes=["SESSION_BOOKED", "SESSION_CANCELLED"]
        )
        session = await book(api, member, service, "2030-03-05T09:00:00Z")
        await run_worker(test_settings)
        rotated = (await api.ok(ROTATE, {"i": {"endpointId": endpoint}}, org_admin.token))["rotateWebhookSecret"]
        await api.ok(CANCEL, {"i": {"sessionId": session}}, member.token)
        await run_worker(test_settings)

        booked, cancelled = receiver.received
        assert verified(booked, secret) == booked.json() and booked.json()["type"] == "session.booked"
        # During the rotation's 24 hours both secrets sign.
        assert verified(cancelled, rotated["secret"]) == verified(cancelled, secret) == cancelled.json()
        assert cancelled.json()["data"]["session"] == session and cancelled.json()["data"]["sequence"] == 2
        for request in receiver.received:
            event = await models.WebhookEvent.get(id=request.webhook_id)
            assert request.json() == event.payload
        log = await deliveries(api, org_admin, endpoint)
        assert {(d["status"], d["attempts"]) for d in log} == {("SUCCEEDED", 1)}
