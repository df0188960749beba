"""Subscription sockets (graphql-transport-ws) that live no longer than their credential and run
subscriptions only.

A socket closes with 4403 and a reason, its subscriptions cancelled first so nothing more is
sent: at its token's `exp` (a timer); when a "credentials ended" event about its user, API key or
organisation arrives (app.events hears it from Redis pub/sub, so every process closes its own
sockets at once) and a re-check of the credential fails; and when the re-check made before each
delivery fails, so a lost signal or a change made behind the API's back still delivers nothing."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections import defaultdict
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

from graphql import (
    GraphQLError,
    GraphQLFormattedError,
    OperationDefinitionNode,
    OperationType,
    get_operation_ast,
    parse,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ErrorMessage

from app.auth import Authenticator, Credential
from domain import events
from schema.build import MAX_TOKENS
from schema.context import Context

if TYPE_CHECKING:
    from app.http import CaseloadGraphQL

log = logging.getLogger("caseload.sockets")

CREDENTIAL_ENDED = 4403
# Close reasons for a connection_init that does not sign in (strawberry's own is "Forbidden").
NO_CREDENTIAL = 'Sign in first: connection_init needs {"authorization": "Bearer <token or API key>"}'
CREDENTIAL_REFUSED = "Token or API key not accepted: expired, signed out, revoked or malformed"
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,99}")  # a GraphQL name: safe to echo back
ONLY_SUBSCRIPTIONS: GraphQLFormattedError = {
    "message": "Only subscriptions run over this socket; send queries and mutations over HTTP POST.",
    "extensions": {"code": "INVALID"},
}


class SocketRegistry:
    """This process's open sockets, by the user, API key and organisation they signed in as."""

    def __init__(self, auth: Authenticator):
        self.auth = auth
        self._sockets: dict[tuple[str, UUID], set[CaseloadSocket]] = defaultdict(set)
        self._tasks: set[asyncio.Task] = set()

    @staticmethod
    def _keys(credential: Credential) -> list[tuple[str, UUID]]:
        viewer = credential.viewer
        if viewer.api_key_id is not None:
            keys = [(events.API_KEY_CREDENTIALS, viewer.api_key_id)]
            if viewer.organisation_id is not None:
                keys.append((events.ORGANISATION_CREDENTIALS, viewer.organisation_id))
            return keys
        return [(events.USER_CREDENTIALS, viewer.user_id)] if viewer.user_id else []

    def add(self, socket: CaseloadSocket, credential: Credential) -> None:
        for key in self._keys(credential):
            self._sockets[key].add(socket)

    def remove(self, socket: CaseloadSocket, credential: Credential) -> None:
        for key in self._keys(credential):
            held = self._sockets.get(key)
            if held is not None:
                held.discard(socket)
                if not held:
                    del self._sockets[key]

    def credentials_ended(self, kind: str, object_id: UUID) -> None:
        """A credential of `kind` ended: re-check the sockets signed in with it, close the ones
        it no longer holds (a socket opened with the fresh token after a password change stays)."""
        held = list(self._sockets.get((kind, object_id), ()))
        if held:
            self.spawn(self._recheck(held))

    def recheck_all(self) -> None:
        """After the event listener lost Redis for a while: a credential may have ended unheard."""
        every = list({socket for held in self._sockets.values() for socket in held})
        if every:
            self.spawn(self._recheck(every))

    async def _recheck(self, sockets: list[CaseloadSocket]) -> None:
        for socket in sockets:
            if socket.credential is None:  # not signed in, so never registered
                continue
            reason = await self.auth.why_ended(socket.credential)
            if reason is not None:
                await socket.end(reason)

    def spawn(self, coroutine: Coroutine[Any, Any, None]) -> asyncio.Task:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("closing a socket failed", exc_info=task.exception())


