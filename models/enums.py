"""Stored enumerations. The GraphQL enums in schema/ mirror these by value."""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import ClassVar


class Role(str, Enum):
    ADMIN = "ADMIN"
    COACH = "COACH"
    CLIENT = "CLIENT"
    ORG_ADMIN = "ORG_ADMIN"


class CoachKind(str, Enum):
    GLOBAL = "GLOBAL"
    INTERNAL = "INTERNAL"


class SessionFormat(str, Enum):
    VIDEO = "VIDEO"
    PHONE = "PHONE"
    IN_PERSON = "IN_PERSON"
    OTHER = "OTHER"


class ClientCategory(str, Enum):
    BOOKED = "BOOKED"
    PREVIOUSLY_BOOKED_0_14 = "PREVIOUSLY_BOOKED_0_14"
    PREVIOUSLY_BOOKED_14_30 = "PREVIOUSLY_BOOKED_14_30"
    PREVIOUSLY_BOOKED_30_PLUS = "PREVIOUSLY_BOOKED_30_PLUS"
    PROSPECTIVE = "PROSPECTIVE"


class SessionStatus(str, Enum):
    PENDING = "PENDING"
    CONFIRMED = "CONFIRMED"
    CANCELLED = "CANCELLED"
    COMPLETED = "COMPLETED"
    NO_SHOW = "NO_SHOW"

    # The status groups the rules speak of, defined once below the class (members cannot be
    # named inside their own Enum body); SQL reads them through `sql()`.
    LIVE: ClassVar[tuple[SessionStatus, ...]]  # holds its slot and may still take place
    HAD: ClassVar[tuple[SessionStatus, ...]]  # firmly booked, whether held yet or not: a "last session"
    HELD: ClassVar[tuple[SessionStatus, ...]]  # took place, the client came or not: paid for
    PAST: ClassVar[tuple[SessionStatus, ...]]  # what a session recorded after the fact may be

    @staticmethod
    def sql(statuses: Iterable[SessionStatus]) -> str:
        """An SQL list for `status IN (...)`, from the enum's own values (no user input)."""
        return "(" + ", ".join(f"'{s.value}'" for s in statuses) + ")"


SessionStatus.LIVE = (SessionStatus.PENDING, SessionStatus.CONFIRMED)
SessionStatus.HAD = (SessionStatus.CONFIRMED, SessionStatus.COMPLETED, SessionStatus.NO_SHOW)
SessionStatus.HELD = (SessionStatus.COMPLETED, SessionStatus.NO_SHOW)
SessionStatus.PAST = (SessionStatus.COMPLETED, SessionStatus.NO_SHOW, SessionStatus.CANCELLED)


class RefundStatus(str, Enum):
    PENDING = "PENDING"
    REFUNDED = "REFUNDED"
    NOT_REFUNDABLE = "NOT_REFUNDABLE"


class ProposalStatus(str, Enum):
    OPEN = "OPEN"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    SUPERSEDED = "SUPERSEDED"
    WITHDRAWN = "WITHDRAWN"


class CreditPoolKind(str, Enum):
    CLIENT = "CLIENT"
    ORGANISATION = "ORGANISATION"


class CreditReason(str, Enum):
    GRANT = "GRANT"
    BOOKING = "BOOKING"
    REFUND = "REFUND"
    ADJUSTMENT = "ADJUSTMENT"
    EXPIRY = "EXPIRY"


class GoalStatus(str, Enum):
    ACTIVE = "ACTIVE"
    ACHIEVED = "ACHIEVED"
    DROPPED = "DROPPED"


