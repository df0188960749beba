"""Organisations: created by the platform's admins, updated by them and the organisation's own admins."""

from __future__ import annotations

import strawberry

from domain import organisations
from models.enums import Role
from resolvers import organisations as organisation_reads
from schema.context import Info
from schema.node import in_scope
from schema.organisations.types import (
    CreateOrganisationInput,
    Organisation,
    OrganisationPayload,
    UpdateOrganisationInput,
)
from schema.payloads import given, returns
from schema.permissions import signed_in


def _period(value) -> dict | None:
    return None if value is None else {"starts_on": value.starts_on, "ends_on": value.ends_on}


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Platform admin: a new partner organisation.", permission_classes=signed_in(Role.ADMIN)
    )
    @returns(OrganisationPayload)
    async def create_organisation(self, info: Info, input: CreateOrganisationInput) -> OrganisationPayload:
        row = await organisations.create_organisation(info.context.viewer, input.name, _period(input.booking_period))
        return OrganisationPayload(organisation=Organisation.from_model(row))

    @strawberry.mutation(
        description="Platform admin, or the organisation's own admin: renames it, sets its booking period, or switches it on or off.",
        permission_classes=signed_in(Role.ADMIN, Role.ORG_ADMIN),
    )
    @returns(OrganisationPayload)
    async def update_organisation(self, info: Info, input: UpdateOrganisationInput) -> OrganisationPayload:
        # Only those who manage an organisation may edit it; everyone else gets NOT_FOUND.
        row = await in_scope(organisation_reads.managed, info, input.organisation_id, "Organisation", "organisationId")
        values = given(input, "name", "active", "booking_period")
        if "booking_period" in values:
            values["booking_period"] = _period(input.booking_period)
        row = await organisations.update_organisation(info.context.viewer, row, values)
        return OrganisationPayload(organisation=Organisation.from_model(row))
