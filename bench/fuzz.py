"""`make fuzz`: schemathesis against a running `caseload serve`, once per role and anonymous.

It creates (dropping it first) `<database>_fuzz` beside DATABASE_URL's database (else the embedded
server's), starts `caseload serve --with-worker` on a free port against it and REDIS_URL with the
demo practice, signs in as the demo ADMIN, COACH, CLIENT and ORG_ADMIN, has the organisation admin
create an API key, and then runs `st run <url>/graphql` once per identity (anonymous first, ADMIN
last, since the admin's mutations reach everyone's data) with that identity's Authorization header.

Every answer is judged by bench/fuzz_checks.py: an HTTP 5xx, a GraphQL error "Unexpected error." or
a GraphQL error without `extensions.code` is a failure. Per identity it prints the operations
tested, the answers checked and each distinct failure (operation, shortened input, answer); the
exit status is 1 on any failure, or when the server died or an identity's credential stopped
working midway (the run would have gone on as anonymous).

Everything is kept under .fuzz/ (FUZZ_DIR): server.log (the server's own log), st-<who>.log
(schemathesis' report with curl reproductions), answers-<who>.jsonl (one line per answer) and
summary.json.

Knobs (environment): FUZZ_EXAMPLES examples per operation and phase (default 30, about 5-10 minutes
on 2 cores), FUZZ_QUICK=1 a smoke check (3 examples, fuzzing phase only), FUZZ_ROLES a comma list
among anonymous,CLIENT,COACH,API_KEY,ORG_ADMIN,ADMIN, FUZZ_SEED schemathesis' seed (to replay a run),
FUZZ_WORKERS schemathesis' concurrent workers (default 2), FUZZ_UNCODED_VALIDATION=ok to record but
not fail on documents refused by validation without an `extensions.code`.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import dataclasses
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from app import infra
from app import settings as settings_module
from bench.booking import database_url, fresh_database
from bench.fuzz_checks import fails

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(os.environ.get("FUZZ_DIR") or ROOT / ".fuzz")
QUICK = os.environ.get("FUZZ_QUICK", "") not in ("", "0")
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES") or (3 if QUICK else 30))
WORKERS = int(os.environ.get("FUZZ_WORKERS") or 2)
SEED = os.environ.get("FUZZ_SEED") or str(int.from_bytes(os.urandom(8), "big"))
ORDER = ("anonymous", "CLIENT", "COACH", "API_KEY", "ORG_ADMIN", "ADMIN")
ROLES = [r.strip() for r in os.environ.get("FUZZ_ROLES", ",".join(ORDER)).split(",") if r.strip()]
LOGINS = {
    "ADMIN": ("admin@demo.caseload.dev", "demo-admin-password"),
    "COACH": ("coach@demo.caseload.dev", "demo-coach-password"),
    "CLIENT": ("client@demo.caseload.dev", "demo-client-password"),
    "ORG_ADMIN": ("orgadmin@demo.caseload.dev", "demo-orgadmin-password"),
}
REQUEST_TIMEOUT = 30.0
# Operations that can end the identity's own credential (a key revoking itself, a client erasing or
# deactivating themselves): fuzzed in a second pass, after everything else ran with the credential.
LAST = ("Mutation.revokeApiKey", "Mutation.eraseClient", "Mutation.deleteClient", "Mutation.setClientActive")
SHOWN = 300  # characters of an input or an answer shown in the report
VALIDATION_SHOWN = 5  # kinds of uncoded validation errors shown per identity (all are in the .jsonl)

LOGIN = """mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) {
  token userErrors { code field message } } }"""
CREATE_KEY = """mutation { createApiKey(input: {name: "fuzz"}) { secret userErrors { code field message } } }"""
VIEWER = "{ viewer { role } }"


def _cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


# Hostile strings schemathesis puts, with probability HOSTILE_SHARE, in any String or ID argument
# (a "dictionary" in its configuration): control characters, format-string and template bait, time
# zone names that are folders or nothing, forged cursors (base64 JSON, as cursors were before they were sealed), forged
# global ids (base64 "Type:uuid"), overlong text.
HOSTILE_SHARE = 0.25
HOSTILE_STRINGS = [
    "\x00",
    "a\x00b",
    "line\nbreak",
    "tab\tand\rreturn",
    "\x1b[31m",
    "\x7f",
    "\u2028",
    "\ufeff",
    "Brace {nickname}",
    "{0}",
    "%s%s%n",
    "${jndi:x}",
    "{{7*7}}",
    "America",
    "America/",
    "Europe/Nowhere",
    "/etc/localtime",
    "../../etc/passwd",
    "Etc/GMT+99",
    "UTC\x00",
    "utc",
    _cursor("[" * 5000 + "]" * 5000),
    _cursor("[" * 100000),
    _cursor('["\u0000"]'),
    _cursor("[null]"),
    _cursor('[{"dt":"9999-12-31T23:59:59-14:00"},"00000000-0000-0000-0000-000000000000"]'),
    _cursor('[{"dt":"0001-01-01T00:00:00+14:00"}]'),
    _cursor('[{"d":"0000-01-01"},"x"]'),
    _cursor('[1e999,"x"]'),
    _cursor('[{"dt":null},{"d":[]},"x"]'),
    _cursor("\x00"),
    "not a cursor!",
    "====",
    _cursor("Client:\x00"),
    _cursor("Client:not-a-uuid"),
    _cursor("Client:"),
    _cursor("Nope:1"),
    _cursor(":"),
    _cursor("Session:" + "f" * 32),
    _cursor("Client:00000000-0000-0000-0000-000000000000"),
    "a@b",
    "x@" + "a" * 300 + ".com",
    "-1",
    "1e309",
    "NaN",
    "9" * 400,
    "x" * 20000,
]


def schemathesis_config() -> Path:
    """A schemathesis.toml with the hostile dictionary bound to every String and ID argument."""
    path = OUT / "schemathesis.toml"
    values = ", ".join(json.dumps(value) for value in HOSTILE_STRINGS)  # JSON's escapes are TOML's
    path.write_text(
        f"[dictionaries.hostile]\nvalues = [{values}]\n\n"
        f'[generation.dictionaries.string]\ndictionary = "hostile"\nprobability = {HOSTILE_SHARE}\n',
        encoding="utf-8",
    )
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def kind_of(message: str) -> str:
    """A failure's message without the values in it, so one cause reads as one kind."""
    message = re.sub(r'"(?:[^"\\]|\\.)*"', '"…"', message)
    message = re.sub(r"'[^']*'", "'…'", message)
    message = re.sub(r"\{.*\}", "{…}", message, flags=re.S)
    return re.sub(r"-?\d[\d.e+-]*", "N", message)[:120]


