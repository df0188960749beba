"""Dashboard: the coach's daily view."""

from __future__ import annotations

import strawberry

from models.enums import Role
from schema.context import Info
from schema.dashboard.types import CoachDashboard
from schema.errors import forbidden
from schema.permissions import signed_in


@strawberry.type
class Query:
    @strawberry.field(
        description="Coach only: the overview of the My Clients page (counts per category, recommended actions, pending actions, upcoming sessions, recent activity).",
        permission_classes=signed_in(Role.COACH),
    )
    def dashboard(self, info: Info) -> CoachDashboard:
        viewer = info.context.signed_in_viewer
        if viewer.coach_id is None:
            raise forbidden("Only a coach has a dashboard.")
        return CoachDashboard(_viewer=viewer, _coach_id=viewer.coach_id)
