"""Notifications: created by their events, stored in-app, e-mailed by a real worker to a real SMTP
server on loopback (aiosmtpd), at most once each."""

import dataclasses
import email
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller

import models
from domain import clock, reminders
from models.enums import NotificationKind, Role
from tests.support.booking import BOOK, CANCEL, COMPLETE, CONFIRM, setup_coach
from tests.support.credits import GRANT, GRANT_ORG
from tests.support.dates import utc
from tests.support.errors import user_error
from tests.support.messages import SEND_MESSAGE
from tests.support.workers import free_port, run_worker
from workers import email as email_worker
from workers.outbox import relay_outbox
from workers.settings import create_queue

NOW = utc(2030, 3, 1, 12)
NOTIFICATIONS = "{ notifications { totalCount edges { node { id kind title body readAt session { id } } } } }"


class Inbox:
    """An SMTP server's handler: refuses the first `refusals` messages with `refusal` (451 by
    default), then keeps them."""

    def __init__(self, refusals: int = 0, refusal: str = "451 Try again later"):
        self.refusals = refusals
        self.refusal = refusal
        self.attempts = 0
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd hook name)
        self.attempts += 1
        if self.attempts <= self.refusals:
            return self.refusal
        message = email.message_from_bytes(envelope.content)
        message["X-Rcpt"] = ",".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"


@pytest.fixture
def smtp():
    servers = []

    def start(refusals: int = 0, refusal: str = "451 Try again later") -> tuple[Inbox, int]:
        inbox, port = Inbox(refusals, refusal), free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        servers.append(controller)
        return inbox, port

    yield start
    for controller in servers:
        controller.stop()


async def kinds_for(api, actor) -> list[str]:
    data = await api.ok(NOTIFICATIONS, token=actor.token)
    return sorted(e["node"]["kind"] for e in data["notifications"]["edges"])


async def test_a_booking_request_reaches_the_coach_in_app_and_by_email(api, world, test_settings, smtp, monkeypatch):
    clock.freeze(NOW)
    inbox, port = smtp()
    settings = dataclasses.replace(test_settings, smtp_host="127.0.0.1", smtp_port=port)
    admin = await world.admin()
    member = await world.user(Role.CLIENT, name="Mia Client")
    coach, service = await setup_coach(api, world, auto_confirm=False)
    await api.ok(GRANT, {"input": {"clientId": member.client_id, "amount": 1}}, admin.token)

    await api.ok(BOOK, {"i": {"serviceId": service, "startsAt": "2030-03-02T09:00:00Z"}}, member.token)
    await run_worker(settings)

    data = await api.ok(NOTIFICATIONS, token=coach.token)
    node = data["notifications"]["edges"][0]["node"]
    assert (node["kind"], node["title"]) == ("BOOKING_REQUESTED", "New booking to confirm")
    assert "Mia Client booked a session on Saturday 02 March 2030, 09:00 UTC" in node["body"]
    to_coach = [m for m in inbox.messages if m["X-Rcpt"] == coach.email]
    assert len(to_coach) == 1 and len(inbox.messages) == 2  # and the client's low-credit notice
    mail = to_coach[0]
    assert mail["Subject"] == "New booking to confirm"
    notification_id = (await models.Notification.get(kind="BOOKING_REQUESTED")).id
    assert mail["Message-ID"] == f"<notification.{notification_id}@caseload>"
    # The client was told of low credits (their pool fell to 0).
    assert await kinds_for(api, member) == ["CREDITS_LOW"]

    # Marked read through the API.
    marked = await api.ok(
        "mutation($ids: [ID!]!) { markNotificationsRead(input: {notificationIds: $ids}) { updatedCount } }",
        {"ids": [node["id"]]},
        coach.token,
    )
    assert marked["markNotificationsRead"]["updatedCount"] == 1
    assert (await api.ok("{ notifications(unreadOnly: true) { totalCount } }", token=coach.token))["notifications"][
        "totalCount"
    ] == 0
    other = await api.ok(
        "mutation($ids: [ID!]!) { markNotificationsRead(input: {notificationIds: $ids}) { updatedCount } }",
        {"ids": [node["id"]]},
        member.token,
    )
    assert other["markNotificationsRead"]["updatedCount"] == 0  # not theirs


