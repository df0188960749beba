"""The check `make fuzz` adds to schemathesis (loaded through SCHEMATHESIS_HOOKS by bench/fuzz.py).

Every answer schemathesis receives is judged here and written, one JSON line each, to the file named
by FUZZ_RECORD, so bench/fuzz.py can count answers per operation and group the failures. A failure:
an HTTP 5xx, a GraphQL error reading "Unexpected error." (an exception the server did not raise on
purpose, masked), or a GraphQL error without `extensions.code` ("uncoded" when a field raised it,
"uncoded-validation" for a document refused before execution: no `path`). FUZZ_UNCODED_VALIDATION=ok
still records the latter but does not fail on it. It also gives the Date and DateTime scalars
strategies with hostile values.
"""

from __future__ import annotations

import json
import os
import threading

import schemathesis
from hypothesis import strategies as st
from schemathesis.graphql import nodes

UNEXPECTED = "Unexpected error."
_lock = threading.Lock()


# schemathesis' own Date and DateTime values are all well-formed instants of years 1-9999; mix in the
# edges an attacker sends (years 0 and 10000 once converted to UTC, impossible dates, no offset).
HOSTILE_INSTANTS = [
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "9999-12-31T23:59:59Z",
    "0000-01-01T00:00:00Z",
    "10000-01-01T00:00:00Z",
    "+010000-01-01T00:00:00Z",
    "2026-02-30T10:00:00Z",
    "2026-11-30T24:00:00Z",
    "2026-11-30T10:00:00",
    "2026-11-30T10:00:00+25:00",
    "2026-11-30",
    "",
    "now",
]
HOSTILE_DATES = ["0001-01-01", "9999-12-31", "0000-01-01", "10000-01-01", "2026-02-30", "2026-11-30T10:00:00Z", ""]
schemathesis.graphql.scalar(
    "DateTime",
    st.one_of(
        st.datetimes(timezones=st.timezones()).map(lambda moment: moment.isoformat()),
        st.sampled_from(HOSTILE_INSTANTS),
    ).map(nodes.String),
)
schemathesis.graphql.scalar("Date", st.one_of(st.dates().map(str), st.sampled_from(HOSTILE_DATES)).map(nodes.String))


def judge(status: int, body: bytes) -> tuple[str | None, str]:
    """(cause, detail): cause is None for a sound answer, else "5xx", "unexpected", "uncoded" or
    "uncoded-validation"."""
    if status >= 500:
        return "5xx", f"HTTP {status}"
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None, f"HTTP {status}, not JSON"  # a 4xx with a plain body (413, 400...) is a refusal
    errors = payload.get("errors") if isinstance(payload, dict) else None
    for error in errors or []:
        if not isinstance(error, dict):
            return "uncoded", "an error that is not an object"
        if error.get("message") == UNEXPECTED:
            return "unexpected", UNEXPECTED
    for error in errors or []:
        code = (error.get("extensions") or {}).get("code")
        if not code:
            return ("uncoded" if error.get("path") else "uncoded-validation"), str(error.get("message"))
    return None, f"HTTP {status}"


def fails(cause: str | None) -> bool:
    if cause == "uncoded-validation":
        return os.environ.get("FUZZ_UNCODED_VALIDATION") != "ok"
    return cause is not None


def _request_text(response) -> str:
    body = response.request.body
    if isinstance(body, bytes):
        return body.decode("utf-8", "backslashreplace")
    return body or ""


@schemathesis.check
def caseload_answer(ctx, response, case):
    """No 5xx, no "Unexpected error.", every GraphQL error coded."""
    cause, detail = judge(response.status_code, response.content)
    path = os.environ.get("FUZZ_RECORD")
    if path:
        line = {"operation": case.operation.label, "status": response.status_code, "cause": cause, "detail": detail}
        if cause is not None:
            line["request"] = _request_text(response)
            line["answer"] = response.content.decode("utf-8", "backslashreplace")[:2000]
        with _lock, open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\n")
    if fails(cause):
        raise AssertionError(f"{cause}: {detail[:300]}")
