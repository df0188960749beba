from __future__ import annotations

from datetime import datetime
from typing import Annotated, Optional

import strawberry

from models.enums import Role
from resolvers import api_keys, coaches, messages, notifications, organisations, sessions, users
from schema.enums import CoachKind
from schema.permissions import signed_in
from schema.accounts.api_keys import ApiKey
from schema.coaches.types import CoachConnection, TimeSlot
from schema.messages.types import ConversationConnection, MessageTemplate
from schema.notifications.types import NotificationConnection
from schema.organisations.types import Organisation, OrganisationConnection
from schema.sessions.types import Session, SessionConnection, SessionFilter
from schema.accounts.types import Viewer


@strawberry.type
class Query:
    @strawberry.field(permission_classes=signed_in())
    async def viewer(self, info: strawberry.Info) -> Viewer:
        return await users.viewer(info)

    @strawberry.field(permission_classes=signed_in(), description=(
        "Role-scoped: a coach's own sessions, a client's own, an organisation's members' (no notes), all for admins."))
    async def sessions(
        self, info: strawberry.Info, first: Optional[int] = 50, after: Optional[str] = None,
        filter: Optional[SessionFilter] = None,  # noqa: A002
    ) -> SessionConnection:
        return await sessions.sessions(info, first, after, filter)

    @strawberry.field(permission_classes=signed_in())
    async def session(self, info: strawberry.Info, id: strawberry.ID) -> Optional[Session]:  # noqa: A002
        return await sessions.session(info, id)

    @strawberry.field(permission_classes=signed_in())
    async def coaches(
        self, info: strawberry.Info, first: Optional[int] = 50, after: Optional[str] = None, kind: Optional[CoachKind] = None
    ) -> CoachConnection:
        return await coaches.coaches(info, first, after, kind)

    @strawberry.field(permission_classes=signed_in())
    async def available_slots(
        self, info: strawberry.Info, service_id: strawberry.ID,
        from_: Annotated[datetime, strawberry.argument(name="from")], to: datetime,
    ) -> list[TimeSlot]:
        return await coaches.available_slots(info, service_id, from_, to)

    @strawberry.field(permission_classes=signed_in(), description="Defaults to the viewer's own organisation.")
    async def organisation(self, info: strawberry.Info, id: Optional[strawberry.ID] = None) -> Optional[Organisation]:  # noqa: A002
        return await organisations.organisation(info, id)

    @strawberry.field(permission_classes=signed_in())
    async def organisations(self, info: strawberry.Info, first: Optional[int] = 50, after: Optional[str] = None) -> OrganisationConnection:
        return await organisations.organisations(info, first, after)

    @strawberry.field(permission_classes=signed_in(Role.COACH, Role.CLIENT))
    async def conversations(
        self, info: strawberry.Info, first: Optional[int] = 50, after: Optional[str] = None, unread_only: Optional[bool] = False
    ) -> ConversationConnection:
        return await messages.conversations(info, first, after, bool(unread_only))

    @strawberry.field(permission_classes=signed_in(Role.COACH))
    async def message_templates(self, info: strawberry.Info) -> list[MessageTemplate]:
        return await messages.message_templates(info)

    @strawberry.field(permission_classes=signed_in())
    async def notifications(
        self, info: strawberry.Info, first: Optional[int] = 50, after: Optional[str] = None, unread_only: Optional[bool] = False
    ) -> NotificationConnection:
        return await notifications.notifications(info, first, after, bool(unread_only))

    @strawberry.field(permission_classes=signed_in(Role.ADMIN, Role.ORG_ADMIN))
    async def api_keys(self, info: strawberry.Info) -> list[ApiKey]:
        return await api_keys.api_keys(info)


