"""The demo practice for a first `make run`: everything the product does, dated relative to today.

Two coaches (Chris, GLOBAL, in London; Ines, INTERNAL to Northwind Health, in New York) with
services and availability; four organisations (Northwind with its admin, members, credit pool and
booking period, and three that each make their members ineligible for another reason); clients in
every category of the My Clients page, eligible and not (every reason); completed, no-show, upcoming,
pending and cancelled (late and not) sessions, reschedule proposals, private and shared notes,
conversations with unread messages, goals with action items, feedback and the notifications all of
these send; a weekly series, a time off with the coach's automatic reply to a client who wrote during
it, and the coach's response to a public review.

Everything goes through the domain functions, under the same rules as the API (eligibility, the
ledger, locks): the history is written by moving the domain clock back (`clock.frozen_at`) and
booking, holding, cancelling and refunding as it happened. Categories are computed before the seed
returns, so the My Clients page is right at once. The passwords are public: development only (the
command line refuses the demo in production).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

import models
from domain import (
    availability,
    booking,
    categories,
    clients,
    clock,
    coaches,
    feedback,
    goals,
    ledger,
    messages,
    notes,
    organisations,
    proposals,
    refunds,
    series,
    services,
    sessions,
    users,
)
from domain.viewer import Viewer
from models.enums import CoachKind, GoalStatus, RefundStatus, Role, SessionFormat

SYSTEM = Viewer(user_id=None, role=Role.ADMIN, name="Caseload demo")
DOMAIN = "demo.caseload.dev"

# The demo logins (README.md, "Demo"). Every other demo client with a login shares CLIENT_PASSWORD.
LOGINS = {
    "admin": (f"admin@{DOMAIN}", "demo-admin-password"),
    "orgadmin": (f"orgadmin@{DOMAIN}", "demo-orgadmin-password"),
    "coach": (f"coach@{DOMAIN}", "demo-coach-password"),
    "internal": (f"internal.coach@{DOMAIN}", "demo-internal-coach-password"),
    "client": (f"client@{DOMAIN}", "demo-client-password"),
}
CLIENT_PASSWORD = LOGINS["client"][1]

WEEKDAYS = range(1, 6)  # Monday to Friday


async def seed_if_empty() -> bool:
    """Load the demo data unless the database already has users. True when it did."""
    if await models.User.exists():
        return False
    await seed()
    return True


class Practice:
    """The demo's own verbs over the domain functions: each runs at an instant `days` from the
    seed's `now` (negative: in the past), with the domain clock frozen there."""

    def __init__(self, now: datetime):
        self.now = now

    def days_to(self, instant: datetime) -> float:
        """`instant` as the `days` of the verbs below."""
        return (instant - self.now) / timedelta(days=1)

    @contextmanager
    def at(self, days: float = 0, hours: float = 0) -> Iterator[None]:
        with clock.frozen_at(self.now + timedelta(days=days, hours=hours)):
            yield

    async def user(self, by: Viewer, email: str, password: str, name: str, role: Role, **fields) -> Viewer:
        user = await users.create_user(by, email=email, name=name, password=password, role=role, **fields)
        return await users.viewer_for(user)

    async def slot(self, service: models.Service, days: int, hour: int) -> datetime:
        """The first free start of `service` from `hour` o'clock (the coach's time) on the day
        `days` from now, or on the next working day."""
        coach = await models.Coach.get(id=service.coach_id)
        zone = ZoneInfo(coach.timezone)
        day = (self.now + timedelta(days=days)).astimezone(zone).date()
        start = datetime.combine(day, time(hour), zone)
        found = await availability.slots(coach, service, start, start + timedelta(days=7))
        return found[0][0]

    async def book(
        self, by: Viewer, service: models.Service, client_id: UUID, days: int, hour: int = 10, notes: str | None = None
    ) -> models.Session:
        """A booking for the day `days` from now, made two days before that day (or yesterday)."""
        booked = min(self.now - timedelta(days=1), self.now + timedelta(days=days - 2))
        with clock.frozen_at(booked):
            start = await self.slot(service, days, hour)
            request = booking.BookingRequest(service.id, start, client_id=client_id, booking_notes=notes)
            return await booking.book(by, request)

    async def held(
        self,
        coach: Viewer,
        session: models.Session,
        note: str | None = None,
        *,
        shared: bool = False,
        no_show: bool = False,
    ) -> models.Session:
        """The session took place (or the client did not come); the coach writes its note."""
        with clock.frozen_at(session.ends_at + timedelta(minutes=10)):
            finish = sessions.mark_no_show if no_show else sessions.complete
            session = await finish(coach, session)
            if note:
                await notes.add_note(coach, session.client_id, note, session_id=session.id, shared=shared)
        return session

    async def history(
        self, coach: Viewer, service: models.Service, client_id: UUID, days: list[int], note: str
    ) -> list[models.Session]:
        """Sessions booked by the coach and held, each with a session note."""
        held = []
        for day in days:
            session = await self.book(coach, service, client_id, day)
            held.append(await self.held(coach, session, note))
        return held

    async def cancel(
        self, by: Viewer, session: models.Session, reason: str, before: timedelta | None = None
    ) -> models.Session:
        """Cancelled `before` the start (else now); a refund it is owed is made at once, as the
        worker's job would."""
        with clock.frozen_at(self.now if before is None else session.starts_at - before):
            session = await sessions.cancel(by, session, reason)
            if session.refund_status is RefundStatus.PENDING:
                await refunds.refund(session.id)
        return session

    async def say(self, by: Viewer, other_id: UUID, body: str, days: float = 0, hours: float = 0) -> None:
        outgoing = messages.Outgoing(body=body)
        if by.role is Role.COACH:
            outgoing.client_id = other_id
        else:
            outgoing.coach_id = other_id
        with self.at(days, hours):
            await messages.send(by, outgoing)

    async def read(self, by: Viewer, coach_id: UUID, client_id: UUID, days: float = 0, hours: float = 0) -> None:
        conversation = await models.Conversation.get(coach_id=coach_id, client_id=client_id)
        with self.at(days, hours):
            await messages.mark_read(by, conversation)

    async def service(self, coach: Viewer, name: str, minutes: int, credits: int, **values) -> models.Service:
        return await services.create_service(
            coach,
            {
                "name": name,
                "duration_minutes": minutes,
                "credits": credits,
                "format": values.pop("format", SessionFormat.VIDEO),
                **values,
            },
        )


