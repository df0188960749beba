"""What the logs hold (found by the November 2026 outside attack: "Logs"): never the GraphQL document or its variables; errors
raised on purpose at INFO without a traceback, unexpected ones at ERROR with the traceback and the
request id; a request id per request; JSON lines when CASELOAD_LOG_FORMAT=json. (tests/conftest.py
also checks every record of the whole run for the passwords, tokens and private text used.)"""

from __future__ import annotations

import io
import json
import logging

import pytest

from app import logs
from app import settings as settings_module
from models.enums import Role
from tests.support.logs import KeepEverything, leaked

INLINE_CANARY = "zqinlinedocumentcanaryqz"
VARIABLE_CANARY = "zqvariablecanaryqz"
LEAK = f"""query Leaky($k: String) {{
  node(id: "{INLINE_CANARY}") {{ id }}
  coaches(first: 1, after: $k) {{ totalCount }}
}}"""


@pytest.fixture
def records(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def formatted(caplog) -> str:
    handler = KeepEverything()
    return "\n".join(handler.format(r) for r in caplog.records)


async def test_an_unexpected_error_is_logged_with_its_traceback_but_not_the_document(api, world, records, monkeypatch):
    import resolvers.coaches

    def broken(*args, **kwargs):
        raise RuntimeError("the resolver broke")

    monkeypatch.setattr(resolvers.coaches, "coaches", broken)
    coach = await world.user(Role.COACH)
    records.clear()
    response = await api.post(LEAK, {"k": VARIABLE_CANARY}, coach.token, headers={"X-Request-ID": "req-leak-1"})
    text = formatted(records)
    assert leaked([text], {INLINE_CANARY, VARIABLE_CANARY}) == []
    assert "coaches(first" not in text  # no line of the document at all
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "req-leak-1"
    assert [e["message"] for e in response.json()["errors"]] == ["Unexpected error."]

    errors = [r for r in records.records if r.levelno >= logging.ERROR]
    assert [r.getMessage() for r in errors] == ["Unexpected error in coaches"]
    for record in errors:
        assert record.name == "caseload.graphql"
        assert record.exc_info[0] is RuntimeError
        assert record.request_id == "req-leak-1"
        assert record.fields["operation"] == "Leaky"
    assert "Traceback" in text and "RuntimeError: the resolver broke" in text


async def test_errors_raised_on_purpose_are_info_without_traceback(api, world, records):
    coach = await world.user(Role.COACH)
    records.clear()
    # An anonymous call (UNAUTHENTICATED), an unknown service (NOT_FOUND), and a
    # variable of the wrong type whose value graphql-core quotes in its message.
    anonymous = await api("{ coaches(first: 1) { totalCount } }")
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    bad_range = await api(
        '{ availableSlots(serviceId: "x", from: "2030-01-02T00:00:00Z", to: "2030-01-01T00:00:00Z") { startsAt } }',
        token=coach.token,
    )
    assert bad_range["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    wrong_type = await api(
        "mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { token } }",
        {"e": "a@example.test", "p": [VARIABLE_CANARY]},
    )
    assert VARIABLE_CANARY in wrong_type["errors"][0]["message"]  # the caller sees their own value...

    graphql = [r for r in records.records if r.name == "caseload.graphql"]
    assert [(r.levelno, r.fields["code"]) for r in graphql] == [
        (logging.INFO, "UNAUTHENTICATED"),
        (logging.INFO, "NOT_FOUND"),
        (logging.INFO, "GRAPHQL_VALIDATION_FAILED"),
    ]
    assert all(r.exc_info is None for r in graphql)
    assert graphql[0].getMessage() == "GraphQL error UNAUTHENTICATED: Sign in first."
    text = formatted(records)
    assert "Traceback" not in text
    assert VARIABLE_CANARY not in text  # ...the log does not


async def test_request_ids_are_taken_when_sane_and_made_otherwise(api):
    mine = await api.http.post("/graphql", json={"query": "{ __typename }"}, headers={"X-Request-ID": "abc-123.x"})
    assert mine.headers["x-request-id"] == "abc-123.x"
    for bad in ("has space", "x" * 65, 'quote"d', ""):
        made = await api.http.post("/graphql", json={"query": "{ __typename }"}, headers={"X-Request-ID": bad})
        assert len(made.headers["x-request-id"]) == 32 and made.headers["x-request-id"] != bad
    none = await api.http.post("/graphql", json={"query": "{ __typename }"})
    other = await api.http.post("/graphql", json={"query": "{ __typename }"})
    assert none.headers["x-request-id"] != other.headers["x-request-id"]


async def test_json_log_lines(api, world, monkeypatch):
    monkeypatch.setenv("CASELOAD_LOG_FORMAT", "json")
    settings = settings_module.from_env()
    assert settings.log_format == "json"
    coach = await world.user(Role.COACH)
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = logs.configure(settings.log_format, level=logging.INFO, stream=stream)
    try:
        await api.post("query Mine { viewer { role } }", token=coach.token, headers={"X-Request-ID": "json-1"})
        await api.post("{ coaches(first: 1) { totalCount } }", headers={"X-Request-ID": "json-2"})
        logging.getLogger("caseload.test").info("plain %s", "record")
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]  # every line is JSON
    summaries = [line for line in lines if line["logger"] == "caseload.request"]
    assert [{k: s[k] for k in ("request_id", "operation", "role", "status")} for s in summaries] == [
        {"request_id": "json-1", "operation": "Mine", "role": "COACH", "status": 200},
        {"request_id": "json-2", "operation": None, "role": "ANONYMOUS", "status": 200},
    ]
    assert all(isinstance(s["duration_ms"], float) and s["duration_ms"] >= 0 for s in summaries)
    [error] = [line for line in lines if line["logger"] == "caseload.graphql"]
    assert error["level"] == "INFO" and error["code"] == "UNAUTHENTICATED" and error["request_id"] == "json-2"
    assert lines[-1]["message"] == "plain record" and lines[-1]["request_id"] is None
    assert {"time", "level", "logger", "message", "request_id"} <= set(lines[-1])


async def test_a_domain_error_reaching_the_top_keeps_its_code_and_field_and_logs_at_info(
    api, world, records, monkeypatch
):
    import resolvers.coaches
    from domain.errors import invalid

    def refuses(*args, **kwargs):
        raise invalid("Not like that.", "first")

    monkeypatch.setattr(resolvers.coaches, "coaches", refuses)
    coach = await world.user(Role.COACH)
    records.clear()
    body = await api("{ coaches(first: 1) { totalCount } }", token=coach.token)
    assert [(e["message"], e["extensions"]) for e in body["errors"]] == [
        ("Not like that.", {"code": "INVALID", "field": ["first"]})
    ]
    [record] = [r for r in records.records if r.name == "caseload.graphql"]
    assert (record.levelno, record.fields["code"], record.exc_info) == (logging.INFO, "INVALID", None)
    assert record.getMessage() == "GraphQL error INVALID: Not like that."
