"""Invitations and password resets (account_tokens), and e-mail-only notifications.

A notification that carries an account token's e-mail has no user (the invitee has no login yet;
a reset link is never shown in-app): it is addressed through its token, so `user_id` becomes
nullable and exactly one of the two addresses it. The indexes serve the cascades from clients,
users and tokens, and the lookup of a client's or a user's open tokens (a newer one voids them)."""

from uuid import uuid4

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from models.enums import AccountTokenKind, NotificationKind


class Migration(migrations.Migration):
    dependencies = [("models", "0005_client_order_indexes")]

    initial = False

    operations = [
        ops.CreateModel(
            name="AccountToken",
            fields=[
                ("id", fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                (
                    "kind",
                    fields.CharEnumField(
                        description="INVITATION: INVITATION\nPASSWORD_RESET: PASSWORD_RESET",
                        enum_type=AccountTokenKind,
                        max_length=16,
                    ),
                ),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                ("email", fields.CharField(max_length=254)),
                (
                    "client",
                    fields.ForeignKeyField(
                        "models.Client",
                        source_field="client_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="invitations",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "user",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="user_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="account_tokens",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "created_by",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="created_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="tokens_issued",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("used_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("voided_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("sealed_token", fields.BinaryField(null=True)),
            ],
            options={
                "table": "account_tokens",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A single-use token e-mailed to a person: an invitation that attaches a new login to an",
            },
            bases=["Model"],
        ),
        ops.AlterField(
            model_name="Notification",
            name="kind",
            field=fields.CharEnumField(
                description="BOOKING_REQUESTED: BOOKING_REQUESTED\nBOOKING_CONFIRMED: BOOKING_CONFIRMED\nBOOKING_DECLINED: BOOKING_DECLINED\nRESCHEDULE_PROPOSED: RESCHEDULE_PROPOSED\nRESCHEDULE_ACCEPTED: RESCHEDULE_ACCEPTED\nRESCHEDULE_DECLINED: RESCHEDULE_DECLINED\nSESSION_CANCELLED: SESSION_CANCELLED\nSESSION_REMINDER: SESSION_REMINDER\nMESSAGE_RECEIVED: MESSAGE_RECEIVED\nCREDITS_REFUNDED: CREDITS_REFUNDED\nCREDITS_LOW: CREDITS_LOW\nREVIEW_REQUESTED: REVIEW_REQUESTED\nINVITATION: INVITATION\nPASSWORD_RESET: PASSWORD_RESET",
                enum_type=NotificationKind,
                max_length=32,
            ),
        ),
        ops.AlterField(
            model_name="Notification",
            name="user",
            field=fields.ForeignKeyField(
                "models.User",
                source_field="user_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="notifications",
                on_delete=OnDelete.CASCADE,
            ),
        ),
        ops.AddField(
            model_name="Notification",
            name="account_token",
            field=fields.ForeignKeyField(
                "models.AccountToken",
                source_field="account_token_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="emails",
                on_delete=OnDelete.CASCADE,
            ),
        ),
        ops.RunSQL(
            [
                (
                    "ALTER TABLE notifications ADD CONSTRAINT notifications_addressed"
                    " CHECK (user_id IS NOT NULL OR account_token_id IS NOT NULL)"
                ),
                "CREATE INDEX notifications_account_token ON notifications (account_token_id) WHERE account_token_id IS NOT NULL",
                "CREATE INDEX account_tokens_client ON account_tokens (client_id) WHERE client_id IS NOT NULL",
                "CREATE INDEX account_tokens_user ON account_tokens (user_id) WHERE user_id IS NOT NULL",
                "CREATE INDEX account_tokens_created_by ON account_tokens (created_by_id) WHERE created_by_id IS NOT NULL",
            ],
            reverse_sql=[
                "DROP INDEX IF EXISTS account_tokens_created_by",
                "DROP INDEX IF EXISTS account_tokens_user",
                "DROP INDEX IF EXISTS account_tokens_client",
                "DROP INDEX IF EXISTS notifications_account_token",
                "ALTER TABLE notifications DROP CONSTRAINT IF EXISTS notifications_addressed",
            ],
        ),
    ]
