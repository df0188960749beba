from typing import TYPE_CHECKING
from uuid import UUID

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.session import Session


class Feedback(Model):
    id = fields.UUIDField(primary_key=True)
    session: fields.OneToOneRelation["Session"] = fields.OneToOneField(
        "models.Session", related_name="feedback", on_delete=fields.CASCADE
    )
    session_id: UUID
    rating = fields.SmallIntField()  # 1-5, CHECK in the migrations
    comment: str | None = fields.TextField(null=True)
    public_review = fields.BooleanField(default=False)  # the client allows it on Coach.publicReviews
    response: str | None = fields.TextField(null=True)  # the coach's reply
    responded_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "feedback"
