"""The client list's relationship filters and orders (issue 14): serviceIds, relationshipSince,
minSessionsLast90Days, the RELATIONSHIP_SINCE and SESSIONS_LAST_90_DAYS orders and
Client.sessionsLast90Days, against a known set of clients, with ties and pages, alone and combined
with the older filters."""

import base64
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

import pytest

from domain import categories, clock
from models import CoachClient
from models.enums import Role
from tests.support.api import Actor, Api, World
from tests.support.booking import BOOK, CREATE_SERVICE, record, setup_coach
from tests.support.credits import GRANT
from tests.support.database import empty_all
from tests.support.dates import utc
from tests.support.messages import SEND_MESSAGE

NOW = utc(2030, 6, 1, 12)
LIST = """query($first: Int, $after: String, $filter: ClientFilter, $order: ClientOrder) {
  myClients(first: $first, after: $after, filter: $filter, orderBy: $order) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id name sessionsLast90Days } } } }"""
ALL_LIST = LIST.replace("myClients(", "clients(")
SETTINGS = "mutation($i: UpdateCoachSettingsInput!) { updateCoachSettings(input: $i) { userErrors { code } } }"


@dataclass
class Known:
    api: Api
    coach: Actor
    admin: Actor
    services: dict[str, str]  # "A", "B", and "other" (another coach's)
    ids: dict[str, str]  # first name -> client id


@pytest.fixture(scope="module")
async def known(app, redis):
    """A coach in New York with five clients (first names below), built once; the tests only read.

    since (UTC; New York day)   sessions with the coach (NOW = 2030-06-01 12:00 UTC)    last 90 days
    Ann  2030-01-10 10:00 (01-10)  A completed -10 d, -20 d, -100 d; another coach's -4 d  2
    Ben  2030-03-01 03:00 (02-28)  B no-show -5 d, B completed -6 d                        2
    Cat  2030-03-01 12:00 (03-01)  A cancelled -3 d; B confirmed +2 d                       0
    Dan  2030-05-20 12:00 (05-20)  A completed -1 d, -2 d, -3 d (one at 03:00)               3
    Eve  2030-05-20 12:00 (05-20)  none                                                      0
    Ties: Ann and Ben at 2 sessions, Cat and Eve at 0, Dan and Eve since the same instant."""
    await empty_all(redis)
    api = Api(app)
    world = World(api)
    try:
        admin = await world.admin()
        coach, service_a = await setup_coach(api, world)
        other, other_service = await setup_coach(api, world)
        created = await api.ok(
            CREATE_SERVICE, {"i": {"name": "B", "durationMinutes": 60, "format": "VIDEO", "credits": 1}}, coach.token
        )
        service_b = created["createService"]["service"]["id"]
        ids = {}

        clock.freeze(utc(2030, 1, 10, 10))
        ann = await world.user(Role.CLIENT, name="Ann Archer")  # a client who wrote first, to both coaches
        await api.ok(SEND_MESSAGE, {"i": {"coachId": coach.coach_id, "body": "Hello"}}, ann.token)
        await api.ok(SEND_MESSAGE, {"i": {"coachId": other.coach_id, "body": "Hello"}}, ann.token)
        ids["Ann"] = ann.client_id
        for name, since in (
            ("Ben Baker", utc(2030, 3, 1, 3)),
            ("Cat Cole", utc(2030, 3, 1, 12)),
            ("Dan Dunn", utc(2030, 5, 20, 12)),
            ("Eve Eden", utc(2030, 5, 20, 12)),
        ):
            clock.freeze(since)
            ids[name.split()[0]] = await world.client_of(coach, name)

        clock.freeze(NOW)
        await api.ok(SETTINGS, {"i": {"timezone": "America/New_York"}}, coach.token)
        days = lambda n, hour=12: NOW.replace(hour=hour) - timedelta(days=n)  # noqa: E731
        for client, service, starts, status in (
            ("Ann", service_a, days(10), "COMPLETED"),
            ("Ann", service_a, days(20), "COMPLETED"),
            ("Ann", service_a, days(100), "COMPLETED"),
            ("Ben", service_b, days(5), "NO_SHOW"),
            ("Ben", service_b, days(6), "COMPLETED"),
            ("Cat", service_a, days(3, 15), "CANCELLED"),
            ("Dan", service_a, days(1), "COMPLETED"),
            ("Dan", service_a, days(2), "COMPLETED"),
            ("Dan", service_a, days(3, 3), "COMPLETED"),
        ):
            await record(api, coach, service, ids[client], starts, status)
        await record(api, other, other_service, ids["Ann"], days(4), "COMPLETED")
        await api.ok(GRANT, {"input": {"clientId": ids["Cat"], "amount": 2}}, admin.token)
        booked = await api.ok(
            BOOK,
            {"i": {"serviceId": service_b, "clientId": ids["Cat"], "startsAt": (NOW + timedelta(days=2)).isoformat()}},
            coach.token,
        )
        assert booked["bookSession"]["userErrors"] == []
        await categories.recalculate_pairs([(r.coach_id, r.client_id) for r in await CoachClient.all()])
        yield Known(api, coach, admin, {"A": service_a, "B": service_b, "other": other_service}, ids)
    finally:
        clock.reset()
        await api.http.aclose()


