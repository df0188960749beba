"""Envelope encryption at rest.

Each client has a data key (a Fernet key) that encrypts their note bodies, private notes, message
bodies and health context. The data key is stored wrapped by the master keys from the settings
(MultiFernet: the first encrypts, all decrypt, so master keys rotate by re-wrapping). Erasing a
client deletes the data key: every copy of their ciphertext, backups included, becomes unreadable.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Literal, overload
from uuid import UUID

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

import models

_master: MultiFernet | None = None
_master_keys: tuple[bytes, ...] = ()


def configure(master_keys: tuple[str, ...] | list[str]) -> None:
    global _master, _master_keys
    if not master_keys:
        raise RuntimeError("no master keys configured")
    _master_keys = tuple(k.encode() if isinstance(k, str) else k for k in master_keys)
    _master = MultiFernet([Fernet(k) for k in _master_keys])


def keyed_digests(message: bytes) -> list[bytes]:
    """HMAC-SHA256 of `message` under each master key, newest first: a secret the server can
    work out again while the database holds only its hash (a calendar feed's address). Older
    keys give the values made before a rotation."""
    _keyring()  # configured
    return [hmac.new(key, message, hashlib.sha256).digest() for key in _master_keys]


def _keyring() -> MultiFernet:
    if _master is None:
        raise RuntimeError("encryption.configure() was not called at start-up")
    return _master


def seal(text: str) -> bytes:
    """Encrypt a short-lived secret with the master keys (e.g. a token waiting to be e-mailed)."""
    return _keyring().encrypt(text.encode("utf-8"))


def unseal(sealed: bytes | None) -> str | None:
    if sealed is None:
        return None
    try:
        return _keyring().decrypt(bytes(sealed)).decode("utf-8")
    except InvalidToken:
        return None


class ClientCipher:
    """Encrypts and decrypts one client's values."""

    def __init__(self, data_key: bytes):
        self._fernet = Fernet(data_key)

    def encrypt(self, text: str) -> bytes:
        return self._fernet.encrypt(text.encode("utf-8"))

    def decrypt(self, token: bytes | None) -> str | None:
        if token is None:
            return None
        try:
            return self._fernet.decrypt(bytes(token)).decode("utf-8")
        except InvalidToken:
            return None


def cipher_from_wrapped(wrapped_key: bytes | None) -> ClientCipher | None:
    """The cipher of a data key already read (e.g. joined into a list query); None when erased."""
    return ClientCipher(_keyring().decrypt(bytes(wrapped_key))) if wrapped_key is not None else None


@overload
async def cipher_for(client_id: UUID, *, create: Literal[True]) -> ClientCipher: ...
@overload
async def cipher_for(client_id: UUID, *, create: bool = False) -> ClientCipher | None: ...
async def cipher_for(client_id: UUID, *, create: bool = False) -> ClientCipher | None:
    """The client's cipher; None when the client has no key (erased) and `create` is False."""
    row = await models.ClientDataKey.get_or_none(client_id=client_id)
    if row is None:
        if not create:
            return None
        data_key = Fernet.generate_key()
        row = await models.ClientDataKey.create(client_id=client_id, wrapped_key=_keyring().encrypt(data_key))
        return ClientCipher(data_key)
    return ClientCipher(_keyring().decrypt(bytes(row.wrapped_key)))


async def ciphers_for(client_ids: list[UUID]) -> dict[UUID, ClientCipher]:
    """Ciphers for many clients in one query (list pages)."""
    rows = await models.ClientDataKey.filter(client_id__in=list(set(client_ids))).values("client_id", "wrapped_key")
    return {r["client_id"]: ClientCipher(_keyring().decrypt(bytes(r["wrapped_key"]))) for r in rows}


async def rewrap_all(batch: int = 500) -> int:
    """Re-wrap every data key with the newest master key (after adding one); returns rows done.
    Data values need no re-encryption: only the small wrapped keys change."""
    keyring = _keyring()
    done = 0
    last_id = None
    while True:
        query = models.ClientDataKey.all().order_by("id").limit(batch)
        if last_id is not None:
            query = query.filter(id__gt=last_id)
        rows = await query
        if not rows:
            return done
        for row in rows:
            row.wrapped_key = keyring.rotate(bytes(row.wrapped_key))
            await row.save(update_fields=["wrapped_key"])
        done += len(rows)
        last_id = rows[-1].id
