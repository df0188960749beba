"""GraphQL enums, the stored enums registered under the contract's names.

`strawberry.enum` registers a class in place and returns it unchanged, so each name below is the
stored enum itself (one type for mypy, the ORM and the schema)."""

from enum import Enum

import strawberry

from models import enums

Role = enums.Role
strawberry.enum(Role, name="Role")
CoachKind = enums.CoachKind
strawberry.enum(
    CoachKind,
    name="CoachKind",
    description=(
        "GLOBAL coaches are on the platform roster: their sessions use client AND organisation credits. "
        "INTERNAL coaches belong to one organisation: their sessions use client credits only."
    ),
)
SessionFormat = enums.SessionFormat
strawberry.enum(SessionFormat, name="SessionFormat")
ClientCategory = enums.ClientCategory
strawberry.enum(ClientCategory, name="ClientCategory")
SessionStatus = enums.SessionStatus
strawberry.enum(SessionStatus, name="SessionStatus")
RefundStatus = enums.RefundStatus
strawberry.enum(RefundStatus, name="RefundStatus")
ProposalStatus = enums.ProposalStatus
strawberry.enum(ProposalStatus, name="ProposalStatus")
CreditPoolKind = enums.CreditPoolKind
strawberry.enum(CreditPoolKind, name="CreditPoolKind")
CreditReason = enums.CreditReason
strawberry.enum(CreditReason, name="CreditReason")
GoalStatus = enums.GoalStatus
strawberry.enum(GoalStatus, name="GoalStatus")
ActivityKind = enums.ActivityKind
strawberry.enum(ActivityKind, name="ActivityKind")
TemplateKind = enums.TemplateKind
strawberry.enum(TemplateKind, name="TemplateKind")
NotificationKind = enums.NotificationKind
strawberry.enum(NotificationKind, name="NotificationKind")


@strawberry.enum
class OrderDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


WebhookEventType = enums.WebhookEventType
strawberry.enum(
    WebhookEventType,
    name="WebhookEventType",
    description="Wire names are lower-case and dotted: SESSION_CANCELLED is sent as session.cancelled.",
)
WebhookDeliveryStatus = enums.WebhookDeliveryStatus
strawberry.enum(WebhookDeliveryStatus, name="WebhookDeliveryStatus")
