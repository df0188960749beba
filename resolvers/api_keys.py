"""API keys for partner automation."""

from __future__ import annotations

import models
from domain import access, api_keys as key_domain
from domain.errors import not_found
from schema.payloads import returns
from schema.node import uuid_of
from schema.accounts.api_keys import ApiKey, ApiKeyPayload, CreateApiKeyInput, CreateApiKeyPayload, RevokeApiKeyInput


async def api_keys(info) -> list[ApiKey]:
    rows = await models.ApiKey.filter(access.api_keys(info.context.viewer)).order_by("-created_at", "-id")
    return [ApiKey.from_model(r) for r in rows]


@returns(CreateApiKeyPayload)
async def create_api_key(info, input: CreateApiKeyInput) -> CreateApiKeyPayload:  # noqa: A002
    organisation_id = None
    if input.organisation_id is not None:
        organisation_id = uuid_of(input.organisation_id, "Organisation")
        if organisation_id is None:
            raise not_found("Organisation", "organisationId")
    row, secret = await key_domain.create(info.context.viewer, input.name, organisation_id)
    return CreateApiKeyPayload(api_key=ApiKey.from_model(row), secret=secret)


@returns(ApiKeyPayload)
async def revoke_api_key(info, input: RevokeApiKeyInput) -> ApiKeyPayload:  # noqa: A002
    uid = uuid_of(input.api_key_id, "ApiKey")
    row = await models.ApiKey.filter(access.api_keys(info.context.viewer), id=uid).first() if uid else None
    if row is None:
        raise not_found("API key", "apiKeyId")
    row = await key_domain.revoke(info.context.viewer, row)
    return ApiKeyPayload(api_key=ApiKey.from_model(row))
