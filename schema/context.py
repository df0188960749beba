"""The one typed context of a request: the viewer, the services, the loaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from strawberry.types import Info as StrawberryInfo

from domain.viewer import Viewer
from schema.errors import unauthenticated
from schema.loaders import Loaders


@dataclass
class Context:
    settings: Any  # app.settings.Settings
    auth: Any  # app.auth.Authenticator: issue_token, login throttle
    viewer: Viewer | None
    client_address: str | None = None
    push_jobs: Any = None  # async (outbox rows written) -> None, given by the app
    events: Any = None  # app.events.EventHub: live events for subscriptions
    connection_params: Any = None  # graphql-transport-ws connection_init payload
    subscriptions: int = 0  # open on this socket
    credential: Any = None  # app.auth.Credential the socket signed in with
    socket: Any = None  # app.sockets.CaseloadSocket: may_deliver() before each event
    request: Any = None
    response: Any = None
    log_fields: dict | None = None  # the request's summary log line (app.logs), filled as it runs
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.viewer)

    @property
    def signed_in_viewer(self) -> Viewer:
        """The viewer of a field only the signed-in reach (its permission classes let them through)."""
        if self.viewer is None:
            raise unauthenticated()
        return self.viewer

    def sign_in(self, viewer: Viewer) -> None:
        """A socket authenticated in connection_init: its viewer and loaders from then on."""
        self.viewer = viewer
        self.loaders = Loaders(viewer)


Info = StrawberryInfo[Context, None]
