"""Coaches: a coach's own settings, services, weekly availability and time off."""

from __future__ import annotations

from typing import Any

import strawberry

from domain import availability, coaches, services
from models.enums import Role
from resolvers import coaches as coach_reads
from schema.coaches.types import (
    AddTimeOffInput,
    Coach,
    CoachPayload,
    CreateServiceInput,
    RemoveTimeOffInput,
    Service,
    ServicePayload,
    SetAvailabilityInput,
    UpdateCoachSettingsInput,
    UpdateServiceInput,
)
from schema.context import Info
from schema.errors import forbidden
from schema.node import in_scope, uuid_of
from schema.payloads import given, returns
from schema.permissions import signed_in


def _service_values(input_obj: CreateServiceInput | UpdateServiceInput) -> dict[str, Any]:
    values = given(
        input_obj,
        "name",
        "description",
        "duration_minutes",
        "format",
        "credits",
        "price",
        "requires_confirmation",
        "active",
    )
    if "format" in values and values["format"] is not None:
        values["format"] = values["format"].value
    return values


async def _me(info: Info) -> CoachPayload:
    coach_id = info.context.signed_in_viewer.coach_id
    if coach_id is None:
        raise forbidden("Only a coach has a coach profile.")
    return CoachPayload(coach=Coach.from_model(await coach_reads.coach(coach_id)))


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Coach: changes their own timezone, buffer, auto-confirmation, cancellation window or bio. A new cancellation window applies to later cancellations.",
        permission_classes=signed_in(Role.COACH),
    )
    @returns(CoachPayload)
    async def update_coach_settings(self, info: Info, input: UpdateCoachSettingsInput) -> CoachPayload:
        values = given(
            input,
            "timezone",
            "buffer_minutes",
            "auto_confirm",
            "cancellation_window_hours",
            "bio",
            "response_time_hours",
            "auto_reply",
        )
        row = await coaches.update_settings(info.context.signed_in_viewer, values)
        return CoachPayload(coach=Coach.from_model(row))

    @strawberry.mutation(
        description="Coach: adds a service to their own offer.", permission_classes=signed_in(Role.COACH)
    )
    @returns(ServicePayload)
    async def create_service(self, info: Info, input: CreateServiceInput) -> ServicePayload:
        row = await services.create_service(info.context.signed_in_viewer, _service_values(input))
        return ServicePayload(service=Service.from_model(row))

    @strawberry.mutation(
        description="Coach: changes one of their own services.", permission_classes=signed_in(Role.COACH)
    )
    @returns(ServicePayload)
    async def update_service(self, info: Info, input: UpdateServiceInput) -> ServicePayload:
        row = await in_scope(coach_reads.own_service, info, input.service_id, "Service", "serviceId")
        row = await services.update_service(info.context.signed_in_viewer, row, _service_values(input))
        return ServicePayload(service=Service.from_model(row))

    @strawberry.mutation(
        description="Coach: replaces their weekly availability; sessions already booked stay.",
        permission_classes=signed_in(Role.COACH),
    )
    @returns(CoachPayload)
    async def set_availability(self, info: Info, input: SetAvailabilityInput) -> CoachPayload:
        rules = [(r.weekday, r.start_time, r.end_time) for r in input.rules]
        await availability.set_availability(info.context.viewer, rules)
        return await _me(info)

    @strawberry.mutation(
        description="Coach: blocks a period; no booking may start or run inside it.",
        permission_classes=signed_in(Role.COACH),
    )
    @returns(CoachPayload)
    async def add_time_off(self, info: Info, input: AddTimeOffInput) -> CoachPayload:
        await availability.add_time_off(info.context.signed_in_viewer, input.starts_at, input.ends_at, input.reason)
        return await _me(info)

    @strawberry.mutation(
        description="Coach: removes one of their periods off.", permission_classes=signed_in(Role.COACH)
    )
    @returns(CoachPayload)
    async def remove_time_off(self, info: Info, input: RemoveTimeOffInput) -> CoachPayload:
        await availability.remove_time_off(info.context.signed_in_viewer, uuid_of(input.time_off_id, "TimeOff"))
        return await _me(info)
