"""Coaches: the roster within scope, and a coach's own settings."""

from __future__ import annotations

from tortoise.expressions import Subquery

import models
from domain import access, availability, coaches as coach_domain, services as service_domain
from domain.errors import DomainError, not_found
from schema.payloads import given, returns
from schema.errors import ApiError
from schema.node import uuid_of
from schema.pagination import Ordering, paginate
from schema.coaches.types import (
    AddTimeOffInput, Coach, CoachConnection, CoachPayload, CreateServiceInput, RemoveTimeOffInput, Service,
    ServicePayload, SetAvailabilityInput, TimeSlot, UpdateCoachSettingsInput, UpdateServiceInput,
)

BY_NAME = Ordering((("name", False), ("id", False)))


async def coaches(info, first, after, kind) -> CoachConnection:
    query = models.Coach.filter(access.coaches(info.context.viewer))
    if kind is not None:
        query = query.filter(kind=kind.value)
    page = await paginate(query, BY_NAME, first, after)
    return CoachConnection.of(page, [Coach.from_model(r) for r in page.rows])


@returns(CoachPayload)
async def update_coach_settings(info, input: UpdateCoachSettingsInput) -> CoachPayload:  # noqa: A002
    values = given(input, "timezone", "buffer_minutes", "auto_confirm", "cancellation_window_hours", "bio")
    row = await coach_domain.update_settings(info.context.viewer, values)
    return CoachPayload(coach=Coach.from_model(row))


async def _own_service(info, global_id: str) -> models.Service:
    uid = uuid_of(global_id, "Service")
    viewer = info.context.viewer
    row = await models.Service.get_or_none(id=uid, coach_id=viewer.coach_id) if uid and viewer.coach_id else None
    if row is None:
        raise not_found("Service", "serviceId")
    return row


def _service_values(input_obj) -> dict:
    values = given(input_obj, "name", "description", "duration_minutes", "format", "credits", "price",
                   "requires_confirmation", "active")
    if "format" in values and values["format"] is not None:
        values["format"] = values["format"].value
    return values


@returns(ServicePayload)
async def create_service(info, input: CreateServiceInput) -> ServicePayload:  # noqa: A002
    row = await service_domain.create_service(info.context.viewer, _service_values(input))
    return ServicePayload(service=Service.from_model(row))


@returns(ServicePayload)
async def update_service(info, input: UpdateServiceInput) -> ServicePayload:  # noqa: A002
    row = await _own_service(info, input.service_id)
    row = await service_domain.update_service(info.context.viewer, row, _service_values(input))
    return ServicePayload(service=Service.from_model(row))


async def _me(info) -> Coach:
    return Coach.from_model(await models.Coach.get(id=info.context.viewer.coach_id))


@returns(CoachPayload)
async def set_availability(info, input: SetAvailabilityInput) -> CoachPayload:  # noqa: A002
    rules = [(r.weekday, r.start_time, r.end_time) for r in input.rules]
    await availability.set_availability(info.context.viewer, rules)
    return CoachPayload(coach=await _me(info))


@returns(CoachPayload)
async def add_time_off(info, input: AddTimeOffInput) -> CoachPayload:  # noqa: A002
    await availability.add_time_off(info.context.viewer, input.starts_at, input.ends_at, input.reason)
    return CoachPayload(coach=await _me(info))


@returns(CoachPayload)
async def remove_time_off(info, input: RemoveTimeOffInput) -> CoachPayload:  # noqa: A002
    await availability.remove_time_off(info.context.viewer, uuid_of(input.time_off_id, "TimeOff"))
    return CoachPayload(coach=await _me(info))


async def available_slots(info, service_id: str, start, end) -> list[TimeSlot]:
    """Free slots of a service the viewer may see. A query has no userErrors, so an unknown or
    invisible service and a bad range are top-level errors with a code."""
    uid = uuid_of(service_id, "Service")
    visible = models.Coach.filter(access.coaches(info.context.viewer)).values("id")
    service = await models.Service.get_or_none(id=uid, active=True, coach_id__in=Subquery(visible)) if uid else None
    if service is None:
        raise ApiError("Service not found.", "NOT_FOUND")
    coach = await models.Coach.get(id=service.coach_id)
    try:
        found = await availability.slots(coach, service, start, end)
    except DomainError as error:
        raise ApiError(error.message, error.code.value) from None
    return [TimeSlot(starts_at=s, ends_at=e) for s, e in found]
