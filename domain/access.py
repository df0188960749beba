"""Who may see what: the one place per area that turns a viewer into a query scope.

Everything a viewer reads goes through these scopes (typed fields, node/nodes, connections,
search, export), so a thing outside them is answered exactly like a thing that does not exist.
The roles table in docs/RULES.md is the source of these rules.
"""

from __future__ import annotations

from typing import Literal

from tortoise.expressions import Q, Subquery
from tortoise.queryset import ValuesQuery

import models
from domain.errors import DomainError, ErrorCode
from domain.viewer import Viewer
from models.enums import CoachKind, Role

NOTHING = Q(id__isnull=True)  # the primary key is never NULL: matches no row


def is_platform_admin(viewer: Viewer) -> bool:
    """The platform's own admins. An API key never counts as one, whatever its role: a key acts
    for one organisation."""
    return viewer.role is Role.ADMIN and viewer.api_key_id is None


def coach_clients(coach_id) -> ValuesQuery[Literal[False]]:
    """A coach's clients are those they have a relationship (a coach_clients row) with: the one
    definition, as a subquery of client ids. `coach_clients_sql` is the same rule in SQL."""
    return models.CoachClient.filter(coach_id=coach_id).values("client_id")


async def is_coach_client(coach_id, client_id) -> bool:
    """`coach_clients` for one client."""
    return await models.CoachClient.exists(coach_id=coach_id, client_id=client_id)


def coach_clients_sql(viewer: Viewer, alias: str = "cc", param: int = 1) -> tuple[str, list]:
    """`coach_clients` as an SQL condition on coach_clients rows `alias` (parameters numbered
    from `param`): hand-written lists drive a coach's clients from these rows."""
    return f"{alias}.coach_id = ${param}", [viewer.coach_id]


def clients(viewer: Viewer) -> Q:
    if viewer.role is Role.ADMIN:
        return Q()
    if viewer.role is Role.COACH:
        return Q(id__in=Subquery(coach_clients(viewer.coach_id)))
    if viewer.role is Role.CLIENT:
        return Q(id=viewer.client_id)
    if viewer.role is Role.ORG_ADMIN:
        return Q(organisation_id=viewer.organisation_id)
    return NOTHING


def clients_sql(viewer: Viewer, alias: str = "c", param: int = 1) -> tuple[str, list]:
    """The same rule as `clients()`, as an SQL condition on clients `alias` for hand-written list
    queries; parameters are numbered from `param`. A coach's list is read from their
    relationship rows instead (`coach_clients_sql`), so a coach never reaches this."""
    if viewer.role is Role.COACH:
        raise ValueError("a coach's clients are their coach_clients rows: use coach_clients_sql")
    if viewer.role is Role.ADMIN:
        return "TRUE", []
    if viewer.role is Role.CLIENT:
        return f"{alias}.id = ${param}", [viewer.client_id]
    if viewer.role is Role.ORG_ADMIN:
        return f"{alias}.organisation_id = ${param}", [viewer.organisation_id]
    return "FALSE", []


def organisations(viewer: Viewer) -> Q:
    if viewer.role is Role.ADMIN:
        return Q()
    if viewer.role is Role.ORG_ADMIN:
        return Q(id=viewer.organisation_id)
    if viewer.role is Role.CLIENT:
        return Q(id=viewer.organisation_id) if viewer.organisation_id else NOTHING
    if viewer.role is Role.COACH:
        # Their own organisation (INTERNAL coaches) and their clients' organisations, by name only.
        clients_orgs = models.Client.filter(clients(viewer), organisation_id__isnull=False).values("organisation_id")
        own = Q(id=viewer.organisation_id) if viewer.organisation_id else NOTHING
        return own | Q(id__in=Subquery(clients_orgs))
    return NOTHING


def organisation_pools(viewer: Viewer) -> Q:
    """Organisation credit pools: admins, and an organisation's own admins."""
    if viewer.role is Role.ADMIN:
        return Q()
    if viewer.role is Role.ORG_ADMIN:
        return Q(id=viewer.organisation_id)
    return NOTHING


def coaches(viewer: Viewer) -> Q:
    if viewer.role is Role.ADMIN:
        return Q()
    roster = Q(kind=CoachKind.GLOBAL)
    if viewer.organisation_id:
        roster |= Q(organisation_id=viewer.organisation_id)
    if viewer.role is Role.COACH:
        roster |= Q(id=viewer.coach_id)
    return roster


def notes(viewer: Viewer) -> Q:
    """Note bodies: the author coach, and the client for notes shared with them. Never admins."""
    if viewer.role is Role.COACH:
        return Q(coach_id=viewer.coach_id)
    if viewer.role is Role.CLIENT:
        return Q(client_id=viewer.client_id, shared_with_client=True)
    return NOTHING


