from typing import TYPE_CHECKING
from uuid import UUID

from tortoise import fields
from tortoise.models import Model

from models.enums import CreditPoolKind, CreditReason

if TYPE_CHECKING:
    from models.client import Client
    from models.organisation import Organisation
    from models.session import Session
    from models.user import User


class CreditPool(Model):
    """One per client and one per organisation. balance = the sum of its ledger, never < 0
    (CHECK constraint in the migrations)."""

    id = fields.UUIDField(primary_key=True)
    kind = fields.CharEnumField(CreditPoolKind, max_length=16)
    client: fields.OneToOneNullableRelation["Client"] = fields.OneToOneField(
        "models.Client", related_name="credit_pool", null=True, on_delete=fields.SET_NULL
    )
    client_id: UUID | None
    organisation: fields.OneToOneNullableRelation["Organisation"] = fields.OneToOneField(
        "models.Organisation", related_name="credit_pool", null=True, on_delete=fields.RESTRICT
    )
    organisation_id: UUID | None
    balance = fields.IntField(default=0)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "credit_pools"


class CreditTransaction(Model):
    """Append-only ledger row (a trigger in the migrations refuses UPDATE and DELETE)."""

    id = fields.UUIDField(primary_key=True)
    pool: fields.ForeignKeyRelation["CreditPool"] = fields.ForeignKeyField(
        "models.CreditPool", related_name="transactions", on_delete=fields.RESTRICT
    )
    pool_id: UUID
    delta = fields.IntField()
    balance_after = fields.IntField()
    reason = fields.CharEnumField(CreditReason, max_length=16)
    session: fields.ForeignKeyNullableRelation["Session"] = fields.ForeignKeyField(
        "models.Session", related_name="credit_transactions", null=True, on_delete=fields.RESTRICT
    )
    session_id: UUID | None
    note: str | None = fields.TextField(null=True)
    idempotency_key = fields.CharField(max_length=200, null=True)
    created_by: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name="credit_transactions", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: UUID | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "credit_transactions"
        unique_together = (("pool", "idempotency_key"),)
