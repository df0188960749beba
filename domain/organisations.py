"""Partner organisations: create and update, each with its own credit pool."""

from __future__ import annotations

from datetime import date
from typing import Any

import models
from domain import events, validation
from domain.errors import forbidden, invalid
from domain.locks import retrying
from domain.transactions import transaction
from domain.viewer import Viewer
from models.enums import CreditPoolKind, Role


def _booking_period(period: dict[str, date | None] | None) -> tuple[date | None, date | None]:
    if not period:
        return None, None
    starts, ends = period.get("starts_on"), period.get("ends_on")
    if starts and ends and ends < starts:
        raise invalid("The booking period must end on or after its start.", "bookingPeriod.endsOn")
    return starts, ends


@retrying
async def create_organisation(viewer: Viewer, name: str, booking_period: dict | None) -> models.Organisation:
    if viewer.role is not Role.ADMIN:
        raise forbidden("Only platform admins create organisations.")
    name = validation.text(name, "name", max_length=200, required=True)
    starts, ends = _booking_period(booking_period)
    async with transaction():
        organisation = await models.Organisation.create(name=name, booking_starts_on=starts, booking_ends_on=ends)
        await models.CreditPool.create(kind=CreditPoolKind.ORGANISATION, organisation_id=organisation.id, balance=0)
    return organisation


@retrying
async def update_organisation(
    viewer: Viewer, organisation: models.Organisation, values: dict[str, Any]
) -> models.Organisation:
    """Admins change anything; an organisation's own admins its name and booking period."""
    if viewer.role is Role.ORG_ADMIN and "active" in values:
        raise forbidden("Only platform admins activate or deactivate organisations.", "active")
    if "name" in values:
        organisation.name = validation.text(values["name"], "name", max_length=200, required=True)
    deactivated = False
    if "active" in values and values["active"] is not None:
        deactivated = organisation.active and not values["active"]
        organisation.active = values["active"]
    if "booking_period" in values:
        organisation.booking_starts_on, organisation.booking_ends_on = _booking_period(values["booking_period"])
    async with transaction():
        await organisation.save()
        if deactivated:  # its API keys stop working: close their sockets too
            await events.credentials_ended(events.ORGANISATION_CREDENTIALS, organisation.id)
    return organisation