def users(viewer: Viewer) -> Q:
    if viewer.role is Role.ADMIN:
        return Q()
    if viewer.role is Role.ORG_ADMIN:
        return Q(id=viewer.user_id) | Q(organisation_id=viewer.organisation_id)
    return Q(id=viewer.user_id) if viewer.user_id else NOTHING


def api_keys(viewer: Viewer) -> Q:
    if is_platform_admin(viewer):
        return Q()
    if viewer.role is Role.ORG_ADMIN:
        return Q(organisation_id=viewer.organisation_id)
    return NOTHING


def activity(viewer: Viewer) -> Q:
    """Timeline events: a coach sees events of their own practice and shared ones about their
    clients, but not those about another coach's sessions; a client their own visible ones;
    admins all; organisation admins none (a timeline describes notes and messages)."""
    if viewer.role is Role.ADMIN:
        return Q()
    if viewer.role is Role.COACH:
        mine = Q(coach_id=viewer.coach_id) | Q(coach_id__isnull=True)
        # An event about a session belongs to that session's coach: coaches see own sessions only.
        own_sessions = Q(session_id__isnull=True) | Q(
            session_id__in=Subquery(models.Session.filter(coach_id=viewer.coach_id).values("id"))
        )
        return Q(mine, own_sessions, Q(client_id__in=Subquery(coach_clients(viewer.coach_id))))
    if viewer.role is Role.CLIENT:
        return Q(client_id=viewer.client_id, visible_to_client=True)
    return NOTHING


def may_read_health_context(viewer: Viewer) -> bool:
    """Health context is what the client shares with the coaches they book: the client and
    their coaches (already scoped to the client) read it; admins and organisations never."""
    return viewer.role in (Role.CLIENT, Role.COACH)


def sessions(viewer: Viewer) -> Q:
    """A coach's own sessions, a client's own, an organisation's members' (time, coach and status
    only: see may_read_session_details), all for admins."""
    if viewer.role is Role.ADMIN:
        return Q()
    if viewer.role is Role.COACH:
        return Q(coach_id=viewer.coach_id)
    if viewer.role is Role.CLIENT:
        return Q(client_id=viewer.client_id)
    if viewer.role is Role.ORG_ADMIN:
        # The member's organisation when booked (kept on the session, so it outlives the client).
        return Q(organisation_id=viewer.organisation_id)
    return NOTHING


def sessions_sql(viewer: Viewer, alias: str = "s", param: int = 1) -> tuple[str, list]:
    """The same rule as `sessions()`, as an SQL condition for hand-written read queries."""
    if viewer.role is Role.ADMIN:
        return "TRUE", []
    if viewer.role is Role.COACH:
        return f"{alias}.coach_id = ${param}", [viewer.coach_id]
    if viewer.role is Role.CLIENT:
        return f"{alias}.client_id = ${param}", [viewer.client_id]
    if viewer.role is Role.ORG_ADMIN:
        return f"{alias}.organisation_id = ${param}", [viewer.organisation_id]
    return "FALSE", []


def series(viewer: Viewer) -> Q:
    """Series of sessions: seen by whoever sees one of their sessions (the scope above)."""
    with_a_visible_session = models.Session.filter(sessions(viewer), series_id__not_isnull=True).values("series_id")
    return Q(id__in=Subquery(with_a_visible_session))


def may_read_session_details(viewer: Viewer) -> bool:
    """Booking notes and session notes: not for organisation admins."""
    return viewer.role in (Role.ADMIN, Role.COACH, Role.CLIENT)


def credit_transactions(viewer: Viewer) -> Q:
    """Ledger rows: admins all; a client their own pool's; an organisation admin its pool's and
    its members'; coaches see balances only."""
    if viewer.role is Role.ADMIN:
        return Q()
    if viewer.role is Role.CLIENT:
        return Q(pool__client_id=viewer.client_id)
    if viewer.role is Role.ORG_ADMIN:
        members = models.Client.filter(organisation_id=viewer.organisation_id).values("id")
        return Q(pool__organisation_id=viewer.organisation_id) | Q(pool__client_id__in=Subquery(members))
    return NOTHING


def conversations(viewer: Viewer) -> Q:
    """Conversations and their messages: only the two people in them. Admins and organisations
    never read messages (docs/RULES.md: "messages: never the body"), so they see no conversation."""
    if viewer.role is Role.COACH:
        return Q(coach_id=viewer.coach_id)
    if viewer.role is Role.CLIENT:
        return Q(client_id=viewer.client_id)
    return NOTHING


def conversations_sql(viewer: Viewer, alias: str = "cv", param: int = 1) -> tuple[str, list]:
    """The same rule as `conversations()`, as SQL."""
    if viewer.role is Role.COACH:
        return f"{alias}.coach_id = ${param}", [viewer.coach_id]
    if viewer.role is Role.CLIENT:
        return f"{alias}.client_id = ${param}", [viewer.client_id]
    return "FALSE", []


