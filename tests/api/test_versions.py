"""Installed versions at or above the releases that closed known holes (strawberry-graphql
0.327.2, PyJWT 2.13.0, argon2-cffi 25.1), and password hashing at OWASP's argon2id floor."""

from __future__ import annotations

import re
from importlib.metadata import version

import pytest
from packaging.version import Version

from domain import passwords

FLOORS = {
    # multipart CSRF, node-ID type confusion, graphql-ws auth bypass, depth-limiter recursion,
    # aliases through fragments, GraphiQL header leak, awaitable permission results
    "strawberry-graphql": "0.327.2",
    "pyjwt": "2.13.0",
    "argon2-cffi": "25.1",
}


@pytest.mark.parametrize("package, floor", FLOORS.items())
def test_version_floor(package, floor):
    assert Version(version(package)) >= Version(floor), f"{package} {version(package)} < {floor}"


async def test_passwords_are_argon2id_at_owasp_floor_or_above():
    hashed = await passwords.hash_password("correct horse battery")
    match = re.fullmatch(r"\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+", hashed)
    assert match, hashed
    memory_kib, time_cost, parallelism = map(int, match.groups())
    assert memory_kib >= 19456  # 19 MiB
    assert time_cost >= 2
    assert parallelism >= 1
    assert await passwords.verify_password(hashed, "correct horse battery")
    assert not await passwords.verify_password(hashed, "correct horse batterY")
