"""Organisations: read within scope, created by admins, updated by admins and their own admins."""

from __future__ import annotations

from typing import Optional

import models
from domain import access, organisations as org_domain
from domain.errors import not_found
from schema.payloads import given, returns
from schema.node import uuid_of
from schema.pagination import Ordering, paginate
from schema.organisations.types import (
    CreateOrganisationInput, Organisation, OrganisationConnection, OrganisationPayload, UpdateOrganisationInput,
)

BY_NAME = Ordering((("name", False), ("id", False)))


async def organisation(info, id: str | None) -> Optional[Organisation]:  # noqa: A002
    viewer = info.context.viewer
    uid = uuid_of(id, "Organisation") if id is not None else viewer.organisation_id
    if uid is None:
        return None
    row = await models.Organisation.filter(access.organisations(viewer), id=uid).first()
    return Organisation.from_model(row) if row else None


async def organisations(info, first, after) -> OrganisationConnection:
    query = models.Organisation.filter(access.organisations(info.context.viewer))
    page = await paginate(query, BY_NAME, first, after)
    return OrganisationConnection.of(page, [Organisation.from_model(r) for r in page.rows])


def _period(value) -> dict | None:
    return None if value is None else {"starts_on": value.starts_on, "ends_on": value.ends_on}


@returns(OrganisationPayload)
async def create_organisation(info, input: CreateOrganisationInput) -> OrganisationPayload:  # noqa: A002
    row = await org_domain.create_organisation(info.context.viewer, input.name, _period(input.booking_period))
    return OrganisationPayload(organisation=Organisation.from_model(row))


@returns(OrganisationPayload)
async def update_organisation(info, input: UpdateOrganisationInput) -> OrganisationPayload:  # noqa: A002
    viewer = info.context.viewer
    uid = uuid_of(input.organisation_id, "Organisation")
    # Only those who manage an organisation may edit it; everyone else gets NOT_FOUND.
    scope = access.organisation_pools(viewer)
    row = await models.Organisation.filter(scope, id=uid).first() if uid else None
    if row is None:
        raise not_found("Organisation", "organisationId")
    values = given(input, "name", "active", "booking_period")
    if "booking_period" in values:
        values["booking_period"] = _period(input.booking_period)
    row = await org_domain.update_organisation(viewer, row, values)
    return OrganisationPayload(organisation=Organisation.from_model(row))
