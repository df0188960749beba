from tortoise import fields
from tortoise.models import Model

from models.enums import Role


class User(Model):
    id = fields.UUIDField(primary_key=True)
    email = fields.CharField(max_length=254, unique=True)  # stored lower-cased
    name = fields.CharField(max_length=200)
    password_hash = fields.CharField(max_length=255)
    role = fields.CharEnumField(Role, max_length=16)
    active = fields.BooleanField(default=True)
    # Bumped on deactivation or password change: tokens carrying an older version stop working.
    token_version = fields.IntField(default=0)
    organisation = fields.ForeignKeyField(
        "models.Organisation", related_name="users", null=True, on_delete=fields.RESTRICT
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "users"


class ApiKey(Model):
    id = fields.UUIDField(primary_key=True)
    name = fields.CharField(max_length=200)
    prefix = fields.CharField(max_length=16)
    key_hash = fields.CharField(max_length=64, unique=True)  # sha256 hex of the whole key
    organisation = fields.ForeignKeyField("models.Organisation", related_name="api_keys", on_delete=fields.CASCADE)
    created_by = fields.ForeignKeyField("models.User", related_name="api_keys", null=True, on_delete=fields.SET_NULL)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_keys"
