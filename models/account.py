from typing import TYPE_CHECKING
from uuid import UUID

from tortoise import fields
from tortoise.models import Model

from models.enums import AccountTokenKind

if TYPE_CHECKING:
    from models.client import Client
    from models.user import User


class AccountToken(Model):
    """A single-use token e-mailed to a person: an invitation that attaches a new login to an
    existing client profile, or a password reset. Only a SHA-256 of the token is stored (tokens
    are long random strings, so a slow hash adds nothing). `sealed_token` is the token encrypted
    with the master keys, kept only until the e-mail worker has sent it (then NULL): the API never
    reads it."""

    id = fields.UUIDField(primary_key=True)
    kind = fields.CharEnumField(AccountTokenKind, max_length=16)
    token_hash = fields.CharField(max_length=64, unique=True)
    email = fields.CharField(max_length=254)  # where the token was sent
    # INVITATION: the profile the login will join. PASSWORD_RESET: the login.
    client: fields.ForeignKeyNullableRelation["Client"] = fields.ForeignKeyField(
        "models.Client", related_name="invitations", null=True, on_delete=fields.CASCADE
    )
    client_id: UUID | None
    user: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name="account_tokens", null=True, on_delete=fields.CASCADE
    )
    user_id: UUID | None
    created_by: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name="tokens_issued", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: UUID | None
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    voided_at = fields.DatetimeField(null=True)  # replaced by a newer token of the same purpose
    sealed_token = fields.BinaryField(null=True)

    class Meta:
        table = "account_tokens"