def goals(viewer: Viewer) -> Q:
    """Goals: the coach who set them, and the client (all of their own)."""
    if viewer.role is Role.COACH:
        return Q(coach_id=viewer.coach_id)
    if viewer.role is Role.CLIENT:
        return Q(client_id=viewer.client_id)
    return NOTHING


def may_move_client_credits(viewer: Viewer, client_organisation_id) -> bool:
    """Grants, adjustments, zeroing: the platform (ADMIN, not through an API key) for any client,
    and an organisation (its admins and API keys) for its own members. Never a coach, not even for
    a client who wrote to them first (docs/RULES.md: a coach reads a balance). Booking, refunds
    and cancellations move credits by their own rules, not through this."""
    if is_platform_admin(viewer):
        return True
    if viewer.role is Role.ORG_ADMIN:
        return client_organisation_id is not None and client_organisation_id == viewer.organisation_id
    return False


def may_move_organisation_credits(viewer: Viewer) -> bool:
    """An organisation's own pool is funded by the platform only."""
    return is_platform_admin(viewer)


def may_invite_client(viewer: Viewer) -> bool:
    """Who may e-mail a client an invitation to sign in (the client is already in their scope,
    `clients()`): admins, the client's organisation (admins and API keys) and the client's coaches.
    The client chooses the password; the inviter never does."""
    return viewer.role in (Role.ADMIN, Role.ORG_ADMIN, Role.COACH)


def notifications(viewer: Viewer) -> Q:
    """A user's own notifications. E-mail-only ones (invitations, resets: no user) and API keys
    (no user) match nothing — a bare `user_id=None` filter would read as IS NULL."""
    return Q(user_id=viewer.user_id) if viewer.user_id is not None else NOTHING


def invitations(viewer: Viewer) -> Q:
    """Invitations (the rows, never their codes): those who may invite, for clients in their scope."""
    if not may_invite_client(viewer):
        return NOTHING
    return Q(kind="INVITATION", client_id__in=Subquery(models.Client.filter(clients(viewer)).values("id")))


def may_read_coach_settings(viewer: Viewer, coach_id) -> bool:
    """A coach's own settings that are not for clients (the out-of-office auto-reply): the coach
    and platform admins."""
    return is_platform_admin(viewer) or (viewer.role is Role.COACH and viewer.coach_id == coach_id)


def only_coaches(viewer: Viewer, message: str) -> None:
    """What only a coach keeps (settings, services, availability, notes, message templates); the
    message says which."""
    if viewer.role is not Role.COACH:
        raise DomainError(ErrorCode.FORBIDDEN, message)


def only_the_sessions_coach(viewer: Viewer, session: models.Session) -> None:
    """Confirming, declining, completing, marking a no-show: the session's own coach only."""
    if viewer.role is not Role.COACH or viewer.coach_id != session.coach_id:
        raise DomainError(ErrorCode.FORBIDDEN, "Only the session's coach may do this.", "sessionId")


def may_name_for_erasure(viewer: Viewer, client_id) -> bool:
    """Who may name a client to erase: admins (domain.privacy.erase then refuses API keys) and the
    client themselves; anyone else is answered as for a client that does not exist."""
    return viewer.role is Role.ADMIN or viewer.client_id == client_id


def may_own_webhooks(viewer: Viewer) -> bool:
    """Webhook endpoints belong to the platform (its admins), an organisation (its admins and API
    keys, or a platform admin for it) or a coach; clients have none."""
    return is_platform_admin(viewer) or viewer.role in (Role.ORG_ADMIN, Role.COACH)


def webhook_endpoints(viewer: Viewer) -> Q:
    """The endpoints a viewer sees and manages: platform admins the platform's and every
    organisation's (they make them for organisations); an organisation's admins and API keys
    their organisation's; a coach their own. Anything else reads as not found."""
    if is_platform_admin(viewer):
        return Q(owner_kind__in=["PLATFORM", "ORGANISATION"])
    if viewer.role is Role.ORG_ADMIN:
        return Q(owner_kind="ORGANISATION", organisation_id=viewer.organisation_id)
    if viewer.role is Role.COACH:
        return Q(owner_kind="COACH", coach_id=viewer.coach_id)
    return NOTHING


def webhook_events(viewer: Viewer) -> Q:
    """Events the viewer's endpoints could receive (their audience, fixed when the change
    happened by domain.webhooks.events: the same readers as sessions(), clients() and the credit
    rules above). A PING is for its endpoint only and is in no feed."""
    if is_platform_admin(viewer):
        return Q(endpoint_id__isnull=True)
    if viewer.role is Role.ORG_ADMIN:
        return Q(endpoint_id__isnull=True, organisation_id=viewer.organisation_id)
    if viewer.role is Role.COACH:
        return Q(endpoint_id__isnull=True, coach_ids__contains=[viewer.coach_id])
    return NOTHING
