"""The authorization matrix: every actor x every object x every read path, compared with a small
policy written here from the roles table of docs/RULES.md ("Who sees what"), independently of domain/access.py. Every private value is a unique canary string, and
every answer is searched, as text, for canaries its reader may not see.

The world is built once for the module (building it signs a dozen people in); the tests only
read, or try mutations that must be refused, and the last one checks the tables stayed the same.
"""

from __future__ import annotations

import base64
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tortoise import connections

import models
from domain import clients as client_domain
from domain.users import ATTACH_REFUSED
from models.enums import Role
from tests.support.accounts import invite_and_accept
from tests.support.api import PASSWORD, Api, World
from tests.support.database import empty_all

ANON = "ANON"

# ---------------------------------------------------------------------------- global ids, by hand


def gid(type_name: str, uid: Any) -> str:
    """A global id made by hand (base64 of "Type:uuid"), not by the server's helper."""
    return base64.b64encode(f"{type_name}:{uid}".encode()).decode()


def ungid(global_id: str) -> tuple[str, uuid.UUID]:
    type_name, _, raw = base64.b64decode(global_id).decode().partition(":")
    return type_name, uuid.UUID(raw)


def canary(kind: str) -> str:
    # Fixed width, lower case (e-mails are stored lower-cased), never a substring of another.
    return f"zq{kind}{secrets.token_hex(6)}qz"


# ---------------------------------------------------------------------------- the world


@dataclass
class Person:
    key: str
    role: str  # Role value, or ANON
    token: str | None = None
    org: str | None = None  # organisation key
    client: str | None = None  # the client profile key (CLIENT)
    coach_kind: str | None = None  # COACH
    user: uuid.UUID | None = None


@dataclass
class ClientRec:
    key: str
    uid: uuid.UUID
    org: str | None
    name: str
    email: str
    coaches: set[str] = field(default_factory=set)
    health: str | None = None
    login: str | None = None


@dataclass
class NoteRec:
    key: str
    uid: uuid.UUID
    coach: str
    client: str
    body: str
    shared: bool


@dataclass
class SessionRec:
    uid: uuid.UUID
    coach: str
    client: str
    booking_notes: str


@dataclass
class OrgRec:
    key: str
    uid: uuid.UUID
    name: str
    pool: uuid.UUID


@dataclass
class Tx:
    uid: uuid.UUID
    note: str
    client: str | None = None
    org: str | None = None


@dataclass
class Event:
    uid: uuid.UUID
    client: str
    coach: str | None
    visible_to_client: bool
    session: uuid.UUID | None = None


@dataclass
class Town:
    api: Api
    people: dict[str, Person] = field(default_factory=dict)
    clients: dict[str, ClientRec] = field(default_factory=dict)
    notes: dict[str, NoteRec] = field(default_factory=dict)
    orgs: dict[str, OrgRec] = field(default_factory=dict)
    private: dict[tuple[str, str], str] = field(default_factory=dict)  # (coach, client) -> private notes
    coach_ids: dict[str, uuid.UUID] = field(default_factory=dict)  # coach key -> Coach uuid
    coach_orgs: dict[str, str | None] = field(default_factory=dict)
    pools: dict[uuid.UUID, tuple[str, str]] = field(default_factory=dict)  # pool -> ("client"|"org", key)
    txs: list[Tx] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    users: dict[uuid.UUID, tuple[str, str | None]] = field(default_factory=dict)  # user -> (person, org)
    services: dict[str, uuid.UUID] = field(default_factory=dict)  # coach key -> their service
    sessions: dict[uuid.UUID, SessionRec] = field(default_factory=dict)
    api_key: uuid.UUID | None = None
    api_key_name: str = ""
    api_key_org: str = "A"

    # ------------------------------------------------------------------ the policy (docs/RULES.md)

    def sees_client(self, p: Person, c: ClientRec) -> bool:
        if p.role == "ADMIN":
            return True
        if p.role == "COACH":
            return p.key in c.coaches  # own clients only: a relationship exists
        if p.role == "CLIENT":
            return p.client == c.key  # self
        if p.role == "ORG_ADMIN":
            return c.org is not None and c.org == p.org  # own organisation's members
        return False

    def sees_note(self, p: Person, n: NoteRec) -> bool:
        # Admins: never the body; organisation admins: never; coaches: own; clients: shared with them.
        if p.role == "COACH":
            return n.coach == p.key
        if p.role == "CLIENT":
            return n.client == p.client and n.shared
        return False

    def sees_private_notes(self, p: Person, coach: str) -> bool:
        return p.role == "COACH" and p.key == coach

    def sees_health(self, p: Person, c: ClientRec) -> bool:
        # What the client shares with the coaches they book: the client and those coaches.
        if p.role == "CLIENT":
            return p.client == c.key
        if p.role == "COACH":
            return p.key in c.coaches
        return False

    def sees_org(self, p: Person, org: str) -> bool:
        if p.role == "ADMIN":
            return True
        if p.role in ("ORG_ADMIN", "CLIENT"):
            return p.org == org
        if p.role == "COACH":
            # Their own organisation, and the organisations of their own clients.
            return p.org == org or any(c.org == org and p.key in c.coaches for c in self.clients.values())
        return False

    def sees_org_pool(self, p: Person, org: str) -> bool:
        return p.role == "ADMIN" or (p.role == "ORG_ADMIN" and p.org == org)

    def sees_client_ledger(self, p: Person, c: ClientRec) -> bool:
        # Admin: read; client: own with transactions; organisation admin: members; coach: balance only.
        if p.role == "ADMIN":
            return True
        if p.role == "CLIENT":
            return p.client == c.key
        if p.role == "ORG_ADMIN":
            return c.org is not None and c.org == p.org
        return False

    def sees_tx(self, p: Person, t: Tx) -> bool:
        if t.client is not None:
            return self.sees_client_ledger(p, self.clients[t.client])
        return self.sees_org_pool(p, t.org)

    def sees_pool(self, p: Person, pool: uuid.UUID) -> bool:
        kind, key = self.pools[pool]
        return self.sees_client(p, self.clients[key]) if kind == "client" else self.sees_org_pool(p, key)

    def sees_session(self, p: Person, s: SessionRec) -> bool:
        # Admin: all; coach: own; client: own; organisation admin: members' (time, coach, status).
        if p.role == "ADMIN":
            return True
        if p.role == "COACH":
            return s.coach == p.key
        if p.role == "CLIENT":
            return s.client == p.client
        if p.role == "ORG_ADMIN":
            return self.clients[s.client].org is not None and self.clients[s.client].org == p.org
        return False

    def sees_booking_notes(self, p: Person, s: SessionRec) -> bool:
        return self.sees_session(p, s) and p.role != "ORG_ADMIN"

    def sees_event(self, p: Person, e: Event) -> bool:
        if p.role == "ADMIN":
            return True  # summaries never quote private text
        if p.role == "COACH":
            # Events of their own practice and shared ones about their clients; an event about a
            # session belongs to that session's coach (a coach sees own sessions only).
            return (
                p.key in self.clients[e.client].coaches
                and e.coach in (None, p.key)
                and (e.session is None or self.sessions[e.session].coach == p.key)
            )
        if p.role == "CLIENT":
            return e.client == p.client and e.visible_to_client
        return False  # organisation admins: a timeline describes notes and messages

    def sees_user(self, p: Person, user: uuid.UUID) -> bool:
        if p.role == ANON:
            return False
        if p.role == "ADMIN" or p.user == user:
            return True
        return p.role == "ORG_ADMIN" and self.users[user][1] is not None and self.users[user][1] == p.org

    def sees_coach(self, p: Person, coach: str) -> bool:
        if p.role == ANON:
            return False
        if p.role == "ADMIN" or p.key == coach or self.people[coach].coach_kind == "GLOBAL":
            return True
        return self.coach_orgs[coach] is not None and self.coach_orgs[coach] == p.org

    def sees_api_key(self, p: Person) -> bool:
        return (p.role == "ADMIN") or (p.role == "ORG_ADMIN" and p.org == self.api_key_org)

    # ------------------------------------------------------------------ objects as node ids

    def all_objects(self) -> list[tuple[str, str, Callable[[Person], bool]]]:
        """(description, global id, may this person see it) for every object of every type."""
        objects: list[tuple[str, str, Callable[[Person], bool]]] = []
        for c in self.clients.values():
            objects.append((f"Client {c.key}", gid("Client", c.uid), lambda p, c=c: self.sees_client(p, c)))
        for n in self.notes.values():
            objects.append((f"Note {n.key}", gid("Note", n.uid), lambda p, n=n: self.sees_note(p, n)))
        for o in self.orgs.values():
            objects.append(
                (f"Organisation {o.key}", gid("Organisation", o.uid), lambda p, o=o: self.sees_org(p, o.key))
            )
        for pool, (kind, key) in self.pools.items():
            objects.append(
                (f"CreditPool {kind} {key}", gid("CreditPool", pool), lambda p, pool=pool: self.sees_pool(p, pool))
            )
        for t in self.txs:
            objects.append(
                (
                    f"CreditTransaction {t.client or t.org}",
                    gid("CreditTransaction", t.uid),
                    lambda p, t=t: self.sees_tx(p, t),
                )
            )
        for e in self.events:
            objects.append(
                (
                    f"ActivityEvent {e.client}/{e.coach}/{e.visible_to_client}",
                    gid("ActivityEvent", e.uid),
                    lambda p, e=e: self.sees_event(p, e),
                )
            )
        for user, (who, _) in self.users.items():
            objects.append((f"User {who}", gid("User", user), lambda p, user=user: self.sees_user(p, user)))
        for coach, cid in self.coach_ids.items():
            objects.append((f"Coach {coach}", gid("Coach", cid), lambda p, coach=coach: self.sees_coach(p, coach)))
        objects.append(("ApiKey A", gid("ApiKey", self.api_key), lambda p: self.sees_api_key(p)))
        for s in self.sessions.values():
            objects.append(
                (f"Session {s.coach}/{s.client}", gid("Session", s.uid), lambda p, s=s: self.sees_session(p, s))
            )
        for coach, service in self.services.items():
            objects.append(
                (f"Service of {coach}", gid("Service", service), lambda p, coach=coach: self.sees_coach(p, coach))
            )
        return objects

    def canaries(self) -> dict[str, tuple[str, Callable[[Person], bool]]]:
        """Every private value -> (what it is, may this person see it)."""
        out: dict[str, tuple[str, Callable[[Person], bool]]] = {}
        for c in self.clients.values():
            out[c.name] = (f"name of {c.key}", lambda p, c=c: self.sees_client(p, c))
            out[c.email] = (f"e-mail of {c.key}", lambda p, c=c: self.sees_client(p, c))
            if c.health:
                out[c.health] = (f"health context of {c.key}", lambda p, c=c: self.sees_health(p, c))
        for n in self.notes.values():
            out[n.body] = (f"note {n.key}", lambda p, n=n: self.sees_note(p, n))
        for (coach, client), text in self.private.items():
            out[text] = (
                f"private notes of {coach} on {client}",
                lambda p, coach=coach: self.sees_private_notes(p, coach),
            )
        for o in self.orgs.values():
            out[o.name] = (f"name of organisation {o.key}", lambda p, o=o: self.sees_org(p, o.key))
        for t in self.txs:
            out[t.note] = (f"ledger note {t.client or t.org}", lambda p, t=t: self.sees_tx(p, t))
        out[self.api_key_name] = ("API key name", lambda p: self.sees_api_key(p))
        for s in self.sessions.values():
            out[s.booking_notes] = (f"booking notes {s.coach}/{s.client}", lambda p, s=s: self.sees_booking_notes(p, s))
        return out


