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
    @strawberry.mutation(
        description="Admin, organisation admin or coach: a new client profile. A coach's new client starts a PROSPECTIVE relationship with them; an organisation admin's joins the organisation.",
        permission_classes=signed_in(*STAFF),
    )
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

    @strawberry.mutation(
        description="Signed in, on a client the viewer may see: changes the given profile fields. healthContext is the client's own; privateNotes the viewing coach's.",
        permission_classes=signed_in(),
    )
    @returns(ClientPayload)
    async def update_client(self, info: Info, input: UpdateClientInput) -> ClientPayload:
        row = await _client(info, input.client_id)
        values = given(input, *PROFILE_INPUTS, "health_context", "private_notes")
        return ClientPayload(client=Client.from_model(await clients.update_client(info.context.viewer, row, values)))

    @strawberry.mutation(
        description="Admin, the client's organisation admin, or a coach of a client with no organisation: switches the client on or off (an inactive client cannot book).",
        permission_classes=signed_in(*STAFF),
    )
    @returns(ClientPayload)
    async def set_client_active(self, info: Info, input: SetClientActiveInput) -> ClientPayload:
        row = await _client(info, input.client_id)
        return ClientPayload(client=Client.from_model(await clients.set_active(info.context.viewer, row, input.active)))

    @strawberry.mutation(
        description="Coach: removes the client from the coach's practice (relationship, that coach's notes, goals and conversation); upcoming sessions must be cancelled first. When nobody else holds the client, the profile goes too. Sessions stay with `client` null and clientName 'Deleted Client'. Cannot be undone.",
        permission_classes=signed_in(Role.COACH),
    )
    @returns(DeleteClientPayload)
    async def delete_client(self, info: Info, input: DeleteClientInput) -> DeleteClientPayload:
        await privacy.delete_from_practice(info.context.viewer, await _client(info, input.client_id))
        return DeleteClientPayload(deleted_client_id=input.client_id)

    @strawberry.mutation(
        description="Anyone who may see the client (the client themself included): everything stored about the client that the requester may see, as one JSON document with `schemaVersion`.",
        permission_classes=signed_in(Role.ADMIN, Role.COACH, Role.CLIENT, Role.ORG_ADMIN),
    )
    @returns(ExportClientDataPayload)
    async def export_client_data(self, info: Info, input: ClientDataInput) -> ExportClientDataPayload:
        row = await _client(info, input.client_id)
        return ExportClientDataPayload(data=JSON(await privacy.export(info.context.signed_in_viewer, row)))

    @strawberry.mutation(
        description="Platform admin (not an API key) or the client themself: erases the client across every coach (profile, notes, messages, goals, feedback text, booking notes, timeline); upcoming sessions are cancelled and refunded; sessions and ledger rows stay, anonymised. Cannot be undone.",
        permission_classes=signed_in(Role.ADMIN, Role.CLIENT),
    )
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