def shorten(text: str, limit: int = SHOWN) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ----------------------------------------------------------------------------- the server


class Server:
    def __init__(self, env: dict[str, str], log_path: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [
            sys.executable,
            "-m",
            "app.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--with-worker",
        ]
        help_text = subprocess.run(
            [sys.executable, "-m", "app.cli", "serve", "--help"], env=env, cwd=ROOT, capture_output=True, text=True
        ).stdout
        if "--demo" in help_text:  # newer CLIs load the demo practice only when asked
            command.append("--demo")
        self.log = open(log_path, "w", encoding="utf-8")  # noqa: SIM115 (open while the server runs)
        self.process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)

    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_ready(self, deadline_s: float = 120.0) -> None:
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline:
            if not self.alive():
                raise SystemExit(f"caseload serve exited with {self.process.returncode}; see {self.log.name}")
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"caseload serve did not answer /health within {deadline_s:.0f} s; see {self.log.name}")

    def stop(self) -> None:
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def graphql(server: Server, query: str, variables: dict | None = None, token: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    answer = httpx.post(
        f"{server.url}/graphql",
        json={"query": query, "variables": variables or {}},
        headers=headers,
        timeout=REQUEST_TIMEOUT,
    )
    answer.raise_for_status()
    return answer.json()


def login(server: Server, email: str, password: str) -> str:
    """A token; waits out the login throttle a previous run may have left in Redis."""
    deadline = time.monotonic() + 75
    while True:
        body = graphql(server, LOGIN, {"e": email, "p": password})
        payload = (body.get("data") or {}).get("login") or {}
        if payload.get("token"):
            return payload["token"]
        if time.monotonic() > deadline:
            raise SystemExit(f"could not sign in as {email}: {json.dumps(body)}")
        time.sleep(5)


def credentials(server: Server) -> dict[str, str | None]:
    tokens: dict[str, str | None] = {"anonymous": None}
    for role, (email, password) in LOGINS.items():
        tokens[role] = login(server, email, password)
    body = graphql(server, CREATE_KEY, token=tokens["ORG_ADMIN"])
    secret = ((body.get("data") or {}).get("createApiKey") or {}).get("secret")
    if not secret:
        raise SystemExit(f"the organisation admin could not create an API key: {json.dumps(body)}")
    tokens["API_KEY"] = secret
    return tokens


def viewer_role(server: Server, token: str | None) -> str | None:
    try:
        body = graphql(server, VIEWER, token=token)
    except (httpx.HTTPError, ValueError):
        return "(no answer)"
    viewer = (body.get("data") or {}).get("viewer")
    return viewer.get("role") if viewer else None


# ----------------------------------------------------------------------------- schemathesis


def st_command(server: Server, token: str | None, last: bool) -> list[str]:
    st = shutil.which("st", path=str(Path(sys.executable).parent)) or shutil.which("st")
    if st is None:
        raise SystemExit("schemathesis is not installed: pip install -e '.[fuzz]' (make fuzz does it)")
    command = [
        st,
        "--config-file",
        str(OUT / "schemathesis.toml"),
        "run",
        f"{server.url}/graphql",
        "--checks",
        "caseload_answer",
        "--continue-on-failure",
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        SEED,
        "--workers",
        str(WORKERS),
        "--request-timeout",
        str(REQUEST_TIMEOUT),
        "--no-color",
    ]
    if QUICK:
        command += ["--phases", "fuzzing", "--no-shrink"]
    for label in LAST:
        command += ["--include-name" if last else "--exclude-name", label]
    if token:
        command += ["--header", f"Authorization: Bearer {token}"]
    return command


@dataclasses.dataclass
class Outcome:
    who: str
    seconds: float
    st_status: int
    role_before: str | None
    role_after: str | None
    operations: int = 0
    answers: int = 0
    failures: int = 0
    by_cause: dict = dataclasses.field(default_factory=dict)
    distinct: list = dataclasses.field(default_factory=list)
    problems: list = dataclasses.field(default_factory=list)


def run_role(server: Server, who: str, token: str | None) -> Outcome:
    record = OUT / f"answers-{who}.jsonl"
    record.unlink(missing_ok=True)
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "bench.fuzz_checks", "FUZZ_RECORD": str(record)}
    env.pop("DATABASE_URL", None)  # schemathesis needs neither; the token is on its command line only
    role_before = viewer_role(server, token)
    started = time.monotonic()
    status = 0
    with open(OUT / f"st-{who}.log", "w", encoding="utf-8") as log:
        for last in (False, True):
            log.flush()
            status = max(
                status,
                subprocess.run(
                    st_command(server, token, last), env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
                ).returncode,
            )
            if not last:
                role_middle = viewer_role(server, token)
    seconds = time.monotonic() - started
    outcome = Outcome(
        who, seconds, status, role_before, viewer_role(server, token) if server.alive() else "(server died)"
    )
    expected = None if who == "anonymous" else ("ORG_ADMIN" if who == "API_KEY" else who)
    if outcome.role_before != expected:
        outcome.problems.append(f"before the run the credential was {outcome.role_before!r}, not {expected!r}")
    if role_middle != expected:
        outcome.problems.append(
            f"after the main pass the credential was {role_middle!r}, not {expected!r}"
            " (a fuzzed mutation ended it? the rest ran with less access)"
        )
    elif outcome.role_after != expected:
        print(f"   ({who}: the credential ended in the last pass ({', '.join(LAST)}); expected of a fuzzer)")
    if not server.alive():
        outcome.problems.append(f"caseload serve died (exit {server.process.returncode}); see server.log")

    operations = set()
    causes = collections.Counter()
    distinct: dict[tuple, dict] = {}
    if record.exists():
        for line in record.read_text(encoding="utf-8").splitlines():
            answer = json.loads(line)
            operations.add(answer["operation"])
            outcome.answers += 1
            if answer["cause"] is None:
                continue
            causes[answer["cause"]] += 1
            if not fails(answer["cause"]):
                continue
            outcome.failures += 1
            # Validation refusals are one cause whatever the operation; the rest are per operation.
            where = "*" if answer["cause"] == "uncoded-validation" else answer["operation"]
            key = (answer["cause"], where, kind_of(answer["detail"]))
            known = distinct.get(key)
            if known is None or len(answer["request"]) < len(known["request"]):  # keep the shortest input
                distinct[key] = {**answer, "kind": key[2], "count": (known or {}).get("count", 0)}
            distinct[key]["count"] += 1
    if outcome.answers == 0:
        outcome.problems.append(f"schemathesis checked no answer (exit {status}); see st-{who}.log")
    outcome.operations = len(operations)
    outcome.by_cause = dict(causes)
    outcome.distinct = sorted(distinct.values(), key=lambda f: (f["cause"], f["operation"], -f["count"]))
    return outcome


