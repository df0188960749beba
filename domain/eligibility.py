"""Whether a client may book: every failing rule is reported, not only the first (DESIGN.md,
"Credits and booking eligibility")."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from uuid import UUID
from enum import Enum

from tortoise import connections

from domain import clock
from models.enums import CoachKind


class Reason(str, Enum):
    CLIENT_INACTIVE = "CLIENT_INACTIVE"
    ORGANISATION_INACTIVE = "ORGANISATION_INACTIVE"
    OUTSIDE_BOOKING_PERIOD = "OUTSIDE_BOOKING_PERIOD"
    NO_CLIENT_CREDITS = "NO_CLIENT_CREDITS"
    NO_ORGANISATION_CREDITS = "NO_ORGANISATION_CREDITS"


CREDIT_REASONS = {Reason.NO_CLIENT_CREDITS, Reason.NO_ORGANISATION_CREDITS}


@dataclass
class Eligibility:
    reasons: list[Reason] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return not self.reasons


@dataclass(frozen=True)
class Facts:
    """What the rules look at, read in one query."""

    client_active: bool
    client_balance: int
    organisation_id: UUID | None = None
    organisation_active: bool = True
    booking_starts_on: date | None = None
    booking_ends_on: date | None = None
    organisation_balance: int = 0


_FACTS_SQL = """
SELECT c.id, c.active AS client_active, cp.balance AS client_balance,
       o.id AS organisation_id, o.active AS organisation_active, o.booking_starts_on, o.booking_ends_on,
       op.balance AS organisation_balance
FROM clients c
JOIN credit_pools cp ON cp.client_id = c.id
LEFT JOIN organisations o ON o.id = c.organisation_id
LEFT JOIN credit_pools op ON op.organisation_id = o.id
WHERE c.id = ANY($1::uuid[])
"""


async def facts_for(client_ids: list[UUID]) -> dict[UUID, Facts]:
    rows = await connections.get("default").execute_query_dict(_FACTS_SQL, [list(client_ids)])
    return {
        r["id"]: Facts(
            client_active=r["client_active"], client_balance=r["client_balance"], organisation_id=r["organisation_id"],
            organisation_active=bool(r["organisation_active"]) if r["organisation_id"] else True,
            booking_starts_on=r["booking_starts_on"], booking_ends_on=r["booking_ends_on"],
            organisation_balance=r["organisation_balance"] or 0,
        )
        for r in rows
    }


def _outside(period_start: date | None, period_end: date | None, day: date) -> bool:
    return (period_start is not None and day < period_start) or (period_end is not None and day > period_end)


def evaluate(facts: Facts, *, credits: int = 1, kind: CoachKind | None = None, on: date | None = None) -> Eligibility:
    """The rules themselves, on facts already read (no I/O). `credits` is what the session needs;
    `kind` the coach's kind (GLOBAL sessions also draw on the organisation's pool); `on` the
    session's date when one is given."""
    reasons: list[Reason] = []
    if not facts.client_active:
        reasons.append(Reason.CLIENT_INACTIVE)
    in_organisation = facts.organisation_id is not None
    if in_organisation:
        if not facts.organisation_active:
            reasons.append(Reason.ORGANISATION_INACTIVE)
        days = [clock.now().date()] + ([on] if on is not None else [])
        if any(_outside(facts.booking_starts_on, facts.booking_ends_on, d) for d in days):
            reasons.append(Reason.OUTSIDE_BOOKING_PERIOD)
    if facts.client_balance < max(credits, 1):
        reasons.append(Reason.NO_CLIENT_CREDITS)
    if in_organisation:
        needed = credits if kind is CoachKind.GLOBAL else 1  # "if either pool is empty, booking is blocked"
        if facts.organisation_balance < max(needed, 1):
            reasons.append(Reason.NO_ORGANISATION_CREDITS)
    return Eligibility(reasons)
