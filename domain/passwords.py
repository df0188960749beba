"""Password hashing with argon2id, off the event loop."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from domain.errors import invalid

# OWASP's floor for argon2id: m = 19 MiB, t = 2, p = 1.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Checked when the e-mail is unknown, so both answers take the same time.
_DUMMY_HASH = _hasher.hash("caseload-dummy-password")

MIN_LENGTH = 10
MAX_LENGTH = 1024


def check(password: str, field: str = "password") -> str:
    """The password rules, the same wherever a password is chosen (account, invitation, reset)."""
    if len(password) < MIN_LENGTH or len(password) > MAX_LENGTH:
        raise invalid(f"Passwords need {MIN_LENGTH} to {MAX_LENGTH} characters.", field)
    return password


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(stored_hash: str | None, password: str) -> bool:
    def check() -> bool:
        try:
            return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(check)


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)