@pytest.fixture(autouse=True)
def at_now():
    """Every test reads the list at NOW (the suite resets the clock around each test)."""
    clock.freeze(NOW)


def raw(global_id: str) -> UUID:
    """The uuid inside a global id (the ordering's tie-breaker)."""
    return UUID(base64.b64decode(global_id).decode().split(":", 1)[1])


async def listed(known: Known, query: str = LIST, token: str | None = None, **variables) -> list[dict]:
    data = await known.api.ok(query, variables, token or known.coach.token)
    connection = data.get("myClients") or data.get("clients")
    assert connection["totalCount"] == len(connection["edges"])
    return [e["node"] for e in connection["edges"]]


async def names(known: Known, **variables) -> list[str]:
    return [n["name"].split()[0] for n in await listed(known, **variables)]


def ordered(known: Known, key: dict[str, object], descending: bool) -> list[str]:
    """First names by (key, id), as the list orders them (ties broken by id)."""
    return sorted(key, key=lambda n: (key[n], raw(known.ids[n])), reverse=descending)


LAST_90 = {"Ann": 2, "Ben": 2, "Cat": 0, "Dan": 3, "Eve": 0}
SINCE = {"Ann": 0, "Ben": 1, "Cat": 2, "Dan": 3, "Eve": 3}  # the instants' order; Dan and Eve equal


@pytest.mark.parametrize(
    "filter_, expected",
    [
        ({"serviceIds": ["A"]}, ["Ann", "Dan"]),  # Cat's A session was cancelled
        ({"serviceIds": ["B"]}, ["Ben", "Cat"]),  # Cat's is still ahead
        ({"serviceIds": ["A", "B"]}, ["Ann", "Ben", "Cat", "Dan"]),
        ({"serviceIds": ["other"]}, []),  # another coach's service: their sessions, not this coach's
        ({"serviceIds": []}, []),
        ({"relationshipSince": {"from": "2030-03-01"}}, ["Cat", "Dan", "Eve"]),  # Ben's began Feb 28 in New York
        ({"relationshipSince": {"to": "2030-02-28"}}, ["Ann", "Ben"]),
        ({"relationshipSince": {"from": "2030-02-28", "to": "2030-03-01"}}, ["Ben", "Cat"]),
        ({"relationshipSince": {"from": "2030-05-20", "to": "2030-05-20"}}, ["Dan", "Eve"]),
        ({"relationshipSince": {}}, ["Ann", "Ben", "Cat", "Dan", "Eve"]),
        ({"minSessionsLast90Days": 0}, ["Ann", "Ben", "Cat", "Dan", "Eve"]),
        ({"minSessionsLast90Days": 2}, ["Ann", "Ben", "Dan"]),  # Ann's -100 d and other coach's do not count
        ({"minSessionsLast90Days": 3}, ["Dan"]),
        ({"minSessionsLast90Days": 4}, []),
        # Combined with each other and with the older filters: AND.
        ({"serviceIds": ["A"], "minSessionsLast90Days": 3}, ["Dan"]),
        ({"serviceIds": ["B"], "relationshipSince": {"from": "2030-03-01"}}, ["Cat"]),
        ({"serviceIds": ["B"], "anyOf": ["CREDITS_AVAILABLE"]}, ["Cat"]),
        ({"minSessionsLast90Days": 2, "anyOf": ["NO_CREDITS", "INACTIVE"]}, ["Ann", "Ben", "Dan"]),
        ({"minSessionsLast90Days": 2, "search": "baker"}, ["Ben"]),
        ({"minSessionsLast90Days": 0, "categories": ["BOOKED"]}, ["Cat"]),
        ({"relationshipSince": {"to": "2030-03-01"}, "categories": ["PREVIOUSLY_BOOKED_0_14"]}, ["Ann", "Ben"]),
        ({"relationshipSince": {"from": "2030-03-01"}, "categories": ["PREVIOUSLY_BOOKED_0_14"]}, ["Dan"]),
    ],
)
async def test_each_filter_alone_and_combined(known, filter_, expected):
    if "serviceIds" in filter_:
        filter_ = {**filter_, "serviceIds": [known.services[s] for s in filter_["serviceIds"]]}
    assert await names(known, filter=filter_) == expected