async def test_smtp_refusing_twice_then_accepting_sends_exactly_one_email(api, world, test_settings, smtp, monkeypatch):
    clock.freeze(NOW)
    monkeypatch.setattr(email_worker, "RETRY_BASE_SECONDS", 0.05)
    inbox, port = smtp(refusals=2)
    settings = dataclasses.replace(test_settings, smtp_host="127.0.0.1", smtp_port=port)
    coach, _ = await setup_coach(api, world)
    member = await world.user(Role.CLIENT)
    await api.ok(
        "mutation($i: SendMessageInput!) { sendMessage(input: $i) { userErrors { code } } }",
        {"i": {"coachId": coach.coach_id, "body": "secret words"}},
        member.token,
    )

    await run_worker(settings)
    await run_worker(settings)  # a second worker run finds it recorded as e-mailed

    notification = await models.Notification.get(kind="MESSAGE_RECEIVED")
    assert (inbox.attempts, len(inbox.messages)) == (3, 1)
    assert (notification.email_status.value, notification.email_attempts) == ("SENT", 3)
    assert "secret words" not in inbox.messages[0].as_string()  # e-mails never quote messages

    # The job delivered again (e.g. re-pushed) sends nothing: it is recorded as e-mailed.
    assert await email_worker.email_notification({"settings": settings}, str(notification.id)) == "nothing to send"
    assert len(inbox.messages) == 1