CREATE_CLIENT = """mutation($input: CreateClientInput!) { createClient(input: $input) {
  client { id } userErrors { code field message } } }"""
UPDATE_CLIENT = """mutation($input: UpdateClientInput!) { updateClient(input: $input) {
  client { id name } userErrors { code field message } } }"""
ADD_NOTE = """mutation($input: AddNoteInput!) { addNote(input: $input) {
  note { id body } userErrors { code field message } } }"""
CREATE_USER = """mutation($input: CreateUserInput!) { createUser(input: $input) {
  user { id } userErrors { code field message } } }"""
GRANT_CLIENT = """mutation($input: GrantClientCreditsInput!) { grantClientCredits(input: $input) {
  transaction { id } userErrors { code field message } } }"""
GRANT_ORGANISATION = """mutation($input: GrantOrganisationCreditsInput!) { grantOrganisationCredits(input: $input) {
  transaction { id } userErrors { code field message } } }"""
CREATE_SERVICE = """mutation($input: CreateServiceInput!) { createService(input: $input) {
  service { id } userErrors { code field message } } }"""
RECORD_PAST = """mutation($input: RecordPastSessionInput!) { recordPastSession(input: $input) {
  session { id } userErrors { code field message } } }"""
CREATE_API_KEY = """mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) {
  apiKey { id } secret userErrors { code field message } } }"""


async def _mutate(api: Api, query: str, name: str, input: dict, token: str | None) -> dict:  # noqa: A002
    data = await api.ok(query, {"input": input}, token)
    payload = data[name]
    assert payload["userErrors"] == [], payload
    return payload