class SignInRefused(Exception):
    """Raised by the view's on_ws_connect: connection_init did not sign in. The socket closes with
    4403 and this reason (strawberry's ConnectionRejectionError would close with "Forbidden")."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class CaseloadSocket(BaseGraphQLTransportWSHandler[Context, None]):
    """strawberry's graphql-transport-ws handler, plus the credential's lifetime and the
    subscriptions-only rule. The view's on_ws_connect puts the credential in the context."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # The only view that uses this handler (app.http sets it as its handler class).
        self.registry: SocketRegistry = cast("CaseloadGraphQL", self.view).auth_holder["sockets"]
        self.credential: Credential | None = None
        self.ended = False
        self._expiry: asyncio.Task | None = None

    async def handle_connection_init(self, message: Any) -> None:
        try:
            await super().handle_connection_init(message)
        except SignInRefused as refusal:
            await self.websocket.close(code=CREDENTIAL_ENDED, reason=refusal.reason)
            return
        credential = getattr(self.context, "credential", None)
        if not self.connection_acknowledged or credential is None or self.credential is not None:
            return
        self.credential = credential
        self.registry.add(self, credential)
        self.context.socket = self
        if credential.expires_at is not None:
            self._expiry = asyncio.create_task(self._end_at(credential.expires_at))

    async def _end_at(self, instant: float) -> None:
        await asyncio.sleep(max(0.0, instant - time.time()))
        await self.end("Token expired")

    async def may_deliver(self) -> bool:
        """Asked before every event: is the credential still good? If not, the socket closes, in
        a task of its own: this runs inside an operation, which the close cancels (so it ends
        without even a `complete`)."""
        if self.ended or self.credential is None:
            return False
        reason = await self.registry.auth.why_ended(self.credential)
        if reason is None:
            return True
        await asyncio.shield(self.registry.spawn(self.end(reason)))
        return False

    async def end(self, reason: str) -> None:
        """Close with 4403: the subscriptions are cancelled first, so nothing more is sent."""
        if self.ended:
            return
        self.ended = True
        for operation_id in list(self.operations):
            await self.cleanup_operation(operation_id)
        with contextlib.suppress(Exception):  # the client may be gone already
            await self.websocket.close(code=CREDENTIAL_ENDED, reason=reason)

    async def handle_subscribe(self, message: Any) -> None:
        if self.ended:
            return
        if self.connection_acknowledged and message["id"] not in self.operations:
            refusal = _refusal(message["payload"])
            if refusal is not None:
                # graphql-transport-ws `error`: the operation never runs, so nothing changes.
                await self.send_message(ErrorMessage(id=message["id"], type="error", payload=[refusal]))
                return
        await super().handle_subscribe(message)

    async def shutdown(self) -> None:
        if self.credential is not None:
            self.registry.remove(self, self.credential)
        if self._expiry is not None:
            self._expiry.cancel()
        await super().shutdown()


def _invalid(message: str) -> GraphQLFormattedError:
    return {"message": message, "extensions": {"code": "INVALID"}}


def _refusal(payload: Any) -> GraphQLFormattedError | None:
    """Why this subscribe must not run: a query or mutation, or a document without exactly one
    operation to run (strawberry failed on those with "Unexpected error."). None for a
    subscription; anything malformed is left to strawberry, which answers it as before (4400 for
    a syntax error, the token limit, and so on)."""
    query = payload.get("query") if isinstance(payload, dict) else None
    if not isinstance(query, str):
        return None
    try:
        document = parse(query, max_tokens=MAX_TOKENS)
    except GraphQLError:
        return None
    name = payload.get("operationName")
    if name is not None and not isinstance(name, str):
        return _invalid("`operationName` must be a string.")
    operation = get_operation_ast(document, name)
    if operation is None:
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if name is not None:
            return _invalid(
                f"The document has no operation named {name}."
                if _NAME.fullmatch(name)
                else "The document has no operation of that name."
            )
        if operations:
            return _invalid("The document has several operations; name the one to run in `operationName`.")
        return _invalid("The document has no operation.")
    if operation.operation is not OperationType.SUBSCRIPTION:
        return ONLY_SUBSCRIPTIONS
    return None
