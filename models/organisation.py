from tortoise import fields
from tortoise.models import Model


class Organisation(Model):
    id = fields.UUIDField(primary_key=True)
    name = fields.CharField(max_length=200)
    active = fields.BooleanField(default=True)
    booking_starts_on = fields.DateField(null=True)
    booking_ends_on = fields.DateField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "organisations"
