"""Tortoise models. Tortoise needs the whole set at start-up, so this one layer's __init__
gathers them: `import models` and write `models.Client`."""

from models.account import AccountToken
from models.activity import ActivityEvent
from models.calendar import CalendarFeed
from models.client import Client, ClientDataKey, CoachClient
from models.coach import AvailabilityRule, Coach, Service, TimeOff
from models.credit import CreditPool, CreditTransaction
from models.feedback import Feedback
from models.goal import ActionItem, Goal
from models.message import Conversation, Message, MessageTemplate
from models.note import Note, NoteRevision
from models.notification import Notification
from models.organisation import Organisation
from models.outbox import OutboxJob
from models.series import SessionSeries
from models.session import RescheduleProposal, Session
from models.user import ApiKey, User
from models.webhook import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent, WebhookObjectSequence

__all__ = [
    "AccountToken",
    "ActionItem",
    "ActivityEvent",
    "ApiKey",
    "AvailabilityRule",
    "CalendarFeed",
    "Client",
    "ClientDataKey",
    "Coach",
    "CoachClient",
    "Conversation",
    "CreditPool",
    "CreditTransaction",
    "Feedback",
    "Goal",
    "Message",
    "MessageTemplate",
    "Note",
    "NoteRevision",
    "Notification",
    "Organisation",
    "OutboxJob",
    "RescheduleProposal",
    "Service",
    "Session",
    "SessionSeries",
    "TimeOff",
    "User",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
    "WebhookObjectSequence",
]
