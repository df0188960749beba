"""Dashboard: the coach's daily view."""

from __future__ import annotations

import strawberry

from models.enums import Role
from schema.context import Info
from schema.dashboard.types import CoachDashboard
from schema.permissions import signed_in


@strawberry.type
class Query:
    @strawberry.field(permission_classes=signed_in(Role.COACH))
    def dashboard(self, info: Info) -> CoachDashboard:
        return CoachDashboard(_viewer=info.context.viewer)
