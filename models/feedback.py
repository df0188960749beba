from tortoise import fields
from tortoise.models import Model


class Feedback(Model):
    id = fields.UUIDField(primary_key=True)
    session = fields.OneToOneField("models.Session", related_name="feedback", on_delete=fields.CASCADE)
    rating = fields.SmallIntField()  # 1-5, CHECK in the migrations
    comment = fields.TextField(null=True)
    public_review = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "feedback"
