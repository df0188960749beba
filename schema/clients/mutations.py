"""Clients: profiles created, edited, switched off, deleted from a practice, exported and erased."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON

import models
from domain import access, clients, privacy
from domain.errors import not_found
from models.enums import Role
from resolvers import clients as client_reads
from schema.clients.types import (
    Client,
    ClientDataInput,
    ClientPayload,
    CreateClientInput,
    DeleteClientInput,
    DeleteClientPayload,
    EraseClientPayload,
    ExportClientDataPayload,
    SetClientActiveInput,
    UpdateClientInput,
)
from schema.context import Info
from schema.node import in_scope, uuid_of, uuid_or_not_found
from schema.payloads import given, returns
from schema.permissions import signed_in

STAFF = (Role.ADMIN, Role.ORG_ADMIN, Role.COACH)
PROFILE_INPUTS = ("name", "email", "phone", "whatsapp", "address", "birth_date", "tags", "focus_areas")


async def _client(info: Info, client_id: str) -> models.Client:
    return await in_scope(client_reads.visible, info, client_id, "Client", "clientId")


@strawberry.type
class Mutation:
    @strawberry.mutation(permission_classes=signed_in(*STAFF))
    @returns(ClientPayload)
    async def create_client(self, info: Info, input: CreateClientInput) -> ClientPayload:
        organisation_id = uuid_or_not_found(input.organisation_id, "Organisation", "organisationId")
        row = await clients.create_client(
            info.context.viewer,
            given(input, *PROFILE_INPUTS),
            organisation_id=organisation_id,
            private_notes=input.private_notes,
        )
        return ClientPayload(client=Client.from_model(row))

    @strawberry.mutation(permission_classes=signed_in())
    @returns(ClientPayload)
    async def update_client(self, info: Info, input: UpdateClientInput) -> ClientPayload:
        row = await _client(info, input.client_id)
        values = given(input, *PROFILE_INPUTS, "health_context", "private_notes")
        return ClientPayload(client=Client.from_model(await clients.update_client(info.context.viewer, row, values)))

    @strawberry.mutation(permission_classes=signed_in(*STAFF))
    @returns(ClientPayload)
    async def set_client_active(self, info: Info, input: SetClientActiveInput) -> ClientPayload:
        row = await _client(info, input.client_id)
        return ClientPayload(client=Client.from_model(await clients.set_active(info.context.viewer, row, input.active)))

    @strawberry.mutation(permission_classes=signed_in(Role.COACH))
    @returns(DeleteClientPayload)
    async def delete_client(self, info: Info, input: DeleteClientInput) -> DeleteClientPayload:
        await privacy.delete_from_practice(info.context.viewer, await _client(info, input.client_id))
        return DeleteClientPayload(deleted_client_id=input.client_id)

    @strawberry.mutation(permission_classes=signed_in(Role.ADMIN, Role.COACH, Role.CLIENT, Role.ORG_ADMIN))
    @returns(ExportClientDataPayload)
    async def export_client_data(self, info: Info, input: ClientDataInput) -> ExportClientDataPayload:
        row = await _client(info, input.client_id)
        return ExportClientDataPayload(data=JSON(await privacy.export(info.context.signed_in_viewer, row)))

    @strawberry.mutation(permission_classes=signed_in(Role.ADMIN, Role.CLIENT))
    @returns(EraseClientPayload)
    async def erase_client(self, info: Info, input: ClientDataInput) -> EraseClientPayload:
        uid = uuid_of(input.client_id, "Client")
        viewer = info.context.signed_in_viewer
        if uid is None or not access.may_name_for_erasure(viewer, uid):
            raise not_found("Client", "clientId")
        _, email = await privacy.erase(viewer, uid)
        if email:
            await info.context.auth.forget_account(email)  # Redis keys that hold the address
        return EraseClientPayload(erased_client_id=input.client_id)