async def test_each_kind_is_created_by_its_event_and_emailed_to_its_recipient(api, world, test_settings, smtp):
    clock.freeze(NOW)
    inbox, port = smtp()
    test_settings = dataclasses.replace(test_settings, smtp_host="127.0.0.1", smtp_port=port)
    admin = await world.admin()
    org = await world.organisation()
    member = await world.user(Role.CLIENT, organisation=org)
    coach, service = await setup_coach(api, world, auto_confirm=False)
    await api.ok(GRANT, {"input": {"clientId": member.client_id, "amount": 10}}, admin.token)
    await api.ok(GRANT_ORG, {"input": {"organisationId": org, "amount": 10}}, admin.token)

    def book(start, token=member.token, **extra):
        return api.ok(BOOK, {"i": {"serviceId": service, "startsAt": start, **extra}}, token)

    first = (await book("2030-03-05T09:00:00Z"))["bookSession"]["session"]["id"]  # BOOKING_REQUESTED (coach)
    await api.ok(CONFIRM, {"i": {"sessionId": first}}, coach.token)  # BOOKING_CONFIRMED (client)
    second = (await book("2030-03-06T09:00:00Z"))["bookSession"]["session"]["id"]
    await api.ok(
        "mutation($i: DeclineSessionInput!) { declineSession(input: $i) { userErrors { code } } }",
        {"i": {"sessionId": second}},
        coach.token,
    )  # BOOKING_DECLINED (client)
    proposal = await api.ok(
        """mutation($i: ProposeRescheduleInput!) { proposeReschedule(input: $i) { proposal { id } } }""",
        {"i": {"sessionId": first, "startsAt": "2030-03-05T11:00:00Z"}},
        member.token,
    )  # RESCHEDULE_PROPOSED (coach)
    respond = """mutation($i: RespondToProposalInput!) { respondToProposal(input: $i) { proposal { id } userErrors { code } } }"""
    await api.ok(
        respond,
        {
            "i": {
                "proposalId": proposal["proposeReschedule"]["proposal"]["id"],
                "accept": False,
                "counterStartsAt": "2030-03-05T13:00:00Z",
            }
        },
        coach.token,
    )  # RESCHEDULE_DECLINED + PROPOSED (client)
    counter = await models.RescheduleProposal.get(status="OPEN")
    from schema.node import encode

    await api.ok(
        respond, {"i": {"proposalId": encode("RescheduleProposal", counter.id), "accept": True}}, member.token
    )  # RESCHEDULE_ACCEPTED (coach)
    third = (await book("2030-03-07T09:00:00Z"))["bookSession"]["session"]["id"]
    await api.ok(CANCEL, {"i": {"sessionId": third}}, member.token)  # SESSION_CANCELLED (coach)
    await run_worker(test_settings)  # CREDITS_REFUNDED (client)
    await api.ok(
        "mutation($i: SendMessageInput!) { sendMessage(input: $i) { userErrors { code } } }",
        {"i": {"clientId": member.client_id, "body": "See you"}},
        coach.token,
    )  # MESSAGE_RECEIVED (client)
    await api.ok(
        "mutation($i: RequestReviewInput!) { requestReview(input: $i) { notification { kind } userErrors { code } } }",
        {"i": {"clientId": member.client_id}},
        coach.token,
    )  # REVIEW_REQUESTED (client)
    clock.freeze(utc(2030, 3, 4, 14))
    assert await reminders.send_due() == 2  # SESSION_REMINDER (both)

    assert await kinds_for(api, coach) == sorted(
        [
            "BOOKING_REQUESTED",
            "BOOKING_REQUESTED",
            "BOOKING_REQUESTED",
            "RESCHEDULE_PROPOSED",
            "RESCHEDULE_ACCEPTED",
            "SESSION_CANCELLED",
            "SESSION_REMINDER",
        ]
    )
    assert await kinds_for(api, member) == sorted(
        [
            "BOOKING_CONFIRMED",
            "BOOKING_DECLINED",
            "RESCHEDULE_DECLINED",
            "RESCHEDULE_PROPOSED",
            "CREDITS_REFUNDED",
            "CREDITS_REFUNDED",
            "MESSAGE_RECEIVED",
            "REVIEW_REQUESTED",
            "SESSION_REMINDER",
        ]
    )

    # Every one of them e-mailed once, to its own recipient, under its own title (the relay
    # pushes the reminders' jobs, as its cron would).
    queue = await create_queue(test_settings.redis_url)
    try:
        await relay_outbox({"redis": queue})
    finally:
        await queue.aclose()
    await run_worker(test_settings)
    for actor in (coach, member):
        titles = sorted(n.title for n in await models.Notification.filter(user__email=actor.email))
        assert sorted(m["Subject"] for m in inbox.messages if m["X-Rcpt"] == actor.email) == titles
    assert await models.Notification.exclude(email_status="SENT").count() == 0


async def test_reminders_once_each_none_after_cancelling_and_new_after_moving(api, world):
    clock.freeze(NOW)
    admin = await world.admin()
    member = await world.user(Role.CLIENT)
    coach, service = await setup_coach(api, world)
    await api.ok(GRANT, {"input": {"clientId": member.client_id, "amount": 5}}, admin.token)
    kept = (await api.ok(BOOK, {"i": {"serviceId": service, "startsAt": "2030-03-03T12:00:00Z"}}, member.token))[
        "bookSession"
    ]["session"]["id"]
    dropped = (await api.ok(BOOK, {"i": {"serviceId": service, "startsAt": "2030-03-03T14:00:00Z"}}, member.token))[
        "bookSession"
    ]["session"]["id"]
    await api.ok(CANCEL, {"i": {"sessionId": dropped}}, member.token)

    clock.freeze(utc(2030, 3, 2, 13))  # 23 h before the kept one
    assert await reminders.send_due() == 2  # the client's and the coach's 24 h reminders
    assert await reminders.send_due() == 0  # once each
    clock.freeze(utc(2030, 3, 3, 11, 30))
    assert await reminders.send_due() == 2  # the 1 h reminders

    # Moved to the next day: new reminders for the new time.
    clock.freeze(utc(2030, 3, 3, 11, 40))
    proposal = await api.ok(
        """mutation($i: ProposeRescheduleInput!) { proposeReschedule(input: $i) { proposal { id } } }""",
        {"i": {"sessionId": kept, "startsAt": "2030-03-04T12:00:00Z"}},
        coach.token,
    )
    await api.ok(
        """mutation($i: RespondToProposalInput!) { respondToProposal(input: $i) { userErrors { code } } }""",
        {"i": {"proposalId": proposal["proposeReschedule"]["proposal"]["id"], "accept": True}},
        member.token,
    )
    clock.freeze(utc(2030, 3, 3, 12, 30))
    assert await reminders.send_due() == 2
    reminded = await models.Notification.filter(kind="SESSION_REMINDER").count()
    assert reminded == 6