async def test_sessions_in_the_last_90_days_per_client(known):
    rows = await listed(known)
    assert {n["name"].split()[0]: n["sessionsLast90Days"] for n in rows} == LAST_90
    # Other viewers see no relationship: no number, and relationship filters match nothing.
    rows = await listed(known, ALL_LIST, known.admin.token)
    assert {n["sessionsLast90Days"] for n in rows} == {None} and len(rows) == 5
    for filter_ in (
        {"serviceIds": [known.services["A"]]},
        {"relationshipSince": {}},
        {"minSessionsLast90Days": 0},
    ):
        assert await listed(known, ALL_LIST, known.admin.token, filter=filter_) == []


@pytest.mark.parametrize("field, key", [("SESSIONS_LAST_90_DAYS", LAST_90), ("RELATIONSHIP_SINCE", SINCE)])
@pytest.mark.parametrize("direction", ["ASC", "DESC"])
@pytest.mark.parametrize("page_size", [1, 2, 5])
async def test_orders_break_ties_by_id_and_page_through_every_client_once(known, field, key, direction, page_size):
    order = {"field": field, "direction": direction}
    expected = ordered(known, key, direction == "DESC")
    assert await names(known, order=order) == expected
    seen, after = [], None
    for _ in range(6):
        data = await known.api.ok(LIST, {"first": page_size, "after": after, "order": order}, known.coach.token)
        page = data["myClients"]
        assert page["totalCount"] == 5
        seen += [e["node"]["name"].split()[0] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == expected


async def test_orders_with_filters_and_for_other_viewers(known):
    by_engagement = {"field": "SESSIONS_LAST_90_DAYS", "direction": "DESC"}
    filtered = {"serviceIds": [known.services["A"], known.services["B"]], "relationshipSince": {"to": "2030-03-01"}}
    assert await names(known, filter=filtered, order=by_engagement) == ordered(
        known, {n: LAST_90[n] for n in ("Ann", "Ben", "Cat")}, True
    )
    first = await known.api.ok(
        LIST, {"first": 1, "filter": {"minSessionsLast90Days": 1}, "order": by_engagement}, known.coach.token
    )
    assert [e["node"]["name"] for e in first["myClients"]["edges"]] == ["Dan Dunn"]
    after = first["myClients"]["pageInfo"]["endCursor"]
    rest = await known.api.ok(
        LIST,
        {"filter": {"minSessionsLast90Days": 1}, "order": by_engagement, "after": after},
        known.coach.token,
    )
    assert rest["myClients"]["totalCount"] == 3
    rest = [e["node"] for e in rest["myClients"]["edges"]]
    assert [n["name"].split()[0] for n in rest] == ordered(known, {"Ann": 2, "Ben": 2}, True)
    # Relationship orders mean nothing to an admin: by name (in the direction asked), as for CATEGORY.
    for field in ("SESSIONS_LAST_90_DAYS", "RELATIONSHIP_SINCE"):
        rows = await listed(known, ALL_LIST, known.admin.token, order={"field": field, "direction": "DESC"})
        assert [n["name"] for n in rows] == ["Eve Eden", "Dan Dunn", "Cat Cole", "Ben Baker", "Ann Archer"]


@pytest.mark.parametrize(
    "variables, field",
    [
        ({"filter": {"minSessionsLast90Days": -1}}, ["filter", "minSessionsLast90Days"]),
        ({"filter": {"minSessionsLast90Days": 10_001}}, ["filter", "minSessionsLast90Days"]),
        (
            {"filter": {"relationshipSince": {"from": "2030-03-02", "to": "2030-03-01"}}},
            ["filter", "relationshipSince"],
        ),
        ({"filter": {"serviceIds": ["x"] * 101}}, ["filter", "serviceIds"]),
    ],
)
async def test_bad_filters_are_a_coded_error(known, variables, field):
    body = await known.api(LIST, variables, known.coach.token)
    assert body["data"] is None
    assert [(e["extensions"]["code"], e["extensions"]["field"]) for e in body["errors"]] == [("INVALID", field)]


async def test_a_cursor_of_one_relationship_order_is_refused_by_another(known):
    by_since = {"field": "RELATIONSHIP_SINCE", "direction": "ASC"}
    page = await known.api.ok(LIST, {"first": 2, "order": by_since}, known.coach.token)
    cursor = page["myClients"]["pageInfo"]["endCursor"]
    body = await known.api(
        LIST,
        {"first": 2, "after": cursor, "order": {"field": "SESSIONS_LAST_90_DAYS", "direction": "ASC"}},
        known.coach.token,
    )
    assert body["data"] is None and [e["extensions"]["code"] for e in body["errors"]] == ["INVALID"]
