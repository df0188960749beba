"""What a coach offers: services with a duration, a format and a price in credits."""

from __future__ import annotations

from typing import Any

import models
from domain import validation
from domain.errors import forbidden, invalid
from domain.viewer import Viewer
from models.enums import Role

MIN_DURATION_MINUTES = 5
MAX_DURATION_MINUTES = 480


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    if "name" in values:
        cleaned["name"] = validation.text(values["name"], "name", max_length=200, required=True)
    if "description" in values:
        cleaned["description"] = validation.text(values["description"], "description", max_length=5000)
    if values.get("duration_minutes") is not None:
        cleaned["duration_minutes"] = validation.int_range(
            values["duration_minutes"], "durationMinutes", low=MIN_DURATION_MINUTES, high=MAX_DURATION_MINUTES
        )
    if values.get("format") is not None:
        cleaned["format"] = values["format"]
    if values.get("credits") is not None:
        cleaned["credits"] = validation.int_range(values["credits"], "credits", low=0, high=1000)
    if "price" in values:
        price = values["price"]
        if price is None:
            cleaned["price_minor"] = cleaned["currency"] = None
        else:
            if price["amount_minor"] < 0:
                raise invalid("A price cannot be negative.", "price.amountMinor")
            currency = (price["currency"] or "").strip().upper()
            if len(currency) != 3 or not currency.isalpha():
                raise invalid("Use a three-letter ISO 4217 code, e.g. EUR.", "price.currency")
            cleaned["price_minor"], cleaned["currency"] = price["amount_minor"], currency
    for flag in ("requires_confirmation", "active"):
        if values.get(flag) is not None:
            cleaned[flag] = values[flag]
    return cleaned


def _only_coaches(viewer: Viewer) -> None:
    if viewer.role is not Role.COACH:
        raise forbidden("Only coaches offer services.")


async def create_service(viewer: Viewer, values: dict[str, Any]) -> models.Service:
    _only_coaches(viewer)
    cleaned = _clean(values)
    return await models.Service.create(coach_id=viewer.coach_id, **cleaned)


async def update_service(viewer: Viewer, service: models.Service, values: dict[str, Any]) -> models.Service:
    """`service` is the viewer's own (the resolver scoped it). Booked sessions keep the
    duration, format and credits they were booked with."""
    _only_coaches(viewer)
    for key, value in _clean(values).items():
        setattr(service, key, value)
    await service.save()
    return service