async def test_feedback_after_a_completed_session(api, world):
    clock.freeze(NOW)
    admin = await world.admin()
    member = await world.user(Role.CLIENT)
    coach, service = await setup_coach(api, world)
    await api.ok(GRANT, {"input": {"clientId": member.client_id, "amount": 1}}, admin.token)
    session = (await api.ok(BOOK, {"i": {"serviceId": service, "startsAt": "2030-03-02T09:00:00Z"}}, member.token))[
        "bookSession"
    ]["session"]["id"]
    leave = """mutation($i: LeaveFeedbackInput!) { leaveFeedback(input: $i) { feedback { rating comment } userErrors { code field message } } }"""

    early = await api.ok(leave, {"i": {"sessionId": session, "rating": 5}}, member.token)
    assert early["leaveFeedback"]["userErrors"] == [
        user_error("INVALID_TRANSITION", ["input", "sessionId"], "Feedback follows a completed session.")
    ]
    clock.freeze(utc(2030, 3, 2, 10, 30))
    await api.ok(COMPLETE, {"i": {"sessionId": session}}, coach.token)
    bad = await api.ok(leave, {"i": {"sessionId": session, "rating": 6}}, member.token)
    assert bad["leaveFeedback"]["userErrors"] == [
        {"code": "INVALID", "field": ["input", "rating"], "message": "Must be between 1 and 5."}
    ]
    good = await api.ok(leave, {"i": {"sessionId": session, "rating": 5, "comment": "Helpful"}}, member.token)
    assert good["leaveFeedback"]["feedback"] == {"rating": 5, "comment": "Helpful"}
    again = await api.ok(leave, {"i": {"sessionId": session, "rating": 4}}, member.token)
    assert again["leaveFeedback"]["userErrors"] == [
        user_error("CONFLICT", ["input", "sessionId"], "This session already has feedback.")
    ]

    seen = await api.ok("query($id: ID!) { session(id: $id) { feedback { rating } } }", {"id": session}, coach.token)
    assert seen["session"]["feedback"] == {"rating": 5}
    timeline = await api.ok(
        "query($id: ID!) { client(id: $id) { timeline(kinds: [FEEDBACK_RECEIVED]) { totalCount } } }",
        {"id": member.client_id},
        coach.token,
    )
    assert timeline["client"]["timeline"]["totalCount"] == 1


async def test_an_email_refused_for_good_is_failed_with_its_reason_and_tried_once(api, world, test_settings, smtp):
    clock.freeze(NOW)
    inbox, port = smtp(refusals=100, refusal="550 No such user here")
    settings = dataclasses.replace(test_settings, smtp_host="127.0.0.1", smtp_port=port)
    coach, _ = await setup_coach(api, world)
    member = await world.user(Role.CLIENT)
    await api.ok(SEND_MESSAGE, {"i": {"coachId": coach.coach_id, "body": "hello"}}, member.token)

    await run_worker(settings)

    notification = await models.Notification.get(kind="MESSAGE_RECEIVED")
    assert (notification.email_status.value, notification.email_failure, notification.email_attempts) == (
        "FAILED",
        "SMTP 550",
        1,
    )
    assert inbox.attempts == 1  # a permanent refusal is not retried


