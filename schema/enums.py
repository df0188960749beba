"""GraphQL enums, the stored enums registered under the contract's names."""

from enum import Enum

import strawberry

from models import enums

Role = strawberry.enum(enums.Role, name="Role")
CoachKind = strawberry.enum(
    enums.CoachKind,
    name="CoachKind",
    description=(
        "GLOBAL coaches are on the platform roster: their sessions use client AND organisation credits. "
        "INTERNAL coaches belong to one organisation: their sessions use client credits only."
    ),
)
SessionFormat = strawberry.enum(enums.SessionFormat, name="SessionFormat")
ClientCategory = strawberry.enum(enums.ClientCategory, name="ClientCategory")
SessionStatus = strawberry.enum(enums.SessionStatus, name="SessionStatus")
RefundStatus = strawberry.enum(enums.RefundStatus, name="RefundStatus")
ProposalStatus = strawberry.enum(enums.ProposalStatus, name="ProposalStatus")
CreditPoolKind = strawberry.enum(enums.CreditPoolKind, name="CreditPoolKind")
CreditReason = strawberry.enum(enums.CreditReason, name="CreditReason")
GoalStatus = strawberry.enum(enums.GoalStatus, name="GoalStatus")
ActivityKind = strawberry.enum(enums.ActivityKind, name="ActivityKind")
TemplateKind = strawberry.enum(enums.TemplateKind, name="TemplateKind")
NotificationKind = strawberry.enum(enums.NotificationKind, name="NotificationKind")


@strawberry.enum
class OrderDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"
