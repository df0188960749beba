"""Who is asking: the signed-in user (or API key) with the ids their role scopes by."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from models.enums import Role


@dataclass(frozen=True)
class Viewer:
    user_id: UUID | None
    role: Role
    name: str
    coach_id: UUID | None = None
    client_id: UUID | None = None
    organisation_id: UUID | None = None
    api_key_id: UUID | None = None
