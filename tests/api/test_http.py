"""HTTP as GraphQL clients expect (GraphQL over HTTP): application/graphql-response+json for the
clients that ask for it, with 4xx and no `data` for a request that never ran; application/json
answers as before; POST with a JSON body only (405 with Allow: POST, 415); Apollo's automatic
persisted-query probe turned down in the words that switch its link off."""

from __future__ import annotations

import pytest

from models.enums import Role

GRAPHQL_RESPONSE = "application/graphql-response+json"
APOLLO_ACCEPT = "application/graphql-response+json,application/json;q=0.9"


async def post(api, body: dict, accept: str | None, token: str | None = None):
    headers = {"Accept": accept} if accept else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return await api.http.post("/graphql", json=body, headers=headers)


@pytest.mark.parametrize(
    "accept", [APOLLO_ACCEPT, GRAPHQL_RESPONSE, "application/json, application/graphql-response+json"]
)
async def test_a_client_that_asks_for_graphql_response_json_gets_it(api, world, accept):
    coach = await world.user(Role.COACH)
    answer = await post(api, {"query": "{ viewer { role } }"}, accept, coach.token)

    assert answer.status_code == 200
    assert answer.headers["content-type"] == GRAPHQL_RESPONSE
    assert answer.json() == {"data": {"viewer": {"role": "COACH"}}}


@pytest.mark.parametrize(
    "accept",
    [None, "application/json", "*/*", "application/graphql-response+json;q=0.5, application/json", "text/html"],
)
async def test_other_clients_get_application_json(api, world, accept):
    coach = await world.user(Role.COACH)
    answer = await post(api, {"query": "{ viewer { role } }"}, accept, coach.token)

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"


REQUEST_ERRORS = [
    pytest.param({"query": "{ viewer { role "}, "GRAPHQL_PARSE_FAILED", id="does-not-parse"),
    pytest.param({"query": "{ viewer { nosuchfield } }"}, "GRAPHQL_VALIDATION_FAILED", id="does-not-validate"),
    pytest.param(
        {"query": "query($id: ID!) { node(id: $id) { id } }", "variables": {"id": {"not": "an id"}}},
        None,
        id="variables-do-not-fit",
    ),
]


@pytest.mark.parametrize("body, code", REQUEST_ERRORS)
async def test_a_request_that_never_ran_is_400_without_data_in_graphql_response_json(api, world, body, code):
    coach = await world.user(Role.COACH)
    answer = await post(api, body, APOLLO_ACCEPT, coach.token)

    assert answer.status_code == 400
    assert answer.headers["content-type"] == GRAPHQL_RESPONSE
    payload = answer.json()
    assert "data" not in payload
    assert payload["errors"]
    if code is not None:
        assert payload["errors"][0]["extensions"]["code"] == code


@pytest.mark.parametrize("body, code", REQUEST_ERRORS)
async def test_application_json_keeps_200_and_null_data_for_the_same_requests(api, world, body, code):
    coach = await world.user(Role.COACH)
    answer = await post(api, body, "application/json", coach.token)

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    payload = answer.json()
    assert payload["data"] is None and payload["errors"]


async def test_a_field_error_is_still_200_with_data_in_graphql_response_json(api):
    # Signed out, `viewer`-less fields that need a sign-in fail on their field: the request ran.
    answer = await post(api, {"query": "{ myClients(first: 1) { totalCount } }"}, APOLLO_ACCEPT)

    assert answer.status_code == 200
    assert answer.headers["content-type"] == GRAPHQL_RESPONSE
    payload = answer.json()
    assert "data" in payload
    assert payload["errors"][0]["path"] == ["myClients"]


async def test_strawberrys_own_refusals_are_graphql_errors_in_graphql_response_json(api):
    missing_query = await post(api, {"variables": {}}, APOLLO_ACCEPT)
    bad_json = await api.http.post(
        "/graphql", content=b"{not json", headers={"content-type": "application/json", "accept": APOLLO_ACCEPT}
    )

    for answer in (missing_query, bad_json):
        assert answer.status_code == 400
        assert answer.headers["content-type"] == GRAPHQL_RESPONSE
        assert "data" not in answer.json()
        assert answer.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    # application/json: strawberry's plain-text answer, as before.
    assert (await post(api, {"variables": {}}, "application/json")).text == "No GraphQL query found in the request"