async def build_town(api: Api) -> Town:
    world = World(api)
    town = Town(api=api)
    people = town.people

    async def person(key: str, role: Role, **kwargs) -> Person:
        actor = await world.user(role, **kwargs)
        p = Person(key, role.value, actor.token, user=ungid(actor.user_id)[1])
        people[key] = p
        if role is Role.COACH:
            p.coach_kind = kwargs.get("coach_kind") or ("INTERNAL" if kwargs.get("organisation") else "GLOBAL")
            town.coach_ids[key] = ungid(actor.coach_id)[1]
        return p

    # Organisations A and B, each with a credit pool.
    for key in ("A", "B"):
        name = canary("org")
        org_gid = await world.organisation(name)
        uid = ungid(org_gid)[1]
        pool = await models.CreditPool.get(organisation_id=uid)
        town.orgs[key] = OrgRec(key, uid, name, pool.id)
        town.pools[pool.id] = ("org", key)
    org_gid = {k: gid("Organisation", o.uid) for k, o in town.orgs.items()}

    await person("admin", Role.ADMIN)
    for key in ("A", "B"):
        (await person(f"oa_{key}", Role.ORG_ADMIN, organisation=org_gid[key])).org = key
        (await person(f"in_{key}", Role.COACH, organisation=org_gid[key])).org = key
        town.coach_orgs[f"in_{key}"] = key
    for key in ("g1", "g2"):
        await person(key, Role.COACH)
        town.coach_orgs[key] = None

    async def new_client(key: str, by: str, org: str | None, **extra) -> ClientRec:
        name, email = f"Name {canary('name')}", f"{canary('mail')}@example.test"
        fields = {"name": name, "email": email, **extra}
        creator = people[by]
        if creator.role == "COACH":
            fields["privateNotes"] = town.private[(by, key)] = canary("priv")
        payload = await _mutate(api, CREATE_CLIENT, "createClient", fields, creator.token)
        rec = ClientRec(key, ungid(payload["client"]["id"])[1], org, name, email)
        if creator.role == "COACH":
            rec.coaches.add(by)
        town.clients[key] = rec
        return rec

    await new_client("a1", "in_A", "A")
    await new_client("a2", "in_A", "A")
    await new_client("am", "oa_A", "A")  # an organisation member no coach holds
    await new_client("b1", "in_B", "B")
    await new_client("b2", "oa_B", "B")
    await new_client("g1x", "g1", None)
    await new_client("g1y", "g1", None)
    await new_client("g2x", "g2", None)

    # A client who signs up with their own login (World.user) in organisation A.
    cl_a3 = await person("cl_a3", Role.CLIENT, organisation=org_gid["A"])
    cl_a3.org = "A"
    a3_uid = (await models.Client.get(user_id=cl_a3.user)).id
    a3 = ClientRec("a3", a3_uid, "A", f"Name {canary('name')}", f"{canary('mail')}@example.test")
    town.clients["a3"] = a3
    cl_a3.client = "a3"
    a3.login = "cl_a3"
    await _mutate(
        api,
        UPDATE_CLIENT,
        "updateClient",
        {"clientId": gid("Client", a3_uid), "name": a3.name, "email": a3.email},
        cl_a3.token,
    )

    # Relationships that start by booking or messaging (no API for those yet): global coaches
    # serving organisation members, the internal coach serving the self-registered client.
    for coach, client in (("g1", "a1"), ("g2", "b1"), ("g2", "b2"), ("g1", "b2"), ("in_A", "a3")):
        await client_domain.ensure_relationship(town.coach_ids[coach], town.clients[client].uid)
        town.clients[client].coaches.add(coach)
        town.private[(coach, client)] = canary("priv")
        await _mutate(
            api,
            UPDATE_CLIENT,
            "updateClient",
            {"clientId": gid("Client", town.clients[client].uid), "privateNotes": town.private[(coach, client)]},
            people[coach].token,
        )

    # A service per coach, and on every relationship a past session with booking notes.
    for coach in town.coach_ids:
        payload = await _mutate(
            api,
            CREATE_SERVICE,
            "createService",
            {"name": f"Session with {coach}", "durationMinutes": 60, "format": "VIDEO", "credits": 1},
            people[coach].token,
        )
        town.services[coach] = ungid(payload["service"]["id"])[1]
    session_of: dict[tuple[str, str], uuid.UUID] = {}
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=20)
    for i, c in enumerate(town.clients.values()):
        for j, coach in enumerate(sorted(c.coaches)):
            notes = canary("book")
            payload = await _mutate(
                api,
                RECORD_PAST,
                "recordPastSession",
                {
                    "clientId": gid("Client", c.uid),
                    "serviceId": gid("Service", town.services[coach]),
                    "startsAt": (start + timedelta(hours=3 * i + j)).isoformat(),
                    "status": "COMPLETED",
                    "bookingNotes": notes,
                },
                people[coach].token,
            )
            uid = ungid(payload["session"]["id"])[1]
            town.sessions[uid] = SessionRec(uid, coach, c.key, notes)
            session_of[(coach, c.key)] = uid

    # Notes: on every relationship one shared and one private, on the past session.
    for c in town.clients.values():
        for coach in sorted(c.coaches):
            for shared in (True, False):
                body = canary("note")
                payload = await _mutate(
                    api,
                    ADD_NOTE,
                    "addNote",
                    {
                        "clientId": gid("Client", c.uid),
                        "body": body,
                        "sharedWithClient": shared,
                        "sessionId": gid("Session", session_of[(coach, c.key)]),
                    },
                    people[coach].token,
                )
                key = f"{coach}/{c.key}/{'shared' if shared else 'private'}"
                town.notes[key] = NoteRec(key, ungid(payload["note"]["id"])[1], coach, c.key, body, shared)

    # Client logins for existing profiles (an invitation the client accepts), invited by their org admin or an admin.
    for key, by in (("a1", "oa_A"), ("b1", "oa_B"), ("g1x", "admin")):
        login = await invite_and_accept(api, people[by].token, gid("Client", town.clients[key].uid), PASSWORD)
        p = Person(
            f"cl_{key}",
            "CLIENT",
            login["token"],
            org=town.clients[key].org,
            client=key,
            user=ungid(login["user"]["id"])[1],
        )
        people[p.key] = p
        town.clients[key].login = p.key

    # Health context, shared by each client who signs in.
    for c in town.clients.values():
        if c.login:
            c.health = canary("health")
            await _mutate(
                api,
                UPDATE_CLIENT,
                "updateClient",
                {"clientId": gid("Client", c.uid), "healthContext": c.health},
                people[c.login].token,
            )

    # An API key for organisation A.
    town.api_key_name = canary("key")
    payload = await _mutate(api, CREATE_API_KEY, "createApiKey", {"name": town.api_key_name}, people["oa_A"].token)
    town.api_key = ungid(payload["apiKey"]["id"])[1]
    people["key_A"] = Person("key_A", "ORG_ADMIN", payload["secret"], org="A")
    people[ANON] = Person(ANON, ANON)

    # Ledger rows: a grant on some client pools and on both organisations' pools, by the admin.
    for c in town.clients.values():
        pool = await models.CreditPool.get(client_id=c.uid)
        town.pools[pool.id] = ("client", c.key)
    for owner in ("a1", "b2", "g1x", "A", "B"):
        note = canary("ledger")
        if owner in town.orgs:
            payload = await _mutate(
                api,
                GRANT_ORGANISATION,
                "grantOrganisationCredits",
                {"organisationId": org_gid[owner], "amount": 7, "note": note},
                people["admin"].token,
            )
        else:
            payload = await _mutate(
                api,
                GRANT_CLIENT,
                "grantClientCredits",
                {"clientId": gid("Client", town.clients[owner].uid), "amount": 7, "note": note},
                people["admin"].token,
            )
        uid = ungid(payload["transaction"]["id"])[1]
        town.txs.append(
            Tx(uid, note, client=None if owner in town.orgs else owner, org=owner if owner in town.orgs else None)
        )

    # Users and timeline events as stored.
    user_owner = {p.user: p for p in people.values() if p.user}
    for row in await models.User.all().values("id", "organisation_id"):
        org = next((o.key for o in town.orgs.values() if o.uid == row["organisation_id"]), None)
        town.users[row["id"]] = (user_owner[row["id"]].key, org)
    client_by_uid = {c.uid: c.key for c in town.clients.values()}
    coach_by_uid = {v: k for k, v in town.coach_ids.items()}
    for row in await models.ActivityEvent.all().values(
        "id", "client_id", "coach_id", "visible_to_client", "session_id"
    ):
        town.events.append(
            Event(
                row["id"],
                client_by_uid[row["client_id"]],
                coach_by_uid.get(row["coach_id"]),
                row["visible_to_client"],
                row["session_id"],
            )
        )
    return town


@pytest.fixture(scope="module")
async def town(app, redis) -> Town:
    await empty_all(redis)
    api = Api(app)
    try:
        yield await build_town(api)
    finally:
        await api.http.aclose()


# ---------------------------------------------------------------------------- reading