def report(outcome: Outcome) -> None:
    print(
        f"\n== {outcome.who}: {outcome.operations} operations, {outcome.answers} answers checked, "
        f"{outcome.failures} failures ({len(outcome.distinct)} distinct) in {outcome.seconds:.0f} s"
    )
    for problem in outcome.problems:
        print(f"   ! {problem}")
    for cause, count in sorted(outcome.by_cause.items()):
        print(f"   {cause}: {count}")
    validation = [f for f in outcome.distinct if f["cause"] == "uncoded-validation"]
    for failure in [f for f in outcome.distinct if f["cause"] != "uncoded-validation"] + validation[:VALIDATION_SHOWN]:
        print(
            f"   - {failure['operation']} [{failure['cause']}] x{failure['count']}: {shorten(failure['detail'], 120)}"
        )
        print(f"       input:  {shorten(failure['request'])}")
        print(f"       answer: HTTP {failure['status']} {shorten(failure['answer'])}")
    if len(validation) > VALIDATION_SHOWN:
        print(
            f"   ... and {len(validation) - VALIDATION_SHOWN} more kinds of uncoded validation errors (answers-{outcome.who}.jsonl)"
        )


async def prepare() -> tuple[dict[str, str], str]:
    base = settings_module.from_env()
    address = await fresh_database(infra.database(base), "_fuzz")
    redis_url = base.redis_url or infra.redis_url(base)  # an embedded Redis lives as long as this process
    env = {
        **os.environ,
        "DATABASE_URL": database_url(address),
        "REDIS_URL": redis_url,
        "CASELOAD_ENV": "development",
        "CASELOAD_INTROSPECTION": "1",
    }
    return env, address.database


