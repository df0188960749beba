"""GraphQL enums, the stored enums registered under the contract's names.

`strawberry.enum` registers a class in place and returns it unchanged, so each name below is the
stored enum itself (one type for mypy, the ORM and the schema)."""

from enum import Enum

import strawberry

from models import enums

Role = enums.Role
strawberry.enum(
    Role,
    name="Role",
    description="What a signed-in account is. ADMIN runs the platform; COACH has a practice; CLIENT is coached; ORG_ADMIN runs a partner organisation (an organisation's API key acts as its ORG_ADMIN).",
)
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
strawberry.enum(SessionFormat, name="SessionFormat", description="How a session takes place.")
ClientCategory = enums.ClientCategory
strawberry.enum(
    ClientCategory,
    name="ClientCategory",
    description="Where a client stands with the viewing coach (the My Clients page), computed per coach-client relationship and kept current by workers (never more than a minute stale).",
)
SessionStatus = enums.SessionStatus
strawberry.enum(
    SessionStatus,
    name="SessionStatus",
    description="A session's life: PENDING -> CONFIRMED -> COMPLETED or NO_SHOW; PENDING or CONFIRMED -> CANCELLED.",
)
RefundStatus = enums.RefundStatus
strawberry.enum(RefundStatus, name="RefundStatus", description="What happens to a cancelled session's credits.")
ProposalStatus = enums.ProposalStatus
strawberry.enum(
    ProposalStatus,
    name="ProposalStatus",
    description="The state of a reschedule proposal. A session has at most one OPEN proposal.",
)
CreditPoolKind = enums.CreditPoolKind
strawberry.enum(
    CreditPoolKind,
    name="CreditPoolKind",
    description="Whose credits a pool holds: every client has a pool, and so does every organisation.",
)
CreditReason = enums.CreditReason
strawberry.enum(CreditReason, name="CreditReason", description="Why credits moved (one ledger row per movement).")
GoalStatus = enums.GoalStatus
strawberry.enum(GoalStatus, name="GoalStatus", description="Where a client's goal stands.")
ActivityKind = enums.ActivityKind
strawberry.enum(ActivityKind, name="ActivityKind", description="What happened, in a client's activity timeline.")
TemplateKind = enums.TemplateKind
strawberry.enum(TemplateKind, name="TemplateKind", description="When a message template is meant to be used.")
NotificationKind = enums.NotificationKind
strawberry.enum(NotificationKind, name="NotificationKind", description="What a notification is about.")


@strawberry.enum(description="Sort order of a list.")
class OrderDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


def describe_values(enum: type[Enum], **descriptions: str) -> None:
    """Describe the values of an enum registered above: the enums of models/ and domain/ know
    nothing of strawberry, so their values are described here, on strawberry's definition."""
    for value in enum.__strawberry_definition__.values:  # type: ignore[attr-defined]  # set by strawberry.enum
        value.description = descriptions.pop(value.name, value.description)
    if descriptions:
        raise ValueError(f"{enum.__name__} has no value {', '.join(descriptions)}")


describe_values(
    ClientCategory,
    BOOKED="Has an upcoming confirmed session with the viewing coach (a PENDING one does not count).",
    PREVIOUSLY_BOOKED_0_14="No future booking; last session with the viewing coach 0-14 days ago (the latest confirmed, completed or no-show session that started).",
    PREVIOUSLY_BOOKED_14_30="No future booking; last session 14-30 days ago.",
    PREVIOUSLY_BOOKED_30_PLUS="No future booking; last session 30 or more days ago.",
    PROSPECTIVE="Contacted the coach, or was added by the coach, but has never had a session (confirmed, completed or no-show) with them.",
)
describe_values(
    SessionStatus,
    PENDING="Requested by the client; waits for the coach to confirm or decline. Lapses (cancelled, refunded) if unanswered at its start.",
    CONFIRMED="Booked and confirmed.",
    CANCELLED="Cancelled before its start; see Session.cancellation for who, whether late, and the refund.",
    COMPLETED="Took place (marked by the coach, or automatically 24 h after it ended).",
    NO_SHOW="The client did not come; the credits are kept.",
)
describe_values(
    RefundStatus,
    PENDING="Credits are being returned by a worker, to the pools they came from, exactly once.",
    REFUNDED="Every credit the session took is back in the pool it came from.",
    NOT_REFUNDABLE="No refund: a late cancellation by the client (inside the coach's cancellation window), or the session took no credits.",
)
describe_values(
    ProposalStatus,
    OPEN="Waiting for the other side's answer.",
    ACCEPTED="Accepted: the session moved to the proposed time and is CONFIRMED.",
    DECLINED="Declined (possibly with a counter-proposal, which is a new proposal).",
    SUPERSEDED="Replaced by a newer proposal for the same session.",
    WITHDRAWN="Withdrawn because the session was cancelled.",
)
describe_values(
    CoachKind,
    GLOBAL="On the platform roster: a session takes the service's credits from the client's pool and the organisation's pool.",
    INTERNAL="Belongs to one organisation: a session takes credits from the client's pool only.",
)
describe_values(
    CreditReason,
    GRANT="Credits added by an admin or the client's organisation.",
    BOOKING="Credits taken by a booking (negative delta).",
    REFUND="Credits returned for a cancelled session.",
    ADJUSTMENT="A correction by an admin or the client's organisation (negative grant).",
    EXPIRY="Credits that expired.",
)
describe_values(
    Role,
    ADMIN="Platform administrator: sees every client, session and pool, never note or message text.",
    COACH="A coach: sees their own clients, sessions, notes and conversations.",
    CLIENT="A client: sees their own profile, sessions, shared notes, conversations and credits.",
    ORG_ADMIN="A partner organisation's admin (or API key): its members, their sessions (time, coach, status) and its pool.",
)
WebhookEventType = enums.WebhookEventType
strawberry.enum(
    WebhookEventType,
    name="WebhookEventType",
    description="Wire names are lower-case and dotted: SESSION_CANCELLED is sent as session.cancelled.",
)
WebhookDeliveryStatus = enums.WebhookDeliveryStatus
strawberry.enum(
    WebhookDeliveryStatus,
    name="WebhookDeliveryStatus",
    description="Where a delivery stands: PENDING (retries to come), SUCCEEDED (a 2xx) or FAILED (out of retries, or the endpoint answered 410).",
)