class Recorder:
    """Sends queries as one person, keeps every answer's text for the canary search, and
    collects mismatches with the policy."""

    def __init__(self, town: Town):
        self.town = town
        self.texts: list[tuple[str, str, str]] = []  # (person, path, text)
        self.mismatches: list[str] = []

    async def ask(self, p: Person, path: str, query: str, variables: dict | None = None) -> dict:
        response = await self.town.api.post(query, variables, p.token)
        if response.status_code != 200:
            self.mismatches.append(f"{p.key} {path}: HTTP {response.status_code} {response.text[:200]}")
            return {}
        self.texts.append((p.key, path, response.text))
        body = response.json()
        for error in body.get("errors") or []:
            code = (error.get("extensions") or {}).get("code")
            if code not in ("UNAUTHENTICATED", "FORBIDDEN"):
                self.mismatches.append(f"{p.key} {path}: unexpected error {error}")
            if p.role == ANON and code != "UNAUTHENTICATED":
                self.mismatches.append(f"{p.key} {path}: anonymous got {code}, not UNAUTHENTICATED")
        return body

    def compare(self, p: Person, path: str, what: str, expected: Any, actual: Any) -> None:
        if expected != actual:
            self.mismatches.append(f"{p.key} {path} {what}: expected {expected!r}, got {actual!r}")

    def scan_canaries(self) -> None:
        canaries = self.town.canaries()
        for who, path, text in self.texts:
            p = self.town.people[who]
            for value, (what, allowed) in canaries.items():
                if value in text and not allowed(p):
                    self.mismatches.append(f"{who} {path}: leaked {what}")


def report(mismatches: list[str]) -> str:
    return f"{len(mismatches)} mismatches:\n" + "\n".join(mismatches[:300]) + ("\n..." if len(mismatches) > 300 else "")


def dig(body: Any, *path: str | int) -> Any:
    for step in path:
        if body is None:
            return None
        body = body[step] if isinstance(step, int) else body.get(step)
    return body


def ids_of(connection: dict | None) -> set[uuid.UUID]:
    if not connection:
        return set()
    return {ungid(e["node"]["id"])[1] for e in connection["edges"]}


NODE_FIELDS = """fragment N on Node { id __typename
  ... on Client { name email healthContext privateNotes }
  ... on Note { body sharedWithClient }
  ... on Organisation { name }
  ... on ApiKey { name }
  ... on CreditPool { balance }
  ... on CreditTransaction { note }
  ... on ActivityEvent { summary }
  ... on User { role }
  ... on Coach { name } }"""


def aliased_nodes(count: int) -> str:
    params = ", ".join(f"$i{i}: ID!" for i in range(count))
    fields = " ".join(f"n{i}: node(id: $i{i}) {{ ...N }}" for i in range(count))
    return f"query({params}) {{ {fields} }} {NODE_FIELDS}"


CLIENT_DEEP = """query($id: ID!) { client(id: $id) { id name email organisation { id }
  privateNotes healthContext category relationshipSince
  notes(first: 50) { totalCount edges { node { id body sharedWithClient client { id } } } }
  timeline(first: 100) { totalCount edges { node { id kind summary client { id } } } }
  creditPool { id balance transactions(first: 20) { totalCount edges { node { id note } } } }
  sessions(first: 20) { totalCount edges { node { id bookingNotes } } } } }"""

SESSION = """query($id: ID!) { session(id: $id) { id bookingNotes clientName client { id } coach { id }
  notes { id body } } }"""

SESSIONS = """query { sessions(first: 100) { totalCount edges { node { id bookingNotes } } } }"""

CLIENT_LIST = """query { clients(first: 20) { totalCount edges { node { id privateNotes healthContext
  notes(first: 20) { edges { node { id body } } } } } } }"""

MY_CLIENTS = """query { myClients(first: 100) { totalCount edges { node { id } } } }"""

ORGANISATION = """query($id: ID) { organisation(id: $id) { id name memberCount
  members(first: 50) { totalCount edges { node { id } } } } }"""

ORGANISATION_POOL = """query($id: ID) { organisation(id: $id) { id creditPool { id balance
  transactions(first: 20) { edges { node { id note } } } } } }"""

ORGANISATIONS = """query { organisations(first: 50) { totalCount edges { node { id name } } } }"""

API_KEYS = """query { apiKeys { id name } }"""

VIEWER = """query { viewer { role client { id notes(first: 50) { edges { node { id body } } } }
  organisation { id } coach { id } } }"""


def forbidden_or_unauthenticated(body: dict) -> str | None:
    codes = {(e.get("extensions") or {}).get("code") for e in body.get("errors") or []}
    return next(iter(codes)) if len(codes) == 1 else (None if not codes else ",".join(sorted(codes)))


