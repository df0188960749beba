"""Whether a client may book: every failing rule is reported, not only the first (DESIGN.md,
"Credits and booking eligibility")."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import Enum

import models
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


def _outside(period_start: date | None, period_end: date | None, day: date) -> bool:
    return (period_start is not None and day < period_start) or (period_end is not None and day > period_end)


def evaluate(
    client: models.Client,
    client_balance: int,
    organisation: models.Organisation | None,
    organisation_balance: int | None,
    *,
    credits: int = 1,
    kind: CoachKind | None = None,
    on: date | None = None,
) -> Eligibility:
    """The rules themselves, on values already read (no I/O). `credits` is what the session
    needs; `kind` the coach's kind (GLOBAL sessions also draw on the organisation's pool);
    `on` the session's date when one is given."""
    reasons: list[Reason] = []
    if not client.active:
        reasons.append(Reason.CLIENT_INACTIVE)
    if organisation is not None:
        if not organisation.active:
            reasons.append(Reason.ORGANISATION_INACTIVE)
        days = [clock.now().date()] + ([on] if on is not None else [])
        if any(_outside(organisation.booking_starts_on, organisation.booking_ends_on, d) for d in days):
            reasons.append(Reason.OUTSIDE_BOOKING_PERIOD)
    if client_balance < max(credits, 1):
        reasons.append(Reason.NO_CLIENT_CREDITS)
    if organisation is not None:
        needed = credits if kind is CoachKind.GLOBAL else 1  # "if either pool is empty, booking is blocked"
        if (organisation_balance or 0) < max(needed, 1):
            reasons.append(Reason.NO_ORGANISATION_CREDITS)
    return Eligibility(reasons)


async def for_client(client: models.Client, service: models.Service | None = None, kind: CoachKind | None = None, on: date | None = None) -> Eligibility:
    client_pool = await models.CreditPool.get(client_id=client.id)
    organisation = org_balance = None
    if client.organisation_id is not None:
        organisation = await models.Organisation.get(id=client.organisation_id)
        org_balance = (await models.CreditPool.get(organisation_id=organisation.id)).balance
    if service is not None and kind is None:
        kind = (await models.Coach.get(id=service.coach_id)).kind
    return evaluate(
        client, client_pool.balance, organisation, org_balance,
        credits=service.credits if service else 1, kind=kind, on=on,
    )
