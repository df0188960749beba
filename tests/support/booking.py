"""Coaches ready to be booked, and the service, availability and session mutations the tests send."""

from __future__ import annotations

from datetime import datetime

from models.enums import CoachKind, Role

CREATE_SERVICE = """mutation($i: CreateServiceInput!) { createService(input: $i) {
  service { id name durationMinutes credits price { amountMinor currency } } userErrors { code field message } } }"""
SET_AVAILABILITY = """mutation($i: SetAvailabilityInput!) { setAvailability(input: $i) {
  coach { availability { weekday startTime endTime } } userErrors { code field message } } }"""
SLOTS = """query($s: ID!, $f: DateTime!, $t: DateTime!) { availableSlots(serviceId: $s, from: $f, to: $t) { startsAt endsAt } }"""
SETTINGS = """mutation($i: UpdateCoachSettingsInput!) { updateCoachSettings(input: $i) { coach { timezone bufferMinutes } userErrors { code field message } } }"""

BOOK = """mutation($i: BookSessionInput!) { bookSession(input: $i) {
  session { id status kind startsAt clientName creditTransactions { delta } } userErrors { code field message } } }"""
CANCEL = """mutation($i: CancelSessionInput!) { cancelSession(input: $i) {
  session { status cancellation { late refund cancelledBy } } userErrors { code field message } } }"""
COMPLETE = """mutation($i: SessionInput!) { completeSession(input: $i) { session { status } userErrors { code field message } } }"""
CONFIRM = """mutation($i: SessionInput!) { confirmSession(input: $i) { session { status } userErrors { code field message } } }"""
PROPOSE = """mutation($i: ProposeRescheduleInput!) { proposeReschedule(input: $i) {
  proposal { id status proposedBy startsAt } userErrors { code field message } } }"""
RECORD = """mutation($i: RecordPastSessionInput!) { recordPastSession(input: $i) { session { id } userErrors { code field } } }"""


async def setup_coach(
    api, world, *, kind=CoachKind.GLOBAL, organisation=None, credits=1, auto_confirm=True, duration=60, buffer=0
):
    """A coach in UTC, available around the clock every day, with one service; returns (coach, service id)."""
    coach = await world.user(Role.COACH, coach_kind=kind, organisation=organisation)
    await api.ok(SETTINGS, {"i": {"timezone": "UTC", "bufferMinutes": buffer}}, coach.token)
    await api.ok(
        "mutation($i: UpdateCoachSettingsInput!) { updateCoachSettings(input: $i) { userErrors { code } } }",
        {"i": {"autoConfirm": auto_confirm, "cancellationWindowHours": 24}},
        coach.token,
    )
    rules = [{"weekday": d, "startTime": "00:00", "endTime": "23:59"} for d in range(1, 8)]
    await api.ok(SET_AVAILABILITY, {"i": {"rules": rules}}, coach.token)
    data = await api.ok(
        CREATE_SERVICE,
        {"i": {"name": "Session", "durationMinutes": duration, "format": "VIDEO", "credits": credits}},
        coach.token,
    )
    return coach, data["createService"]["service"]["id"]


async def record(api, coach, service, client_id, starts_at: datetime, status="COMPLETED") -> str:
    """A past session the coach records for a client; its id."""
    data = await api.ok(
        RECORD,
        {"i": {"clientId": client_id, "serviceId": service, "startsAt": starts_at.isoformat(), "status": status}},
        coach.token,
    )
    assert data["recordPastSession"]["userErrors"] == [], data
    return data["recordPastSession"]["session"]["id"]