async def read_everything(rec: Recorder, p: Person) -> None:
    town = rec.town

    # Typed client(id:), with every private field and nested connection under it.
    for c in town.clients.values():
        body = await rec.ask(p, f"client({c.key})", CLIENT_DEEP, {"id": gid("Client", c.uid)})
        got = dig(body, "data", "client")
        visible = town.sees_client(p, c)
        rec.compare(p, "client(id)", c.key, visible, got is not None)
        if not got:
            continue
        rec.compare(
            p,
            "Client.organisation",
            c.key,
            gid("Organisation", town.orgs[c.org].uid) if c.org else None,
            dig(got, "organisation", "id"),
        )
        rec.compare(
            p,
            "Client.privateNotes",
            c.key,
            town.private.get((p.key, c.key)) if town.sees_private_notes(p, p.key) else None,
            got["privateNotes"],
        )
        rec.compare(
            p, "Client.healthContext", c.key, c.health if town.sees_health(p, c) else None, got["healthContext"]
        )
        # Viewer-relative: about the viewing coach's relationship, null for everyone else.
        rec.compare(p, "Client.category is set", c.key, p.role == "COACH", got["category"] is not None)
        rec.compare(
            p, "Client.relationshipSince is set", c.key, p.role == "COACH", got["relationshipSince"] is not None
        )
        expected_notes = {n.uid: n.body for n in town.notes.values() if n.client == c.key and town.sees_note(p, n)}
        actual_notes = {ungid(e["node"]["id"])[1]: e["node"]["body"] for e in got["notes"]["edges"]}
        rec.compare(p, "Client.notes", c.key, expected_notes, actual_notes)
        rec.compare(p, "Client.notes.totalCount", c.key, len(expected_notes), got["notes"]["totalCount"])
        expected_events = {e.uid for e in town.events if e.client == c.key and town.sees_event(p, e)}
        rec.compare(p, "Client.timeline", c.key, expected_events, ids_of(got["timeline"]))
        rec.compare(p, "Client.timeline.totalCount", c.key, len(expected_events), got["timeline"]["totalCount"])
        expected_txs = {t.uid for t in town.txs if t.client == c.key and town.sees_tx(p, t)}
        rec.compare(p, "Client.creditPool.transactions", c.key, expected_txs, ids_of(got["creditPool"]["transactions"]))
        expected_sessions = {
            s.uid: s.booking_notes if town.sees_booking_notes(p, s) else None
            for s in town.sessions.values()
            if s.client == c.key and town.sees_session(p, s)
        }
        actual_sessions = {ungid(e["node"]["id"])[1]: e["node"]["bookingNotes"] for e in got["sessions"]["edges"]}
        rec.compare(p, "Client.sessions", c.key, expected_sessions, actual_sessions)

    # Typed session(id:), with its notes; and the sessions connection.
    for s in town.sessions.values():
        body = await rec.ask(p, f"session({s.coach}/{s.client})", SESSION, {"id": gid("Session", s.uid)})
        got = dig(body, "data", "session")
        rec.compare(p, "session(id)", f"{s.coach}/{s.client}", town.sees_session(p, s), got is not None)
        if not got:
            continue
        rec.compare(
            p,
            "Session.bookingNotes",
            f"{s.coach}/{s.client}",
            s.booking_notes if town.sees_booking_notes(p, s) else None,
            got["bookingNotes"],
        )
        rec.compare(
            p,
            "Session.client",
            f"{s.coach}/{s.client}",
            gid("Client", town.clients[s.client].uid),
            dig(got, "client", "id"),
        )
        expected_notes = {
            n.uid: n.body
            for n in town.notes.values()
            if n.coach == s.coach and n.client == s.client and town.sees_note(p, n)
        }
        rec.compare(
            p,
            "Session.notes",
            f"{s.coach}/{s.client}",
            expected_notes,
            {ungid(n["id"])[1]: n["body"] for n in got["notes"]},
        )
    body = await rec.ask(p, "sessions", SESSIONS)
    expected_sessions = {s.uid for s in town.sessions.values() if town.sees_session(p, s)}
    rec.compare(p, "sessions", "ids", expected_sessions, ids_of(dig(body, "data", "sessions")))

    # node(id:) one by one (aliased), and nodes(ids:) in one list, for every object of every type.
    objects = town.all_objects()
    for start in range(0, len(objects), 15):
        chunk = objects[start : start + 15]
        body = await rec.ask(p, "node", aliased_nodes(len(chunk)), {f"i{i}": o[1] for i, o in enumerate(chunk)})
        for i, (what, object_id, allowed) in enumerate(chunk):
            got = dig(body, "data", f"n{i}")
            rec.compare(p, "node(id)", what, object_id if allowed(p) else None, got and got["id"])
    for start in range(0, len(objects), 100):
        chunk = objects[start : start + 100]
        body = await rec.ask(
            p,
            "nodes",
            f"query($ids: [ID!]!) {{ nodes(ids: $ids) {{ ...N }} }} {NODE_FIELDS}",
            {"ids": [o[1] for o in chunk]},
        )
        got = dig(body, "data", "nodes") or [None] * len(chunk)
        rec.compare(p, "nodes(ids) length", "", len(chunk), len(got))
        for (what, object_id, allowed), node in zip(chunk, got, strict=False):
            rec.compare(p, "nodes(ids)", what, object_id if allowed(p) else None, node and node["id"])

    # The clients connection, with private fields on every row.
    visible = {c.uid: c for c in town.clients.values() if town.sees_client(p, c)}
    body = await rec.ask(p, "clients", CLIENT_LIST)
    listed = dig(body, "data", "clients")
    rec.compare(p, "clients", "ids", set(visible), ids_of(listed))
    rec.compare(p, "clients", "totalCount", len(visible) if p.role != ANON else None, dig(listed, "totalCount"))
    for edge in (listed or {}).get("edges", []):
        c = visible.get(ungid(edge["node"]["id"])[1])
        if c is None:
            continue
        node = edge["node"]
        rec.compare(
            p,
            "clients.privateNotes",
            c.key,
            town.private.get((p.key, c.key)) if p.role == "COACH" else None,
            node["privateNotes"],
        )
        rec.compare(
            p, "clients.healthContext", c.key, c.health if town.sees_health(p, c) else None, node["healthContext"]
        )
        rec.compare(
            p,
            "clients.notes",
            c.key,
            {n.uid for n in town.notes.values() if n.client == c.key and town.sees_note(p, n)},
            ids_of(node["notes"]),
        )

    # myClients: coaches only.
    body = await rec.ask(p, "myClients", MY_CLIENTS)
    if p.role == "COACH":
        rec.compare(p, "myClients", "ids", set(visible), ids_of(dig(body, "data", "myClients")))
    else:
        rec.compare(
            p,
            "myClients",
            "error",
            "UNAUTHENTICATED" if p.role == ANON else "FORBIDDEN",
            forbidden_or_unauthenticated(body),
        )
        rec.compare(p, "myClients", "data", None, body.get("data"))

    # search by every client's name and e-mail, in clients (and myClients for coaches).
    searches = [(c, term) for c in town.clients.values() for term in (c.name.split()[-1], c.email.upper())]
    fields = ["clients"] + (["myClients"] if p.role == "COACH" else [])
    for field_name in fields:
        for start in range(0, len(searches), 15):
            chunk = searches[start : start + 15]
            params = ", ".join(f"$s{i}: String!" for i in range(len(chunk)))
            body_fields = " ".join(
                f"s{i}: {field_name}(first: 5, filter: {{search: $s{i}}}) {{ totalCount edges {{ node {{ id }} }} }}"
                for i in range(len(chunk))
            )
            body = await rec.ask(
                p,
                f"{field_name}(search)",
                f"query({params}) {{ {body_fields} }}",
                {f"s{i}": term for i, (_, term) in enumerate(chunk)},
            )
            for i, (c, term) in enumerate(chunk):
                expected = {c.uid} if town.sees_client(p, c) else set()
                rec.compare(p, f"{field_name}(search: {term})", c.key, expected, ids_of(dig(body, "data", f"s{i}")))

    # organisation(id:), its members, its credit pool; organisation without id; organisations.
    for o in town.orgs.values():
        body = await rec.ask(p, f"organisation({o.key})", ORGANISATION, {"id": gid("Organisation", o.uid)})
        got = dig(body, "data", "organisation")
        rec.compare(p, "organisation(id)", o.key, town.sees_org(p, o.key), got is not None)
        if got:
            members = {c.uid for c in town.clients.values() if c.org == o.key and town.sees_client(p, c)}
            rec.compare(p, "Organisation.members", o.key, members, ids_of(got["members"]))
            rec.compare(p, "Organisation.memberCount", o.key, len(members), got["memberCount"])
        body = await rec.ask(
            p, f"organisation({o.key}).creditPool", ORGANISATION_POOL, {"id": gid("Organisation", o.uid)}
        )
        pool = dig(body, "data", "organisation", "creditPool")
        rec.compare(
            p,
            "Organisation.creditPool",
            o.key,
            gid("CreditPool", o.pool) if town.sees_org_pool(p, o.key) else None,
            pool and pool["id"],
        )
        if town.sees_org(p, o.key) and not town.sees_org_pool(p, o.key):
            rec.compare(p, "Organisation.creditPool error", o.key, "FORBIDDEN", forbidden_or_unauthenticated(body))
        if pool:
            rec.compare(
                p,
                "Organisation.creditPool.transactions",
                o.key,
                {t.uid for t in town.txs if t.org == o.key},
                ids_of(pool["transactions"]),
            )

    body = await rec.ask(p, "organisation()", ORGANISATION, {})
    own = p.org if p.role in ("ORG_ADMIN", "CLIENT", "COACH") else None
    rec.compare(
        p,
        "organisation()",
        "own",
        gid("Organisation", town.orgs[own].uid) if own else None,
        dig(body, "data", "organisation", "id"),
    )

    body = await rec.ask(p, "organisations", ORGANISATIONS)
    expected = {o.uid for o in town.orgs.values() if town.sees_org(p, o.key)}
    rec.compare(p, "organisations", "ids", expected, ids_of(dig(body, "data", "organisations")))

    body = await rec.ask(p, "apiKeys", API_KEYS)
    if p.role in ("ADMIN", "ORG_ADMIN"):
        keys = {ungid(k["id"])[1] for k in dig(body, "data", "apiKeys") or []}
        rec.compare(p, "apiKeys", "ids", {town.api_key} if town.sees_api_key(p) else set(), keys)
    else:
        rec.compare(
            p,
            "apiKeys",
            "error",
            "UNAUTHENTICATED" if p.role == ANON else "FORBIDDEN",
            forbidden_or_unauthenticated(body),
        )

    body = await rec.ask(p, "viewer", VIEWER)
    if p.role == "CLIENT":
        c = town.clients[p.client]
        rec.compare(p, "viewer.client", "id", gid("Client", c.uid), dig(body, "data", "viewer", "client", "id"))
        expected_notes = {n.uid for n in town.notes.values() if n.client == c.key and n.shared}
        rec.compare(
            p, "viewer.client.notes", c.key, expected_notes, ids_of(dig(body, "data", "viewer", "client", "notes"))
        )


