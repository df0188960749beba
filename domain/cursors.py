"""Keyset cursors: the sort key and id of a page's last row, as JSON sealed with AES-SIV under a
key derived from the app's secret key, then base64url. A sort key can be a client's name, which
must not end up in URLs and logs: sealed, a cursor shows nothing of it, and one changed or made
outside the API fails authentication. AES-SIV is deterministic (no nonce), so the same position
always gives the same cursor, as clients caching pages expect; it reveals only that two cursors
are the same position.

A cursor is bound to whoever it was given to and to its list and ordering (the AES-SIV associated
data, `binding`): it opens for no one else and for no other list. Otherwise another user could use
a cursor seen in a URL or log as `after` in their own list and learn where the sealed name falls
among names they can see (the outside attack of November 2026).

The one rule for reading a cursor back: it must open under the key, and every value must be of the
kind its column holds, text single-line and instants within validation's years (domain.validation),
so a forged cursor is one BadCursor (INVALID, naming `after`) and never reaches SQL."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from domain import validation
from domain.errors import DomainError, ErrorCode
from domain.viewer import Viewer

MAX_LENGTH = 1000  # ours are about a hundred characters; longer ones are never opened
NOT_A_CURSOR = "`after` is not a cursor this API gave out."

Check = Callable[[Any], Any]  # a cursor value as JSON -> the value for SQL; ValueError when it cannot be one


class BadCursor(DomainError):
    def __init__(self) -> None:
        super().__init__(ErrorCode.INVALID, NOT_A_CURSOR, "after")


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, UUID):
        return str(value)
    return value


_KEY_INFO = b"caseload keyset cursors v1"  # keeps this key apart from anything else derived from the secret
_cipher: AESSIV | None = None


def configure(secret_key: str) -> None:
    """Derive the cursor key from the app's secret key (at start-up, as encryption.configure)."""
    global _cipher
    key = HKDF(algorithm=hashes.SHA256(), length=64, salt=None, info=_KEY_INFO).derive(secret_key.encode())
    _cipher = AESSIV(key)


def _sealer() -> AESSIV:
    if _cipher is None:
        raise RuntimeError("cursors.configure() was not called at start-up")
    return _cipher


def binding(viewer: Viewer, list_name: str) -> str:
    """What a cursor is bound to: the user (or API key) it is given to, and its list and ordering."""
    return f"{viewer.api_key_id or viewer.user_id}:{list_name}"


def seal(raw: bytes, bound_to: str) -> str:
    """The cursor for these JSON bytes (encode's last step; tests seal forged contents with it)."""
    return base64.urlsafe_b64encode(_sealer().encrypt(raw, [bound_to.encode()])).decode().rstrip("=")


def _open(cursor: str, bound_to: str) -> bytes:
    """The JSON bytes inside a cursor; InvalidTag or ValueError when it is not one of ours, or
    was given to someone else or for another list."""
    sealed = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    # base64 decoding skips stray characters and a last character's spare bits: only the exact
    # text given out is a cursor, so no changed cursor ever reads as the same one.
    if base64.urlsafe_b64encode(sealed).decode().rstrip("=") != cursor:
        raise ValueError("not canonical")
    return _sealer().decrypt(sealed, [bound_to.encode()])


def encode(values: Sequence[Any], bound_to: str) -> str:
    return seal(json.dumps([_json_value(v) for v in values], separators=(",", ":")).encode(), bound_to)


def identifier(value: Any) -> UUID:
    if not isinstance(value, str):
        raise ValueError("id")
    return UUID(value)


def text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("text")
    return validation.single_line(value, "after")


def integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not -(2**31) <= value < 2**31:
        raise ValueError("integer")
    return value


def instant(value: Any, *, also: Sequence[datetime] = ()) -> datetime:
    """An aware instant within validation's years, in UTC; `also`: the ordering's own stand-ins
    for a missing value, which lie outside them."""
    if not isinstance(value, dict) or set(value) != {"dt"} or not isinstance(value["dt"], str):
        raise ValueError("instant")
    parsed = datetime.fromisoformat(value["dt"])
    if parsed.tzinfo is None:
        raise ValueError("instant")
    if parsed in also:  # aware datetimes compare as instants
        return parsed.astimezone(UTC)
    return validation.instant(parsed, "after").astimezone(UTC)


def instant_or(*also: datetime) -> Check:
    return lambda value: instant(value, also=also)


def decode(cursor: str | None, checks: Sequence[Check], bound_to: str) -> list[Any] | None:
    """The cursor's values, one per check, each checked; None for no cursor. Anything else
    (garbage, changed or forged, deep JSON, wrong shapes or kinds, NUL, surrogates, instants out of
    range) is BadCursor."""
    if not cursor:
        return None
    if len(cursor) > MAX_LENGTH:
        raise BadCursor()
    try:
        values = json.loads(_open(cursor, bound_to))
        if not isinstance(values, list) or len(values) != len(checks):
            raise ValueError("shape")
        return [check(value) for check, value in zip(checks, values, strict=True)]
    # binascii, UnicodeDecode and JSONDecode errors are ValueErrors; DomainError from validation
    except (InvalidTag, ValueError, TypeError, OverflowError, RecursionError, DomainError):
        raise BadCursor() from None