async def test_an_email_whose_header_cannot_be_written_is_failed_not_retried(api, world, test_settings, smtp):
    """A title holding a line break (older data, or a name that slipped in one) cannot be a
    Subject header: FAILED with "invalid header", never a job that fails for good unrecorded."""
    from domain import notifications

    clock.freeze(NOW)
    inbox, port = smtp()
    settings = dataclasses.replace(test_settings, smtp_host="127.0.0.1", smtp_port=port)
    member = await world.user(Role.CLIENT)
    user = await models.User.get(email=member.email)
    await notifications.notify(
        notifications.Recipient(user.id),
        NotificationKind.REVIEW_REQUESTED,
        "Review from Eve\nBcc: victim@example.test",
        "body",
    )
    queue = await create_queue(test_settings.redis_url)
    try:
        await relay_outbox({"redis": queue})
    finally:
        await queue.aclose()

    await run_worker(settings)

    notification = await models.Notification.get(kind="REVIEW_REQUESTED")
    assert (notification.email_status.value, notification.email_failure) == ("FAILED", "invalid header")
    assert inbox.attempts == 0


async def test_a_pending_email_whose_job_was_lost_is_redriven_and_sent_once(api, world, test_settings, smtp, redis):
    from domain import notifications
    from workers.email import reconcile_emails

    clock.freeze(NOW)
    inbox, port = smtp()
    settings = dataclasses.replace(test_settings, smtp_host="127.0.0.1", smtp_port=port)
    coach, _ = await setup_coach(api, world)
    member = await world.user(Role.CLIENT)
    await api.ok(SEND_MESSAGE, {"i": {"coachId": coach.coach_id, "body": "hello"}}, member.token)
    await redis.flushdb()  # Redis restarted empty: the pushed job is gone

    await run_worker(settings)
    assert inbox.attempts == 0
    assert (await models.Notification.get(kind="MESSAGE_RECEIVED")).email_status.value == "PENDING"

    queue = await create_queue(test_settings.redis_url)
    try:
        assert await reconcile_emails({"redis": queue}) == 0  # not stuck yet: its job may be on the way
        clock.advance(notifications.EMAIL_STUCK_AFTER + timedelta(seconds=1))
        assert await reconcile_emails({"redis": queue}) == 1
    finally:
        await queue.aclose()
    await run_worker(settings)

    notification = await models.Notification.get(kind="MESSAGE_RECEIVED")
    assert (notification.email_status.value, len(inbox.messages)) == ("SENT", 1)
    assert inbox.messages[0]["X-Rcpt"] == coach.email


async def test_an_email_whose_jobs_keep_dying_is_failed_by_the_reconciler(api, world, test_settings):
    from domain import notifications
    from workers.email import reconcile_emails

    clock.freeze(NOW)
    coach, _ = await setup_coach(api, world)
    member = await world.user(Role.CLIENT)
    await api.ok(SEND_MESSAGE, {"i": {"coachId": coach.coach_id, "body": "hello"}}, member.token)
    # Every attempt claimed, none recorded (the job died after claiming, each time).
    await models.Notification.filter(kind="MESSAGE_RECEIVED").update(email_attempts=notifications.MAX_EMAIL_ATTEMPTS)
    clock.advance(notifications.EMAIL_STUCK_AFTER + timedelta(seconds=1))

    assert await reconcile_emails({"redis": None}) == 0

    notification = await models.Notification.get(kind="MESSAGE_RECEIVED")
    assert (notification.email_status.value, notification.email_failure) == ("FAILED", "no answer after 4 attempts")
