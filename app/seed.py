"""Demo data for a first `make run`: an organisation, an admin, a coach with clients and notes."""

from __future__ import annotations

from datetime import date

import models
from domain import clients, notes, organisations, users
from domain.viewer import Viewer
from models.enums import CoachKind, Role

SYSTEM = Viewer(user_id=None, role=Role.ADMIN, name="Caseload demo")
DOMAIN = "demo.caseload.dev"

DEMO_CLIENTS = [
    ("Maya Patel", ["leadership", "stress"], "Wants to prepare for a promotion round in spring."),
    ("Tom Becker", ["career"], "Considering a move into product management."),
    ("Ana Lima", ["wellbeing", "sleep"], "Sleep has improved since we added an evening routine."),
    ("Jonas Berg", ["leadership"], "New team lead; struggles with delegation."),
    ("Grace Okafor", ["career", "confidence"], "Preparing for interviews."),
    ("Liam Chen", ["wellbeing"], "Returning after a long break; keep it light."),
]


async def seed_if_empty() -> bool:
    """Load the demo data unless the database already has users. True when it did."""
    if await models.User.exists():
        return False
    await seed()
    return True


async def seed() -> None:
    org = await organisations.create_organisation(
        SYSTEM, "Northwind Health", {"starts_on": date(2026, 1, 1), "ends_on": None}
    )
    await users.create_user(
        SYSTEM, email=f"admin@{DOMAIN}", name="Ada Admin", password="demo-admin-password", role=Role.ADMIN
    )
    await users.create_user(
        SYSTEM,
        email=f"orgadmin@{DOMAIN}",
        name="Olivia Orgadmin",
        password="demo-orgadmin-password",
        role=Role.ORG_ADMIN,
        organisation_id=org.id,
    )
    coach_user = await users.create_user(
        SYSTEM,
        email=f"coach@{DOMAIN}",
        name="Chris Coach",
        password="demo-coach-password",
        role=Role.COACH,
        coach_kind=CoachKind.GLOBAL,
    )
    coach = await models.Coach.get(user_id=coach_user.id)
    coach.timezone = "Europe/London"
    coach.bio = "Leadership and wellbeing coach."
    await coach.save()
    coach_viewer = await users.viewer_for(coach_user)

    client_user = await users.create_user(
        SYSTEM,
        email=f"client@{DOMAIN}",
        name="Casey Client",
        password="demo-client-password",
        role=Role.CLIENT,
        organisation_id=org.id,
    )
    client = await models.Client.get(user_id=client_user.id)
    await clients.ensure_relationship(coach.id, client.id)

    for index, (name, tags, note) in enumerate(DEMO_CLIENTS):
        email = name.lower().replace(" ", ".") + "@example.com"
        row = await clients.create_client(
            coach_viewer,
            {"name": name, "email": email, "tags": tags},
            private_notes="Met at the autumn workshop." if index % 2 == 0 else None,
        )
        await notes.add_note(coach_viewer, row.id, note, shared=index % 3 == 0)
