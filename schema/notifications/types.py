from __future__ import annotations

from datetime import datetime
from typing import Annotated, Optional
from uuid import UUID

import strawberry

import models
from schema.connection import Connection
from schema.enums import NotificationKind
from schema.errors import UserError
from schema.inputs import multiline
from schema.node import Entity, loads_nodes


@strawberry.type
class Notification(Entity):
    kind: NotificationKind
    title: str
    body: str
    created_at: datetime
    read_at: Optional[datetime]
    _m: strawberry.Private[models.Notification]

    @classmethod
    def from_model(cls, m: models.Notification) -> "Notification":
        return cls(uid=str(m.id), kind=m.kind, title=m.title, body=m.body, created_at=m.created_at, read_at=m.read_at, _m=m)

    @strawberry.field
    async def session(self, info: strawberry.Info) -> Optional[Annotated["Session", strawberry.lazy("schema.sessions.types")]]:
        from schema.sessions.types import Session

        if self._m.session_id is None:
            return None
        row = await info.context.loaders.session.load(self._m.session_id)
        return Session.from_model(row) if row else None


@strawberry.type(name="NotificationConnection")
class NotificationConnection(Connection[Notification]):
    pass


@strawberry.type
class Feedback(Entity):
    rating: int
    comment: Optional[str]
    public_review: bool
    created_at: datetime
    _m: strawberry.Private[models.Feedback]

    @classmethod
    def from_model(cls, m: models.Feedback) -> "Feedback":
        return cls(uid=str(m.id), rating=m.rating, comment=m.comment, public_review=m.public_review, created_at=m.created_at, _m=m)

    @strawberry.field
    async def session(self, info: strawberry.Info) -> Annotated["Session", strawberry.lazy("schema.sessions.types")]:
        from schema.sessions.types import Session

        return Session.from_model(await models.Session.get(id=self._m.session_id))


@strawberry.input
class MarkNotificationsReadInput:
    notification_ids: list[strawberry.ID]


@strawberry.type
class MarkNotificationsReadPayload:
    updated_count: int = 0
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class LeaveFeedbackInput:
    session_id: strawberry.ID
    rating: int
    comment: Optional[str] = multiline(default=None)
    public_review: Optional[bool] = False


@strawberry.type
class FeedbackPayload:
    feedback: Optional[Feedback] = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RequestReviewInput:
    client_id: strawberry.ID


@strawberry.type
class RequestReviewPayload:
    notification: Optional[Notification] = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@loads_nodes("Notification")
async def load_notifications(info, ids: list[UUID]) -> list[Optional[Notification]]:
    user_id = info.context.viewer.user_id
    rows = {n.id: n for n in await models.Notification.filter(user_id=user_id, id__in=ids)} if user_id else {}
    return [Notification.from_model(rows[i]) if i in rows else None for i in ids]


@loads_nodes("Feedback")
async def load_feedback(info, ids: list[UUID]) -> list[Optional[Feedback]]:
    from tortoise.expressions import Subquery

    from domain import access

    viewer = info.context.viewer
    if not access.may_read_session_details(viewer):  # organisations see no feedback text
        return [None] * len(ids)
    visible = models.Session.filter(access.sessions(viewer)).values("id")
    rows = {f.id: f for f in await models.Feedback.filter(id__in=ids, session_id__in=Subquery(visible))}
    return [Feedback.from_model(rows[i]) if i in rows else None for i in ids]
