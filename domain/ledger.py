"""The credit ledger: every movement is an append-only row; a pool's balance is the sum of its
rows and never goes below zero.

A balance changes only through one atomic conditional UPDATE
(`balance = balance + d WHERE balance + d >= 0 RETURNING balance`), which is as safe as a row
lock under concurrency and several times faster; the CHECK constraint
`balance >= 0` is the database's last word. Callers run `move` inside their own transaction,
so the ledger row, the balance and whatever caused them commit together."""

from __future__ import annotations

from uuid import UUID

from tortoise import connections
from tortoise.exceptions import IntegrityError

import models
from domain import access, activity, locks, validation
from domain.errors import DomainError, ErrorCode, forbidden, invalid, not_found
from domain.locks import retrying
from domain.transactions import transaction
from domain.viewer import Viewer
from domain.webhooks import events as webhook_events
from models.enums import ActivityKind, CreditPoolKind, CreditReason

MAX_GRANT = 100_000


class InsufficientCredits(DomainError):
    def __init__(self, field: str | None = None):
        super().__init__(ErrorCode.INSUFFICIENT_CREDITS, "Not enough credits.", field)


# One round trip: the conditional debit or credit and its ledger row, in one statement, with
# what the webhook event needs of the pool (its kind, client, and the client's organisation).
_MOVE_SQL = """
WITH pool AS (
    UPDATE credit_pools SET balance = balance + $1, updated_at = now()
    WHERE {owner} = $2 AND balance + $1 >= 0
    RETURNING id, balance, kind, client_id, organisation_id
), moved AS (
    INSERT INTO credit_transactions
        (id, pool_id, delta, balance_after, reason, session_id, note, idempotency_key, created_by_id, created_at)
    SELECT gen_random_uuid(), pool.id, $1, pool.balance, $3, $4, $5, $6, $7, clock_timestamp() FROM pool
    RETURNING *
)
SELECT moved.*, pool.kind AS pool_kind, pool.client_id AS pool_client_id,
    coalesce(pool.organisation_id, (SELECT organisation_id FROM clients WHERE id = pool.client_id)) AS pool_organisation_id
FROM moved, pool
"""
_POOL_COLUMNS = ("pool_kind", "pool_client_id", "pool_organisation_id")
_OWNERS = {"pool": "id", "client": "client_id", "organisation": "organisation_id"}


async def move(
    pool_id: UUID,
    delta: int,
    reason: CreditReason,
    *,
    owner: str = "pool",
    session_id: UUID | None = None,
    note: str | None = None,
    idempotency_key: str | None = None,
    actor_user_id: UUID | None = None,
    field: str | None = None,
) -> models.CreditTransaction:
    """Change a pool by `delta` and append its ledger row and its webhook events; must run inside a transaction.
    `pool_id` names the pool itself, or with owner="client"/"organisation" the pool's owner.
    Several pools in one transaction: a client's before an organisation's (domain.locks)."""
    locks.taking(locks.Level.POOLS)
    rows = await connections.get("default").execute_query_dict(
        _MOVE_SQL.format(owner=_OWNERS[owner]),
        [delta, pool_id, reason.value, session_id, note, idempotency_key, actor_user_id],
    )
    if not rows:
        raise InsufficientCredits(field)
    kind, client_id, organisation_id = (rows[0].pop(column) for column in _POOL_COLUMNS)
    row = models.CreditTransaction._init_from_db(**rows[0])
    await webhook_events.credits_moved(row, CreditPoolKind(kind), client_id, organisation_id)
    return row


async def _replay(
    viewer: Viewer, pool_id: UUID, key: str | None, amount: int, note: str | None
) -> models.CreditTransaction | None:
    """The earlier result of a request with this idempotency key. A key is bound to its whole
    input: the same caller's key reused for another pool (another client), amount or note is a
    conflict, never a second movement."""
    if key is None:
        return None
    earlier = await models.CreditTransaction.get_or_none(pool_id=pool_id, idempotency_key=key)
    if earlier is None and viewer.user_id is not None:
        earlier = await models.CreditTransaction.filter(created_by_id=viewer.user_id, idempotency_key=key).first()
    if earlier is not None and (earlier.pool_id != pool_id or earlier.delta != amount or earlier.note != note):
        raise DomainError(
            ErrorCode.CONFLICT, "This idempotency key was used for a different request.", "idempotencyKey"
        )
    return earlier


def _check_amount(amount: int) -> None:
    if amount == 0 or abs(amount) > MAX_GRANT:
        raise invalid(f"Amount must be a non-zero whole number up to {MAX_GRANT}.", "amount")


@retrying
async def _grant(
    viewer: Viewer, pool: models.CreditPool, amount: int, note: str | None, key: str | None, client_id: UUID | None
) -> models.CreditTransaction:
    _check_amount(amount)
    note = validation.text(note, "note", max_length=500)
    key = validation.text(key, "idempotencyKey", max_length=200)
    if (earlier := await _replay(viewer, pool.id, key, amount, note)) is not None:
        return earlier
    reason = CreditReason.GRANT if amount > 0 else CreditReason.ADJUSTMENT
    try:
        async with transaction():
            row = await move(
                pool.id, amount, reason, note=note, idempotency_key=key, actor_user_id=viewer.user_id, field="amount"
            )
            if client_id is not None:
                await activity.record(
                    ActivityKind.CREDITS_GRANTED,
                    client_id=client_id,
                    actor=viewer,
                    summary=f"{amount:+d} credits ({reason.value.lower()})",
                )
            return row
    except IntegrityError:
        # The same key won a race in another transaction: answer with its result.
        if (earlier := await _replay(viewer, pool.id, key, amount, note)) is not None:
            return earlier
        raise


async def grant_client_credits(
    viewer: Viewer, client: models.Client, amount: int, note: str | None, key: str | None
) -> tuple[models.CreditTransaction, models.CreditPool]:
    if not access.may_move_client_credits(viewer, client.organisation_id):
        raise forbidden("Only platform admins and the client's organisation move a client's credits.", "clientId")
    pool = await models.CreditPool.get(client_id=client.id)
    row = await _grant(viewer, pool, amount, note, key, client.id)
    return row, await models.CreditPool.get(id=pool.id)


async def grant_organisation_credits(
    viewer: Viewer, organisation_id: UUID, amount: int, note: str | None, key: str | None
) -> tuple[models.CreditTransaction, models.CreditPool]:
    if not access.may_move_organisation_credits(viewer):
        raise forbidden("Only platform admins grant organisation credits.")
    pool = await models.CreditPool.get_or_none(organisation_id=organisation_id)
    if pool is None:
        raise not_found("Organisation", "organisationId")
    row = await _grant(viewer, pool, amount, note, key, None)
    return row, await models.CreditPool.get(id=pool.id)
