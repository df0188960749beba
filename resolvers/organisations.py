"""Organisations: those a viewer may see, and those a viewer manages, as models and querysets."""

from __future__ import annotations

from uuid import UUID

from tortoise.queryset import QuerySet

import models
from domain import access
from domain.viewer import Viewer


def organisations(viewer: Viewer) -> QuerySet[models.Organisation]:
    return models.Organisation.filter(access.organisations(viewer))


async def organisation(viewer: Viewer, organisation_id: UUID) -> models.Organisation | None:
    """The organisation if the viewer may see it (by name, at least)."""
    return await organisations(viewer).filter(id=organisation_id).first()


async def managed(viewer: Viewer, organisation_id: UUID) -> models.Organisation | None:
    """The organisation if the viewer manages it (edits it, sees its credit pool and usage)."""
    return await models.Organisation.filter(access.organisation_pools(viewer), id=organisation_id).first()


async def manages(viewer: Viewer, organisation_id: UUID) -> bool:
    return await models.Organisation.filter(access.organisation_pools(viewer), id=organisation_id).exists()


async def member_count(viewer: Viewer, organisation_id: UUID) -> int:
    """The organisation's clients the viewer may see."""
    return await models.Client.filter(access.clients(viewer), organisation_id=organisation_id).count()
