"""The one typed context of a request: the viewer, the services, the loaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from strawberry.types import Info as StrawberryInfo

from domain.viewer import Viewer
from schema.loaders import Loaders


@dataclass
class Context:
    settings: Any  # app.settings.Settings
    auth: Any  # app.auth.Authenticator: issue_token, login throttle
    viewer: Viewer | None
    client_address: str | None = None
    push_jobs: Any = None  # async (outbox ids) -> None, given by the app
    request: Any = None
    response: Any = None
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.viewer)


Info = StrawberryInfo[Context, None]