def main() -> int:
    unknown = [who for who in ROLES if who not in ORDER]
    if unknown:
        print(f"unknown FUZZ_ROLES {unknown}; choose from {', '.join(ORDER)}", file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    schemathesis_config()
    env, database = asyncio.run(prepare())
    server = Server(env, OUT / "server.log")
    started = time.monotonic()
    outcomes: list[Outcome] = []
    try:
        server.wait_ready()
        tokens = credentials(server)
        print(
            f"Fuzzing {server.url}/graphql (database {database}) with schemathesis: {EXAMPLES} examples per"
            f" operation{' (quick: fuzzing phase only)' if QUICK else ''}, seed {SEED}, logs in {OUT}"
        )
        for who in (w for w in ORDER if w in ROLES):
            outcome = run_role(server, who, tokens[who])
            outcomes.append(outcome)
            report(outcome)
            if not server.alive():
                break
    finally:
        server.stop()
        infra.stop_embedded_redis()
    total = time.monotonic() - started
    failures = sum(o.failures for o in outcomes)
    problems = sum(len(o.problems) for o in outcomes)
    print(
        f"\n{sum(o.answers for o in outcomes)} answers checked, {failures} failures, {problems} problems"
        f" in {total:.0f} s (seed {SEED})"
    )
    (OUT / "summary.json").write_text(
        json.dumps(
            {
                "seed": SEED,
                "examples": EXAMPLES,
                "quick": QUICK,
                "seconds": round(total),
                "roles": [dataclasses.asdict(o) for o in outcomes],
            },
            indent=1,
        ),
        encoding="utf-8",
    )
    return 1 if failures or problems or len(outcomes) < len(ROLES) else 0


if __name__ == "__main__":
    sys.exit(main())
