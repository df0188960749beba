"""Accounts: the signed-in viewer's own row and the API keys a viewer may manage, as models and
querysets."""

from __future__ import annotations

from uuid import UUID

from tortoise.queryset import QuerySet

import models
from domain import access
from domain.viewer import Viewer


async def signed_in_as(viewer: Viewer) -> models.User | models.ApiKey:
    """The row the viewer signed in with: their user, or the API key (a key has no user)."""
    if viewer.api_key_id is not None:
        return await models.ApiKey.get(id=viewer.api_key_id)
    return await models.User.get(id=viewer.user_id)


def api_keys(viewer: Viewer) -> QuerySet[models.ApiKey]:
    """The keys the viewer manages, newest first."""
    return models.ApiKey.filter(access.api_keys(viewer)).order_by("-created_at", "-id")


async def api_key(viewer: Viewer, api_key_id: UUID) -> models.ApiKey | None:
    return await models.ApiKey.filter(access.api_keys(viewer), id=api_key_id).first()