@pytest.mark.parametrize("accept", [None, "application/json", "application/graphql-response+json"])
async def test_get_is_405_with_allow_post(api, world, accept):
    coach = await world.user(Role.COACH)
    headers = {"Authorization": f"Bearer {coach.token}", **({"Accept": accept} if accept else {})}
    answer = await api.http.get("/graphql", params={"query": "{ viewer { role } }"}, headers=headers)

    assert answer.status_code == 405
    assert answer.headers["allow"] == "POST"
    assert answer.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"
    assert "data" not in answer.json()


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"])
async def test_other_methods_are_405_with_allow_post(api, method):
    answer = await api.http.request(method, "/graphql", headers={"Accept": "application/json"})

    assert answer.status_code == 405
    assert answer.headers["allow"] == "POST"


async def test_a_browser_asking_for_the_page_still_gets_graphiql(api):
    for accept in ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "*/*"):
        page = await api.http.get("/graphql", headers={"Accept": accept})
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/graphql", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"],
)
async def test_a_body_that_is_not_json_is_415(api, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    answer = await api.http.post("/graphql", content=b'{"query": "{ __typename }"}', headers=headers)

    assert answer.status_code == 415
    assert answer.json() == {
        "errors": [
            {
                "message": "Send GraphQL requests as a JSON body (Content-Type: application/json).",
                "extensions": {"code": "UNSUPPORTED_MEDIA_TYPE"},
            }
        ]
    }


async def test_json_with_a_charset_is_json(api):
    answer = await api.http.post(
        "/graphql",
        content=b'{"query": "{ __typename }"}',
        headers={"Content-Type": "application/json; charset=utf-8"},
    )

    assert answer.status_code == 200
    assert answer.json() == {"data": {"__typename": "Query"}}


APQ_PROBE = {
    "operationName": "Viewer",
    "variables": {},
    "extensions": {
        "persistedQuery": {
            "version": 1,
            "sha256Hash": "ecf4edb46db40b5132295c0291d62fb65d6759a9eedfa4d5d612dd5ec54a6b38",
        }
    },
}
PERSISTED_QUERY_NOT_SUPPORTED = {
    "message": "PersistedQueryNotSupported",
    "extensions": {"code": "PERSISTED_QUERY_NOT_SUPPORTED"},
}


async def test_an_automatic_persisted_query_probe_is_told_persisted_queries_are_not_supported(api):
    as_json = await post(api, APQ_PROBE, "application/json")
    as_graphql_response = await post(api, APQ_PROBE, APOLLO_ACCEPT)

    assert as_json.status_code == 200
    assert as_json.json() == {"data": None, "errors": [PERSISTED_QUERY_NOT_SUPPORTED]}
    assert as_graphql_response.status_code == 400
    assert as_graphql_response.json() == {"errors": [PERSISTED_QUERY_NOT_SUPPORTED]}


async def test_the_query_apollo_sends_next_runs_with_its_hash_ignored(api, world):
    coach = await world.user(Role.COACH)
    body = {**APQ_PROBE, "query": "query Viewer { viewer { role } }"}

    answer = await post(api, body, APOLLO_ACCEPT, coach.token)

    assert answer.status_code == 200
    assert answer.json() == {"data": {"viewer": {"role": "COACH"}}}


async def test_refusals_before_graphql_answer_in_the_media_type_asked_for(api):
    too_large = b'{"query": "{ __typename }", "pad": "' + b"x" * 200_000 + b'"}'
    answers = {
        413: await api.http.post(
            "/graphql", content=too_large, headers={"content-type": "application/json", "accept": APOLLO_ACCEPT}
        ),
        415: await api.http.post(
            "/graphql", content=b"{}", headers={"content-type": "text/plain", "accept": APOLLO_ACCEPT}
        ),
        405: await api.http.put("/graphql", headers={"accept": APOLLO_ACCEPT}),
    }

    for status, answer in answers.items():
        assert answer.status_code == status
        assert answer.headers["content-type"] == GRAPHQL_RESPONSE
        assert set(answer.json()) == {"errors"}