async def test_every_actor_every_object_every_read_path_matches_the_policy(town):
    rec = Recorder(town)
    for p in town.people.values():
        await read_everything(rec, p)
    rec.scan_canaries()
    # Sanity: the world is rich enough for the matrix to mean something.
    assert len(town.notes) >= 20 and len(town.events) >= 30 and len(rec.texts) > 300
    assert rec.mismatches == [], report(rec.mismatches)


# ---------------------------------------------------------------------------- ids made by hand

NODE_TYPES_QUERY = """query { __type(name: "Node") { possibleTypes { name } } }"""


def garbage_ids(type_name: str) -> list[str]:
    some = uuid.uuid4()
    raw = lambda text: base64.b64encode(text.encode()).decode()  # noqa: E731
    return [
        "",
        " ",
        "x",
        "!!!",
        "%%%%",
        "null",
        "0",
        str(some),
        gid(type_name, ""),
        gid(type_name, "not-a-uuid"),
        gid(type_name, "1"),
        gid(type_name, f"{some}:{some}"),
        raw(f"{type_name}{some}"),
        raw("::"),
        raw(f":{some}"),
        gid(type_name, some)[:-4],
        gid(type_name, some) + "AAAA",
        "A" * 3000,
        gid(type_name, f"{some}' OR '1'='1"),
        gid(type_name.lower(), some),
    ]