async def seed() -> None:
    demo = Practice(clock.now())
    today = demo.now.date()

    # ------------------------------------------------------------------ accounts and organisations
    admin = await demo.user(SYSTEM, *LOGINS["admin"], role=Role.ADMIN, name="Ada Admin")
    northwind = await organisations.create_organisation(
        admin, "Northwind Health", {"starts_on": today - timedelta(days=365), "ends_on": today + timedelta(days=365)}
    )
    # Each of these makes its members ineligible for a reason of its own (see the end).
    fabrikam = await organisations.create_organisation(
        admin, "Fabrikam Insurance", {"starts_on": today - timedelta(days=300), "ends_on": today - timedelta(days=14)}
    )
    contoso = await organisations.create_organisation(admin, "Contoso Retail", None)
    tailspin = await organisations.create_organisation(admin, "Tailspin Toys", None)
    for organisation, amount, note in [
        (northwind, 100, "Annual coaching budget"),
        (fabrikam, 20, "Pilot programme"),
        (contoso, 10, "Pilot programme"),
        (tailspin, 2, "Trial"),
    ]:
        await ledger.grant_organisation_credits(admin, organisation.id, amount, note, None)
    orgadmin = await demo.user(
        admin, *LOGINS["orgadmin"], role=Role.ORG_ADMIN, name="Olivia Orgadmin", organisation_id=northwind.id
    )

    chris = await demo.user(admin, *LOGINS["coach"], role=Role.COACH, name="Chris Coach", coach_kind=CoachKind.GLOBAL)
    await coaches.update_settings(
        chris,
        {
            "timezone": "Europe/London",
            "bio": "Leadership and wellbeing coach.",
            "buffer_minutes": 15,
            "auto_confirm": True,
            "cancellation_window_hours": 24,
            "response_time_hours": 24,
            "auto_reply": "Thanks for your message! I'm away for a couple of days and will answer when I'm back.",
        },
    )
    await availability.set_availability(chris, [(d, "08:00", "18:00") for d in WEEKDAYS])
    # Two days off, from local midnight, last week: before any booking, so the history skips them.
    london = ZoneInfo("Europe/London")
    away = await availability.add_time_off(
        chris,
        datetime.combine((demo.now - timedelta(days=5)).astimezone(london).date(), time(0), london),
        datetime.combine((demo.now - timedelta(days=3)).astimezone(london).date(), time(0), london),
        "At a coaching conference",
    )
    coaching = await demo.service(chris, "Coaching session", 60, 1, description="One hour, one topic.")
    deep_dive = await demo.service(
        chris,
        "Leadership deep dive",
        90,
        2,
        description="Ninety minutes on one leadership challenge; confirmed by the coach.",
        requires_confirmation=True,
    )
    await demo.service(chris, "Intro call", 30, 0, format=SessionFormat.PHONE, description="Free first call.")

    ines = await demo.user(
        admin,
        *LOGINS["internal"],
        role=Role.COACH,
        name="Ines Internal",
        coach_kind=CoachKind.INTERNAL,
        organisation_id=northwind.id,
    )
    await coaches.update_settings(
        ines,
        {
            "timezone": "America/New_York",
            "bio": "Northwind's in-house wellbeing coach.",
            "auto_confirm": False,  # her clients' bookings wait for her confirmation
            "cancellation_window_hours": 48,
        },
    )
    await availability.set_availability(ines, [(d, "09:00", "17:00") for d in WEEKDAYS])
    check_in = await demo.service(ines, "Wellbeing check-in", 45, 1, description="A regular check-in.")
    assert chris.coach_id is not None and ines.coach_id is not None

    async def allowance(client_id: UUID, credits: int) -> None:
        """Northwind's organisation admin gives a member credits from its budget."""
        client = await models.Client.get(id=client_id)
        await ledger.grant_client_credits(orgadmin, client, credits, "Coaching allowance", None)

    async def member(name: str, credits: int) -> UUID:
        """A Northwind member without a login, added by the organisation admin."""
        email = name.lower().replace(" ", ".") + "@example.com"
        client = await clients.create_client(orgadmin, {"name": name, "email": email})
        await allowance(client.id, credits)
        return client.id

    async def member_with_login(name: str, credits: int, email: str | None = None, password: str = CLIENT_PASSWORD):
        email = email or name.lower().replace(" ", ".") + "@example.com"
        viewer = await demo.user(orgadmin, email, password, name, Role.CLIENT)
        assert viewer.client_id is not None
        await allowance(viewer.client_id, credits)
        return viewer, viewer.client_id

    async def own_client(
        coach: Viewer, name: str, credits: int, days: int, tags: list[str], private: str | None = None
    ) -> UUID:
        """A client the coach adds `days` from now; the platform grants their credits."""
        with demo.at(days):
            client = await clients.create_client(
                coach,
                {"name": name, "email": name.lower().replace(" ", ".") + "@example.com", "tags": tags},
                private_notes=private,
            )
        if credits:
            await ledger.grant_client_credits(admin, client, credits, "Prepaid package", None)
        return client.id

    async def relationship(coach: Viewer, client_id: UUID, days: int) -> None:
        assert coach.coach_id is not None
        with demo.at(days):
            await clients.ensure_relationship(coach.coach_id, client_id)

    # ------------------------------------------------------------------ Chris (GLOBAL): BOOKED
    casey, casey_id = await member_with_login("Casey Client", 12, *LOGINS["client"])
    await relationship(chris, casey_id, -120)
    await demo.history(chris, coaching, casey_id, [-100, -70, -40], "Worked on the promotion case.")
    last = await demo.book(casey, coaching, casey_id, -12)
    last = await demo.held(chris, last, "Rehearsed the panel questions; homework: the one-page story.", shared=True)
    with clock.frozen_at(last.ends_at + timedelta(hours=5)):
        review = await feedback.leave(casey, last, 5, "The rehearsal made all the difference.", True)
    with clock.frozen_at(last.ends_at + timedelta(days=1)):
        await feedback.respond(chris, review, "Thank you, Casey! You did the work; the panel will see it.")
    late = await demo.book(casey, coaching, casey_id, -7, hour=14)
    await demo.cancel(casey, late, "Stuck in a meeting", timedelta(hours=3))  # late: the credits are kept
    upcoming = await demo.book(casey, coaching, casey_id, 3, notes="Panel debrief")
    with demo.at(hours=-20):
        await proposals.propose(
            chris, upcoming, await demo.slot(coaching, 4, 15), "Could we move this to the afternoon?"
        )
    await demo.book(casey, deep_dive, casey_id, 8, notes="Leading through a reorganisation")  # PENDING
    goal = await goals.create_goal(
        chris,
        casey_id,
        {
            "title": "Pass the promotion panel",
            "description": "Senior manager round.",
            "target_date": today + timedelta(days=30),
        },
    )
    item = await goals.add_action_item(chris, goal, "Write the one-page story", today - timedelta(days=5), last.id)
    await goals.set_done(item, True)
    await goals.add_action_item(chris, goal, "Ask two peers for feedback", today + timedelta(days=7), None)
    await demo.say(chris, casey_id, "Good luck with the panel! Tell me how it went.", days=-2)
    await demo.read(casey, chris.coach_id, casey_id, days=-1)
    await demo.say(chris, casey_id, "I've proposed a new time for our next session: does it suit you?", hours=-20)
    await demo.say(casey, chris.coach_id, "It went well! Could we do the deep dive next week?", hours=-3)

    maya, maya_id = await member_with_login("Maya Patel", 16)
    await relationship(chris, maya_id, -215)
    await demo.history(
        chris, coaching, maya_id, [-210, -190, -170, -150, -130, -110, -90, -70, -50, -30], "Delegation plan."
    )
    next_one = await demo.book(chris, coaching, maya_id, 2)
    await proposals.propose(maya, next_one, await demo.slot(coaching, 5, 11), "Later that week suits me better.")
    done = await goals.create_goal(chris, maya_id, {"title": "Delegate the weekly report"})
    await goals.update_goal(chris, done, {"status": GoalStatus.ACHIEVED})
    planning = await goals.create_goal(
        maya, maya_id, {"title": "Lead the Q1 planning", "target_date": today + timedelta(days=60)}
    )
    await goals.add_action_item(maya, planning, "Draft the planning agenda", today + timedelta(days=10), None)
    await demo.say(maya, chris.coach_id, "Thanks for today, the plan is clear.", days=-30, hours=2)
    await demo.read(chris, chris.coach_id, maya_id, days=-30, hours=3)
    # Maya writes while Chris is away (the auto-reply answers her); back, he books her a weekly series.
    gone, back = demo.days_to(away.starts_at), demo.days_to(away.ends_at)
    await demo.say(maya, chris.coach_id, "Could we meet every week while the Q1 planning runs?", gone, 34)
    await demo.read(chris, chris.coach_id, maya_id, days=back, hours=9)
    with demo.at(back, hours=9):
        first = await demo.slot(coaching, 9, 16)
        await series.book(
            chris,
            series.SeriesRequest(coaching.id, first, count=4, client_id=maya_id, booking_notes="Q1 planning"),
        )
    await demo.say(chris, maya_id, "Back now: I've booked us four weekly sessions through the planning.", back, 9)

    # ------------------------------------------------------------------ Chris: PREVIOUSLY_BOOKED_0_14
    tom = await demo.user(admin, "tom.becker@example.com", CLIENT_PASSWORD, "Tom Becker", Role.CLIENT)
    assert tom.client_id is not None
    await ledger.grant_client_credits(admin, await models.Client.get(id=tom.client_id), 5, "Prepaid package", None)
    await relationship(chris, tom.client_id, -40)
    await demo.history(chris, coaching, tom.client_id, [-25], "Mapped the move into product management.")
    recent = await demo.book(chris, coaching, tom.client_id, -6)
    await demo.held(chris, recent)  # no notes yet: a pending action
    cancelled = await demo.book(tom, coaching, tom.client_id, 6)
    await demo.cancel(tom, cancelled, "Travelling that week")  # in time: refunded
    await demo.say(tom, chris.coach_id, "Sorry for cancelling, I'll rebook when I'm back.", hours=-1)

    ana, ana_id = await member_with_login("Ana Lima", 4)
    await relationship(chris, ana_id, -45)
    await demo.history(chris, coaching, ana_id, [-35], "Evening routine agreed.")
    session = (await demo.history(chris, coaching, ana_id, [-9], "Sleep has improved."))[0]
    with clock.frozen_at(session.ends_at + timedelta(days=1)):
        await feedback.leave(ana, session, 4, "Helpful, though I'd like more concrete exercises.", False)
    await notes.add_note(chris, ana_id, "Check in about the new shift pattern.", shared=False)

    # ------------------------------------------------------------------ Chris: PREVIOUSLY_BOOKED_14_30
    jonas = await member("Jonas Berg", 4)
    await relationship(chris, jonas, -60)
    await demo.history(chris, coaching, jonas, [-45, -20], "New team lead; struggles with delegation.")
    off = await demo.book(chris, coaching, jonas, -15)
    await demo.cancel(chris, off, "Coach unwell", timedelta(days=1))  # by the coach: refunded

    grace = await own_client(chris, "Grace Okafor", 4, -50, ["career", "confidence"], "Met at the autumn workshop.")
    await demo.history(chris, coaching, grace, [-40], "Interview preparation.")
    missed = await demo.book(chris, coaching, grace, -18)
    await demo.held(chris, missed, no_show=True)
    await notes.add_note(chris, grace, "Missed the last session; send a friendly reminder.", shared=False)

    # ------------------------------------------------------------------ Chris: PREVIOUSLY_BOOKED_30_PLUS,
    # each ineligible for a reason of their own.
    priya = await clients.create_client(admin, {"name": "Priya Shah", "tags": ["career"]}, organisation_id=fabrikam.id)
    await ledger.grant_client_credits(admin, priya, 6, "Pilot programme", None)
    await relationship(chris, priya.id, -70)
    await demo.history(chris, coaching, priya.id, [-60, -45], "Career change options.")  # then the period ended

    diego = await clients.create_client(admin, {"name": "Diego Ramos"}, organisation_id=contoso.id)
    await ledger.grant_client_credits(admin, diego, 3, "Pilot programme", None)
    await relationship(chris, diego.id, -80)
    await demo.history(chris, coaching, diego.id, [-75], "Store manager; wants a better work-life balance.")

    noah = await clients.create_client(admin, {"name": "Noah Fischer"}, organisation_id=tailspin.id)
    await ledger.grant_client_credits(admin, noah, 5, "Trial", None)
    await relationship(chris, noah.id, -55)
    await demo.history(chris, coaching, noah.id, [-50, -36], "Trial sessions.")  # Tailspin's 2 credits, used

    liam = await own_client(chris, "Liam Chen", 3, -100, ["wellbeing"], "Returning after a long break.")
    await demo.history(chris, coaching, liam, [-90, -65, -38], "Keep it light.")  # every credit used

    sofia = await own_client(chris, "Sofia Rossi", 2, -130, ["stress"])
    await demo.history(chris, coaching, sofia, [-120], "Burnout recovery plan.")
    await notes.add_note(chris, sofia, "Paused coaching: moving abroad.", shared=True)

    # ------------------------------------------------------------------ Chris: PROSPECTIVE
    ethan = await demo.user(admin, "ethan.brooks@example.com", CLIENT_PASSWORD, "Ethan Brooks", Role.CLIENT)
    await demo.say(ethan, chris.coach_id, "Hi Chris, do you coach first-time managers?", hours=-5)  # starts it
    await own_client(chris, "Aisha Khan", 3, -2, ["leadership"], "Referred by Maya; intro call to book.")

    # ------------------------------------------------------------------ Ines (INTERNAL, Northwind)
    hannah = await member("Hannah Wright", 6)
    omar = await member("Omar Haddad", 4)
    lucas = await member("Lucas Martin", 4)
    zoe = await member("Zoe Turner", 2)
    ben = await member("Ben Carter", 3)
    for client_id, since in [(hannah, -60), (omar, -30), (lucas, -45), (zoe, -80), (ben, -100)]:
        await relationship(ines, client_id, since)
    await demo.history(ines, check_in, hannah, [-30], "Stress is down since the team change.")
    await demo.book(ines, check_in, hannah, 4)
    await demo.history(ines, check_in, omar, [-8], "Sleep diary started.")
    await demo.history(ines, check_in, lucas, [-22], "Back pain and posture at the desk.")
    lucas_missed = await demo.book(ines, check_in, lucas, -16)
    await demo.held(ines, lucas_missed, no_show=True)
    await demo.history(ines, check_in, zoe, [-50, -35], "Return-to-work plan.")
    await demo.history(ines, check_in, ben, [-70], "Exit conversation.")
    await demo.book(casey, check_in, casey_id, 5, notes="Sleep after the promotion stress")  # PENDING
    await demo.say(casey, ines.coach_id, "Hi Ines, I booked a check-in for next week.", hours=-4)
    await goals.create_goal(ines, hannah, {"title": "Two screen-free evenings a week"})

    # ------------------------------------------------------------------ what changed afterwards
    await organisations.update_organisation(admin, contoso, {"active": False})  # ORGANISATION_INACTIVE
    await clients.set_active(chris, await models.Client.get(id=sofia), False)  # CLIENT_INACTIVE
    await clients.set_active(orgadmin, await models.Client.get(id=ben), False)  # left Northwind

    # The categories, now (the worker's job would follow within the minute).
    pairs = await models.CoachClient.all().values_list("coach_id", "client_id")
    await categories.recalculate_pairs([(coach_id, client_id) for coach_id, client_id in pairs])
