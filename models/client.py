from typing import TYPE_CHECKING
from uuid import UUID

from tortoise import fields
from tortoise.contrib.postgres.fields import ArrayField
from tortoise.models import Model

from models.enums import ClientCategory

if TYPE_CHECKING:
    from models.coach import Coach
    from models.organisation import Organisation
    from models.user import User


class Client(Model):
    id = fields.UUIDField(primary_key=True)
    # The login of a client who signs in; many clients are managed by coaches and never do.
    user: fields.OneToOneNullableRelation["User"] = fields.OneToOneField(
        "models.User", related_name="client", null=True, on_delete=fields.SET_NULL
    )
    user_id: UUID | None
    name = fields.CharField(max_length=200)
    email = fields.CharField(max_length=254, null=True)
    phone = fields.CharField(max_length=50, null=True)
    whatsapp = fields.CharField(max_length=50, null=True)
    address: fields.JSONField[dict[str, str] | None] = fields.JSONField(null=True)
    birth_date = fields.DateField(null=True)
    organisation: fields.ForeignKeyNullableRelation["Organisation"] = fields.ForeignKeyField(
        "models.Organisation", related_name="members", null=True, on_delete=fields.RESTRICT
    )
    organisation_id: UUID | None
    active = fields.BooleanField(default=True)
    tags = ArrayField(element_type="text", default=list)
    focus_areas = ArrayField(element_type="text", default=list)
    health_context_enc = fields.BinaryField(null=True)  # encrypted with the client's data key
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "clients"


class ClientDataKey(Model):
    """The client's own data key, wrapped by the master keys. Deleting it makes every encrypted
    value of the client unreadable, backups included (erasure)."""

    id = fields.UUIDField(primary_key=True)
    client: fields.OneToOneRelation["Client"] = fields.OneToOneField(
        "models.Client", related_name="data_key", on_delete=fields.CASCADE
    )
    client_id: UUID
    wrapped_key = fields.BinaryField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "client_data_keys"


class CoachClient(Model):
    """A coach-client relationship: the row behind the My Clients table."""

    id = fields.UUIDField(primary_key=True)
    coach: fields.ForeignKeyRelation["Coach"] = fields.ForeignKeyField(
        "models.Coach", related_name="relationships", on_delete=fields.CASCADE
    )
    coach_id: UUID
    client: fields.ForeignKeyRelation["Client"] = fields.ForeignKeyField(
        "models.Client", related_name="relationships", on_delete=fields.CASCADE
    )
    client_id: UUID
    private_notes_enc = fields.BinaryField(null=True)
    category = fields.CharEnumField(ClientCategory, max_length=32, default=ClientCategory.PROSPECTIVE)
    # The instant the category next changes on its own; NULL = never.
    category_valid_until = fields.DatetimeField(null=True)
    last_session_at = fields.DatetimeField(null=True)
    next_session_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "coach_clients"
        unique_together = (("coach", "client"),)