class ActivityKind(str, Enum):
    PROFILE_CREATED = "PROFILE_CREATED"
    PROFILE_UPDATED = "PROFILE_UPDATED"
    SESSION_BOOKED = "SESSION_BOOKED"
    SESSION_CONFIRMED = "SESSION_CONFIRMED"
    SESSION_RESCHEDULED = "SESSION_RESCHEDULED"
    SESSION_CANCELLED = "SESSION_CANCELLED"
    SESSION_COMPLETED = "SESSION_COMPLETED"
    SESSION_NO_SHOW = "SESSION_NO_SHOW"
    NOTE_ADDED = "NOTE_ADDED"
    NOTE_EDITED = "NOTE_EDITED"
    MESSAGE_SENT = "MESSAGE_SENT"
    CREDITS_GRANTED = "CREDITS_GRANTED"
    CREDITS_REFUNDED = "CREDITS_REFUNDED"
    FEEDBACK_RECEIVED = "FEEDBACK_RECEIVED"


class TemplateKind(str, Enum):
    BEFORE_SESSION = "BEFORE_SESSION"
    AFTER_SESSION = "AFTER_SESSION"
    GENERAL = "GENERAL"


class NotificationKind(str, Enum):
    BOOKING_REQUESTED = "BOOKING_REQUESTED"
    BOOKING_CONFIRMED = "BOOKING_CONFIRMED"
    BOOKING_DECLINED = "BOOKING_DECLINED"
    RESCHEDULE_PROPOSED = "RESCHEDULE_PROPOSED"
    RESCHEDULE_ACCEPTED = "RESCHEDULE_ACCEPTED"
    RESCHEDULE_DECLINED = "RESCHEDULE_DECLINED"
    SESSION_CANCELLED = "SESSION_CANCELLED"
    SESSION_REMINDER = "SESSION_REMINDER"
    MESSAGE_RECEIVED = "MESSAGE_RECEIVED"
    CREDITS_REFUNDED = "CREDITS_REFUNDED"
    CREDITS_LOW = "CREDITS_LOW"
    REVIEW_REQUESTED = "REVIEW_REQUESTED"
    # A webhook endpoint switched off by its failures (410 Gone, or failing for days).
    WEBHOOK_DISABLED = "WEBHOOK_DISABLED"
    # E-mail only (no login to show them to yet, or a secret in the e-mail): never in-app.
    INVITATION = "INVITATION"
    PASSWORD_RESET = "PASSWORD_RESET"


class EmailStatus(str, Enum):
    NONE = "NONE"
    PENDING = "PENDING"
    SENT = "SENT"
    FAILED = "FAILED"


class AccountTokenKind(str, Enum):
    INVITATION = "INVITATION"
    PASSWORD_RESET = "PASSWORD_RESET"


class WebhookEventType(str, Enum):
    """What an event is about. Stored and shown in GraphQL by name; sent on the wire lower-case
    and dotted at the first underscore (SESSION_NO_SHOW is session.no_show): see `wire`."""

    SESSION_BOOKED = "SESSION_BOOKED"
    SESSION_CONFIRMED = "SESSION_CONFIRMED"
    SESSION_DECLINED = "SESSION_DECLINED"
    SESSION_RESCHEDULED = "SESSION_RESCHEDULED"
    SESSION_CANCELLED = "SESSION_CANCELLED"
    SESSION_COMPLETED = "SESSION_COMPLETED"
    SESSION_NO_SHOW = "SESSION_NO_SHOW"
    CREDITS_GRANTED = "CREDITS_GRANTED"
    CREDITS_DEBITED = "CREDITS_DEBITED"
    CREDITS_REFUNDED = "CREDITS_REFUNDED"
    CREDITS_LOW = "CREDITS_LOW"
    CLIENT_CREATED = "CLIENT_CREATED"
    CLIENT_UPDATED = "CLIENT_UPDATED"
    CLIENT_DELETED = "CLIENT_DELETED"
    CLIENT_ERASED = "CLIENT_ERASED"
    PING = "PING"

    @property
    def wire(self) -> str:
        return self.value.lower().replace("_", ".", 1)


class WebhookOwnerKind(str, Enum):
    PLATFORM = "PLATFORM"  # an admin's endpoint for the whole platform
    ORGANISATION = "ORGANISATION"  # an organisation's (its admins, its API keys, or an admin for it)
    COACH = "COACH"  # a coach's own practice


class WebhookDeliveryStatus(str, Enum):
    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
