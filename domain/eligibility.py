"""Whether a client may book: every failing rule is reported, not only the first (docs/RULES.md,
"Credits")."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from uuid import UUID

from tortoise import connections

from domain import clock
from domain.errors import DomainError, ErrorCode
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


class NotEligible(DomainError):
    """A booking (or a move) the rules refuse. The reasons travel as data (`reasons`); the message
    only names them for people. Credit shortfalls alone are INSUFFICIENT_CREDITS (on the service,
    which sets the price), anything else NOT_ELIGIBLE (on the client; `field` overrides both)."""

    def __init__(self, reasons: list[Reason], *, when: str = "now", field: str | None = None):
        self.reasons = list(reasons)
        names = ", ".join(r.value for r in self.reasons)
        if set(self.reasons) <= CREDIT_REASONS:
            super().__init__(ErrorCode.INSUFFICIENT_CREDITS, f"Not enough credits ({names}).", field or "serviceId")
        else:
            super().__init__(ErrorCode.NOT_ELIGIBLE, f"The client may not book {when} ({names}).", field or "clientId")


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


# The facts as columns, for any query over clients `c` joined to their own pool `p` (this module's
# own read, and the client list's page query): one definition of what the rules read.
FACTS_COLUMNS = (
    "c.active AS facts__client_active, p.balance AS facts__client_balance, "
    "c.organisation_id AS facts__organisation_id, o.active AS facts__organisation_active, "
    "o.booking_starts_on AS facts__booking_starts_on, o.booking_ends_on AS facts__booking_ends_on, "
    "op.balance AS facts__organisation_balance"
)
FACTS_JOINS = (
    "LEFT JOIN organisations o ON o.id = c.organisation_id "
    "LEFT JOIN credit_pools op ON op.organisation_id = c.organisation_id"
)


def facts_from_row(r: dict) -> Facts:
    """Facts from a row that selected FACTS_COLUMNS."""
    in_organisation = r["facts__organisation_id"] is not None
    return Facts(
        client_active=r["facts__client_active"],
        client_balance=r["facts__client_balance"],
        organisation_id=r["facts__organisation_id"],
        organisation_active=bool(r["facts__organisation_active"]) if in_organisation else True,
        booking_starts_on=r["facts__booking_starts_on"],
        booking_ends_on=r["facts__booking_ends_on"],
        organisation_balance=r["facts__organisation_balance"] or 0,
    )


_FACTS_SQL = (
    f"SELECT c.id, {FACTS_COLUMNS} FROM clients c JOIN credit_pools p ON p.client_id = c.id {FACTS_JOINS} "
    "WHERE c.id = ANY($1::uuid[])"
)


async def facts_for(client_ids: list[UUID]) -> dict[UUID, Facts]:
    rows = await connections.get("default").execute_query_dict(_FACTS_SQL, [list(client_ids)])
    return {r["id"]: facts_from_row(r) for r in rows}


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