async def test_hand_made_ids_of_every_node_type_read_as_not_found(town):
    """Other tenants' objects, unknown UUIDs, wrong type names and garbage: every one the same
    answer as a thing that does not exist (null, no error)."""
    api = town.api
    admin = town.people["admin"]
    node_types = sorted(
        t["name"] for t in (await api.ok(NODE_TYPES_QUERY, token=admin.token))["__type"]["possibleTypes"]
    )
    assert {"Client", "Note", "Organisation", "CreditPool", "ActivityEvent", "User", "Coach", "ApiKey"} <= set(
        node_types
    )
    objects = town.all_objects()
    problems: list[str] = []
    single = f"query($id: ID!) {{ node(id: $id) {{ ...N }} }} {NODE_FIELDS}"
    reference = await api(single, {"id": gid("Client", uuid.uuid4())}, admin.token)
    assert reference == {"data": {"node": None}}

    for p in town.people.values():
        if p.role == ANON:
            continue
        bad: list[tuple[str, str]] = []
        for type_name in node_types:
            bad.append((f"unknown {type_name}", gid(type_name, uuid.uuid4())))
            bad += [(f"garbage {type_name} {g[:20]!r}", g) for g in garbage_ids(type_name)]
        for what, object_id, allowed in objects:
            real_type, uid = ungid(object_id)
            if not allowed(p):
                bad.append((f"other tenant's {what}", object_id))
            else:
                # Visible under its own type; under any other type name it does not exist.
                bad += [(f"{what} as {t}", gid(t, uid)) for t in [*node_types, "Nope"] if t != real_type]
        for start in range(0, len(bad), 100):
            chunk = bad[start : start + 100]
            body = await api(
                f"query($ids: [ID!]!) {{ nodes(ids: $ids) {{ ...N }} }} {NODE_FIELDS}",
                {"ids": [b[1] for b in chunk]},
                p.token,
            )
            if body != {"data": {"nodes": [None] * len(chunk)}}:
                got = dig(body, "data", "nodes") or []
                found = [w for (w, _), n in zip(chunk, got, strict=False) if n is not None]
                problems.append(f"{p.key} nodes: {found or body.get('errors')}")
        # One by one, for a sample across every kind of bad id: the exact not-found answer.
        for what, bad_id in bad[:: max(1, len(bad) // 40)]:
            body = await api(single, {"id": bad_id}, p.token)
            if body != reference:
                problems.append(f"{p.key} node({what}): {body}")

        # Typed fields: client(id:) and organisation(id:) with ids of the wrong type or garbage.
        for c in town.clients.values():
            for bad_id in (gid("Note", c.uid), gid("Organisation", c.uid), gid("Coach", c.uid), gid("client", c.uid)):
                body = await api("query($id: ID!) { client(id: $id) { id name } }", {"id": bad_id}, p.token)
                if body != {"data": {"client": None}}:
                    problems.append(f"{p.key} client({ungid(bad_id)[0]}:{c.key}): {body}")
        for o in town.orgs.values():
            for bad_id in (gid("Client", o.uid), gid("CreditPool", o.uid), "garbage"):
                body = await api("query($id: ID) { organisation(id: $id) { id name } }", {"id": bad_id}, p.token)
                if body != {"data": {"organisation": None}}:
                    problems.append(f"{p.key} organisation({bad_id[:12]}… for {o.key}): {body}")
        for bad_id in garbage_ids("Client")[:8]:
            body = await api("query($id: ID!) { client(id: $id) { id } }", {"id": bad_id}, p.token)
            if body != {"data": {"client": None}}:
                problems.append(f"{p.key} client(garbage {bad_id[:20]!r}): {body}")
    assert problems == [], report(problems)


# ---------------------------------------------------------------------------- organisation admins

# Pages sized to the town (at most 4 clients an organisation, 8 notes a client), so the whole
# query fits the node budget (5,000; schema/limits.py) and still returns everything.
ORG_ADMIN_WIDEST = """query {
  organisation { id name memberCount members(first: 10) { totalCount edges { node { ...C } } }
    creditPool { balance transactions(first: 10) { edges { node { note } } } } }
  clients(first: 10) { totalCount edges { node { ...C } } }
  organisations(first: 10) { edges { node { id name } } }
  sessions(first: 30) { totalCount edges { node { id bookingNotes clientName notes { id body } } } }
  apiKeys { id name }
}
fragment C on Client { id name email healthContext privateNotes organisation { id name }
  notes(first: 10) { totalCount edges { node { id body sharedWithClient } } }
  timeline(first: 10) { totalCount edges { node { kind summary actorName } } }
  creditPool { balance transactions(first: 5) { edges { node { note } } } } }"""


async def test_an_organisation_admins_widest_query_holds_no_note_private_note_or_health_context(town):
    secret_kinds = ("note ", "private notes", "health context", "booking notes")
    canaries = {v: what for v, (what, _) in town.canaries().items() if what.startswith(secret_kinds)}
    assert len(canaries) > 30
    all_ids = [o[1] for o in town.all_objects()]
    for who in ("oa_A", "oa_B", "key_A"):
        p = town.people[who]
        rec = Recorder(town)
        body = await rec.ask(p, "widest", ORG_ADMIN_WIDEST)
        assert not body.get("errors"), body
        members = dig(body, "data", "organisation", "members", "edges")
        listed = dig(body, "data", "clients", "edges")
        assert {e["node"]["id"] for e in members} == {
            gid("Client", c.uid) for c in town.clients.values() if c.org == p.org
        }
        assert {e["node"]["id"] for e in listed} == {e["node"]["id"] for e in members}
        for edge in members + listed:
            node = edge["node"]
            assert node["healthContext"] is None and node["privateNotes"] is None, node
            assert node["notes"] == {"totalCount": 0, "edges": []}, node
            assert node["timeline"] == {"totalCount": 0, "edges": []}, node
        sessions = dig(body, "data", "sessions", "edges")
        assert {e["node"]["id"] for e in sessions} == {
            gid("Session", x.uid) for x in town.sessions.values() if town.clients[x.client].org == p.org
        }
        assert all(e["node"]["bookingNotes"] is None and e["node"]["notes"] == [] for e in sessions), sessions
        for start in range(0, len(all_ids), 100):
            await rec.ask(
                p,
                "nodes(all)",
                f"query($ids: [ID!]!) {{ nodes(ids: $ids) {{ ...N }} }} {NODE_FIELDS}",
                {"ids": all_ids[start : start + 100]},
            )
        leaked = [
            f"{who} {path}: {what}" for _, path, text in rec.texts for value, what in canaries.items() if value in text
        ]
        assert leaked == []
        rec.scan_canaries()
        assert rec.mismatches == [], report(rec.mismatches)
    # The test can see them: the same query as the coach who wrote them shows notes and private notes.
    text = (
        await town.api.post(ORG_ADMIN_WIDEST.replace("apiKeys { id name }", ""), token=town.people["in_A"].token)
    ).text
    assert any(n.body in text for n in town.notes.values()) and any(v in text for v in town.private.values())


# ---------------------------------------------------------------------------- mutations


async def snapshot() -> dict[str, list[str]]:
    """Every row of every table, as text (api_keys.last_used_at aside: reading with a key may touch it)."""
    conn = connections.get("default")
    tables = await conn.execute_query_dict(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'tortoise%' ORDER BY 1"
    )
    out = {}
    for row in tables:
        name = row["tablename"]
        rows = await conn.execute_query_dict(
            f"SELECT (to_jsonb(t) - 'last_used_at')::text AS r FROM \"{name}\" t ORDER BY 1"
        )
        out[name] = [r["r"] for r in rows]
    return out


MUTATIONS = {
    "updateClient": ("UpdateClientInput", "client { id name }"),
    "setClientActive": ("SetClientActiveInput", "client { id active }"),
    "addNote": ("AddNoteInput", "note { id body }"),
    "updateNote": ("UpdateNoteInput", "note { id body }"),
    "deleteNote": ("DeleteNoteInput", "deletedId"),
    "updateOrganisation": ("UpdateOrganisationInput", "organisation { id name }"),
    "revokeApiKey": ("RevokeApiKeyInput", "apiKey { id revokedAt }"),
    "createUser": ("CreateUserInput", "user { id }"),
    "createClient": ("CreateClientInput", "client { id }"),
    "createApiKey": ("CreateApiKeyInput", "apiKey { id } secret"),
    "grantClientCredits": ("GrantClientCreditsInput", "transaction { id }"),
    "grantOrganisationCredits": ("GrantOrganisationCreditsInput", "transaction { id }"),
    "confirmSession": ("SessionInput", "session { id status }"),
    "completeSession": ("SessionInput", "session { id status }"),
    "markNoShow": ("SessionInput", "session { id status }"),
    "declineSession": ("DeclineSessionInput", "session { id status }"),
    "cancelSession": ("CancelSessionInput", "session { id status }"),
    "proposeReschedule": ("ProposeRescheduleInput", "proposal { id }"),
    "bookSession": ("BookSessionInput", "session { id }"),
    "recordPastSession": ("RecordPastSessionInput", "session { id }"),
    "updateService": ("UpdateServiceInput", "service { id name }"),
}

NOT_FOUND_MESSAGES = {
    "clientId": "Client not found.",
    "noteId": "Note not found.",
    "organisationId": "Organisation not found.",
    "apiKeyId": "API key not found.",
    "sessionId": "Session not found.",
    "serviceId": "Service not found.",
}


def not_found(field_name: str) -> tuple:
    return ("user", {"code": "NOT_FOUND", "field": ["input", field_name], "message": NOT_FOUND_MESSAGES[field_name]})


def forbidden_field(field_name: str, message: str) -> tuple:
    return ("user", {"code": "FORBIDDEN", "field": ["input", field_name], "message": message})


async def test_mutations_on_ids_the_actor_may_not_touch_are_refused_and_change_nothing(town):
    api = town.api
    before = await snapshot()
    problems: list[str] = []
    calls = 0

    async def expect(p: Person, name: str, input: dict, outcome: tuple, label: str) -> None:  # noqa: A002
        nonlocal calls
        calls += 1
        input_type, selection = MUTATIONS[name]
        body = await api(
            f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ {selection} userErrors {{ code field message }} }} }}",
            {"input": input},
            p.token,
        )
        if outcome[0] == "top":
            codes = [(e.get("extensions") or {}).get("code") for e in body.get("errors") or []]
            if body.get("data") is not None or codes != [outcome[1]]:
                problems.append(f"{p.key} {name} {label}: expected top-level {outcome[1]}, got {body}")
            return
        payload = dig(body, "data", name)
        if body.get("errors") or payload is None:
            problems.append(f"{p.key} {name} {label}: expected {outcome[1]}, got {body}")
            return
        if payload["userErrors"] != [outcome[1]] or any(v for k, v in payload.items() if k != "userErrors"):
            problems.append(f"{p.key} {name} {label}: expected {outcome[1]}, got {payload}")

    def role_refusal(p: Person, allowed: tuple[str, ...]) -> tuple | None:
        if p.role == ANON:
            return ("top", "UNAUTHENTICATED")
        if p.role not in allowed:
            return ("top", "FORBIDDEN")
        return None

    staff = ("ADMIN", "ORG_ADMIN", "COACH")
    for p in town.people.values():
        for c in town.clients.values():
            cid = gid("Client", c.uid)
            sees = town.sees_client(p, c)
            # updateClient: anyone signed in, on a client in scope; some fields belong to one role.
            refusal = role_refusal(p, ("ADMIN", "ORG_ADMIN", "COACH", "CLIENT"))
            if refusal or not sees:
                await expect(
                    p, "updateClient", {"clientId": cid, "name": "Hacked"}, refusal or not_found("clientId"), c.key
                )
            else:
                if p.role != "CLIENT":
                    await expect(
                        p,
                        "updateClient",
                        {"clientId": cid, "healthContext": "hacked"},
                        forbidden_field("healthContext", "Only the client shares their health context."),
                        c.key,
                    )
                if p.role != "COACH":
                    await expect(
                        p,
                        "updateClient",
                        {"clientId": cid, "privateNotes": "hacked"},
                        forbidden_field("privateNotes", "Only a coach keeps private notes on a client."),
                        c.key,
                    )
                for wrong in (gid("Coach", c.uid), gid("Note", c.uid), "garbage"):
                    await expect(
                        p,
                        "updateClient",
                        {"clientId": wrong, "name": "Hacked"},
                        not_found("clientId"),
                        f"{c.key} as {wrong[:8]}",
                    )
            # setClientActive: staff; a coach only for clients with no organisation.
            refusal = role_refusal(p, staff)
            if refusal or not sees:
                await expect(
                    p, "setClientActive", {"clientId": cid, "active": False}, refusal or not_found("clientId"), c.key
                )
            elif p.role == "COACH" and c.org is not None:
                await expect(
                    p,
                    "setClientActive",
                    {"clientId": cid, "active": False},
                    forbidden_field("active", "You may not change whether this client is active."),
                    c.key,
                )
            # addNote: coaches, on their own clients.
            refusal = role_refusal(p, ("COACH",))
            if refusal or not sees:
                await expect(p, "addNote", {"clientId": cid, "body": "hacked"}, refusal or not_found("clientId"), c.key)
            # grantClientCredits: admins and organisations, on a client in scope; never coaches.
            refusal = role_refusal(p, ("ADMIN", "ORG_ADMIN"))
            if refusal or not sees:
                await expect(
                    p, "grantClientCredits", {"clientId": cid, "amount": 5}, refusal or not_found("clientId"), c.key
                )
            # createUser with clientId: refused for everyone (a login joins a profile only by invitation).
            refusal = role_refusal(p, ("ADMIN", "ORG_ADMIN"))
            await expect(
                p,
                "createUser",
                {
                    "email": f"new-{secrets.token_hex(4)}@example.test",
                    "name": "New",
                    "password": PASSWORD,
                    "role": "CLIENT",
                    "clientId": cid,
                },
                refusal or forbidden_field("clientId", ATTACH_REFUSED),
                c.key,
            )

        for n in town.notes.values():
            nid = gid("Note", n.uid)
            refusal = role_refusal(p, ("COACH",))
            if refusal or n.coach != p.key:
                await expect(p, "updateNote", {"noteId": nid, "body": "hacked"}, refusal or not_found("noteId"), n.key)
                await expect(p, "deleteNote", {"noteId": nid}, refusal or not_found("noteId"), n.key)
            else:
                for wrong in (gid("Client", n.uid), gid("Note", town.clients[n.client].uid), "garbage"):
                    await expect(
                        p,
                        "updateNote",
                        {"noteId": wrong, "body": "hacked"},
                        not_found("noteId"),
                        f"{n.key} as {wrong[:8]}",
                    )
                    await expect(p, "deleteNote", {"noteId": wrong}, not_found("noteId"), f"{n.key} as {wrong[:8]}")

        for o in town.orgs.values():
            oid = gid("Organisation", o.uid)
            refusal = role_refusal(p, ("ADMIN", "ORG_ADMIN"))
            if refusal or (p.role == "ORG_ADMIN" and p.org != o.key):
                await expect(
                    p,
                    "updateOrganisation",
                    {"organisationId": oid, "name": "Hacked"},
                    refusal or not_found("organisationId"),
                    o.key,
                )
                await expect(
                    p,
                    "createApiKey",
                    {"name": "hack", "organisationId": oid},
                    refusal or not_found("organisationId"),
                    o.key,
                )
            elif p.role == "ORG_ADMIN":
                await expect(
                    p,
                    "updateOrganisation",
                    {"organisationId": oid, "active": False},
                    forbidden_field("active", "Only platform admins activate or deactivate organisations."),
                    o.key,
                )
            refusal = role_refusal(p, ("ADMIN",))
            if refusal:
                await expect(p, "grantOrganisationCredits", {"organisationId": oid, "amount": 5}, refusal, o.key)
            # createClient in an organisation not one's own.
            refusal = role_refusal(p, staff)
            if refusal or (p.role in ("ORG_ADMIN", "COACH") and p.org != o.key):
                await expect(
                    p,
                    "createClient",
                    {"name": "Planted", "organisationId": oid},
                    refusal or not_found("organisationId"),
                    o.key,
                )

        refusal = role_refusal(p, ("ADMIN", "ORG_ADMIN"))
        if refusal or not town.sees_api_key(p):
            await expect(
                p, "revokeApiKey", {"apiKeyId": gid("ApiKey", town.api_key)}, refusal or not_found("apiKeyId"), "key A"
            )

        # Sessions: the lifecycle mutations on sessions the actor may not see.
        future = (datetime.now(UTC) + timedelta(days=30)).replace(minute=0, second=0, microsecond=0).isoformat()
        for sess in town.sessions.values():
            sid, label = gid("Session", sess.uid), f"{sess.coach}/{sess.client}"
            sees = town.sees_session(p, sess)
            for name, allowed, extra in (
                ("confirmSession", ("COACH",), {}),
                ("completeSession", ("COACH",), {}),
                ("markNoShow", ("COACH",), {}),
                ("declineSession", ("COACH",), {}),
                ("cancelSession", ("COACH", "CLIENT", "ADMIN"), {}),
                ("proposeReschedule", ("COACH", "CLIENT"), {"startsAt": future}),
            ):
                refusal = role_refusal(p, allowed)
                if refusal or not sees:
                    await expect(p, name, {"sessionId": sid, **extra}, refusal or not_found("sessionId"), label)

        # Booking and recording: a client or a service outside the actor's reach.
        for coach, service in town.services.items():
            for c in town.clients.values():
                if c.key != "a1" and c.key != "b1" and c.key != "g1x":
                    continue  # one member of each organisation and one with none suffice
                input_ = {"serviceId": gid("Service", service), "clientId": gid("Client", c.uid), "startsAt": future}
                refusal = role_refusal(p, ("COACH", "CLIENT", "ADMIN"))
                if refusal:
                    await expect(p, "bookSession", input_, refusal, f"{coach}/{c.key}")
                elif p.role == "COACH" and coach != p.key:
                    await expect(p, "bookSession", input_, not_found("serviceId"), f"{coach}/{c.key}")
                elif (p.role == "COACH" and p.key not in c.coaches) or (p.role == "CLIENT" and p.client != c.key):
                    await expect(p, "bookSession", input_, not_found("clientId"), f"{coach}/{c.key}")
                elif p.role == "CLIENT" and town.coach_orgs[coach] not in (None, p.org):
                    # An INTERNAL coach of another organisation is not on this client's roster.
                    await expect(p, "bookSession", input_, not_found("serviceId"), f"{coach}/{c.key}")
                past = {**input_, "startsAt": "2025-01-06T10:00:00+00:00", "status": "COMPLETED"}
                refusal = role_refusal(p, ("COACH",))
                if refusal:
                    await expect(p, "recordPastSession", past, refusal, f"{coach}/{c.key}")
                elif coach != p.key:
                    await expect(p, "recordPastSession", past, not_found("serviceId"), f"{coach}/{c.key}")
                elif p.key not in c.coaches:
                    await expect(p, "recordPastSession", past, not_found("clientId"), f"{coach}/{c.key}")
            refusal = role_refusal(p, ("COACH",))
            if refusal or coach != p.key:
                await expect(
                    p,
                    "updateService",
                    {"serviceId": gid("Service", service), "name": "Hacked"},
                    refusal or not_found("serviceId"),
                    coach,
                )

    after = await snapshot()
    changed = []
    for table in sorted(set(before) | set(after)):
        if before.get(table) != after.get(table):
            added = sorted(set(after.get(table, [])) - set(before.get(table, [])))
            removed = sorted(set(before.get(table, [])) - set(after.get(table, [])))
            changed.append(f"table {table} changed: +{added[:3]} -{removed[:3]}")
    assert calls > 300
    assert problems + changed == [], report(problems + changed)
