from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import strawberry

import models
from domain import feedback as feedback_rules
from resolvers import notifications as notification_reads
from schema.connection import Connection
from schema.context import Info
from schema.enums import NotificationKind
from schema.errors import ApiError, UserError
from schema.inputs import multiline
from schema.lazy import lazy_class
from schema.node import Entity, loads_nodes

if TYPE_CHECKING:
    from schema.sessions.types import Session

session_type: "Callable[[], type[Session]]" = lazy_class("Session", "schema.sessions.types")


@strawberry.type(
    description="Something the viewer is told about: stored in-app, pushed to notificationAdded and e-mailed when SMTP is configured."
)
class Notification(Entity):
    kind: NotificationKind = strawberry.field(description="What it is about.")
    title: str = strawberry.field(description="A short heading.")
    body: str = strawberry.field(description="The text.")
    created_at: datetime = strawberry.field(description="When it was created.")
    read_at: datetime | None = strawberry.field(description="When the viewer marked it read; null while unread.")
    _m: strawberry.Private[models.Notification]

    @classmethod
    def from_model(cls, m: models.Notification) -> "Notification":
        return cls(
            uid=str(m.id), kind=m.kind, title=m.title, body=m.body, created_at=m.created_at, read_at=m.read_at, _m=m
        )

    @strawberry.field(description="The session it is about, if any.")
    async def session(self, info: Info) -> Annotated["Session", strawberry.lazy("schema.sessions.types")] | None:
        if self._m.session_id is None:
            return None
        row = await info.context.loaders.session.load(self._m.session_id)
        return session_type().from_model(row) if row else None


@strawberry.type(description="A page of notifications, newest first.", name="NotificationConnection")
class NotificationConnection(Connection[Notification]):
    pass


@strawberry.type(description="A client's rating of a completed session. Seen by the client and the session's coach.")
class Feedback(Entity):
    rating: int = strawberry.field(description="1 to 5.")
    comment: str | None = strawberry.field(description="What the client wrote.")
    public_review: bool = strawberry.field(description="The client allows it on the coach's public reviews.")
    response: str | None = strawberry.field(description="The coach's reply.")
    created_at: datetime = strawberry.field(description="When it was left.")
    _m: strawberry.Private[models.Feedback]
    _client_name: strawberry.Private[str | None]

    @classmethod
    def from_model(cls, m: models.Feedback, client_name: str | None = None) -> "Feedback":
        """`client_name`: the session's client's name when the caller read it with the feedback
        (public reviews, whose readers may not read the client)."""
        return cls(
            uid=str(m.id),
            rating=m.rating,
            comment=m.comment,
            public_review=m.public_review,
            response=m.response,
            created_at=m.created_at,
            _m=m,
            _client_name=client_name,
        )

    @strawberry.field(
        description="The client as a public review names them: first name and initial (e.g. 'Mia C.'); null once the client is gone."
    )
    async def reviewer_name(self, info: Info) -> str | None:
        name = self._client_name
        if name is None:
            session = await info.context.loaders.session.load(self._m.session_id)
            client = (
                await info.context.loaders.client.load(session.client_id) if session and session.client_id else None
            )
            name = client.name if client else None
        return feedback_rules.public_name(name) if name else None

    @strawberry.field(description="Readable by those who may read the session; not by readers of public reviews.")
    async def session(self, info: Info) -> Annotated["Session", strawberry.lazy("schema.sessions.types")]:
        row = await info.context.loaders.session.load(self._m.session_id)
        if row is None:  # a public review read by someone outside the session
            raise ApiError("This review's session is not yours to read.", "FORBIDDEN")
        return session_type().from_model(row)


@strawberry.type(name="FeedbackConnection", description="A page of feedback.")
class FeedbackConnection(Connection[Feedback]):
    pass


@strawberry.input(description="The coach's answer to a client's feedback.")
class RespondToFeedbackInput:
    feedback_id: strawberry.ID = strawberry.field(description="Feedback on one of the coach's sessions.")
    response: str = multiline(description="The answer, shown with the review when it is public.")


@strawberry.input(description="Notifications to mark read.")
class MarkNotificationsReadInput:
    notification_ids: list[strawberry.ID] = strawberry.field(
        description="The viewer's notifications (at most 100); others are ignored."
    )


@strawberry.type(description="The result of markNotificationsRead.")
class MarkNotificationsReadPayload:
    updated_count: int = strawberry.field(default=0, description="How many were unread and are now read.")
    user_errors: list[UserError] = strawberry.field(description="Why nothing changed, if so.", default_factory=list)


@strawberry.input(description="Feedback on a completed session.")
class LeaveFeedbackInput:
    session_id: strawberry.ID = strawberry.field(description="The client's own completed session.")
    rating: int = strawberry.field(description="1 to 5.")
    comment: str | None = multiline(description="What the client wants to say.", default=None)
    public_review: bool | None = strawberry.field(default=False, description="Allow it to be shown publicly.")


@strawberry.type(description="The result of leaveFeedback.")
class FeedbackPayload:
    feedback: Feedback | None = strawberry.field(default=None, description="The feedback left.")
    user_errors: list[UserError] = strawberry.field(description="Why none was left, if so.", default_factory=list)


@strawberry.input(description="The client to ask for a review.")
class RequestReviewInput:
    client_id: strawberry.ID = strawberry.field(description="One of the coach's clients, with a login.")


@strawberry.type(description="The result of requestReview.")
class RequestReviewPayload:
    notification: Notification | None = strawberry.field(
        default=None, description="The notification the client received."
    )
    user_errors: list[UserError] = strawberry.field(description="Why nobody was asked, if so.", default_factory=list)


async def session_feedback(info: Info, session_id: UUID) -> Feedback | None:
    """Session.feedback (the caller checked the viewer may read the session's details)."""
    row = await notification_reads.session_feedback(session_id)
    return Feedback.from_model(row) if row else None


@loads_nodes("Notification")
async def load_notifications(info: Info, ids: list[UUID]) -> list[Notification | None]:
    rows = {n.id: n for n in await notification_reads.own_many(info.context.signed_in_viewer, ids)}
    return [Notification.from_model(rows[i]) if i in rows else None for i in ids]


@loads_nodes("Feedback")
async def load_feedback(info: Info, ids: list[UUID]) -> list[Feedback | None]:
    rows = {f.id: f for f in await notification_reads.feedback_many(info.context.signed_in_viewer, ids)}
    return [Feedback.from_model(rows[i]) if i in rows else None for i in ids]
