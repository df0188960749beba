"""Browser origins over HTTP: pages on the allowed origins (CASELOAD_ALLOWED_ORIGINS; the tests allow
APP_ORIGIN) may call the API with a bearer token; pages elsewhere get no Access-Control-* headers, so a
browser neither sends their preflighted requests nor lets them read an answer. Sockets use the same
list (tests/workers/test_subscriptions.py)."""

from __future__ import annotations

from models.enums import Role
from tests.support.api import APP_ORIGIN

OTHER_ORIGIN = "https://elsewhere.example"
VIEWER = {"query": "{ viewer { role } }"}


def preflight(origin: str) -> dict:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }


async def test_a_preflight_from_the_allowed_origin_is_answered_with_post_and_the_two_headers(api):
    answer = await api.http.options("/graphql", headers=preflight(APP_ORIGIN))

    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == APP_ORIGIN
    assert "POST" in answer.headers["access-control-allow-methods"].split(", ")
    allowed_headers = {h.strip().lower() for h in answer.headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "content-type"} <= allowed_headers
    assert answer.headers["access-control-max-age"] == "600"


async def test_a_preflight_from_another_origin_gets_no_access_control_headers(api):
    answer = await api.http.options("/graphql", headers=preflight(OTHER_ORIGIN))

    assert answer.status_code == 400
    assert not [name for name in answer.headers if name.lower().startswith("access-control-")]


async def test_a_post_from_the_allowed_origin_may_be_read_by_its_page(api, world):
    coach = await world.user(Role.COACH)
    answer = await api.http.post(
        "/graphql", json=VIEWER, headers={"Origin": APP_ORIGIN, "Authorization": f"Bearer {coach.token}"}
    )

    assert answer.status_code == 200
    assert answer.json() == {"data": {"viewer": {"role": "COACH"}}}
    assert answer.headers["access-control-allow-origin"] == APP_ORIGIN


async def test_a_post_from_another_origin_carries_no_allow_origin(api, world):
    coach = await world.user(Role.COACH)
    answer = await api.http.post(
        "/graphql", json=VIEWER, headers={"Origin": OTHER_ORIGIN, "Authorization": f"Bearer {coach.token}"}
    )

    assert "access-control-allow-origin" not in answer.headers


async def test_same_origin_pages_and_clients_without_an_origin_need_no_cors(api, world):
    coach = await world.user(Role.COACH)
    auth = {"Authorization": f"Bearer {coach.token}"}
    same = await api.http.post("/graphql", json=VIEWER, headers={"Origin": "http://test", **auth})
    none = await api.http.post("/graphql", json=VIEWER, headers=auth)

    assert same.json() == none.json() == {"data": {"viewer": {"role": "COACH"}}}
    assert "access-control-allow-origin" not in none.headers
