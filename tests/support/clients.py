"""The My Clients page with every column."""

PAGE = """query($first: Int!, $s: ID, $filter: ClientFilter, $order: ClientOrder = {field: NAME, direction: ASC}) {
  myClients(first: $first, filter: $filter, orderBy: $order) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { cursor node {
    id name email tags category creditsAvailable relationshipSince sessionsLast90Days milestones bookedWithOthers
    lastMessage { body sentAt }
    eligibility(serviceId: $s) { eligible reasons }
    lastSession { startsAt status } nextSession { startsAt status }
    stats { totalSessions completedSessions cancelledSessions noShows cancellationRate lastSessionAt nextSessionAt
            totalRevenue { amountMinor currency } }
  } }
} }"""


def sealed_for(actor, raw: bytes, list_name: str = "clients:NAME:asc") -> str:
    """A cursor holding `raw` as the API's key seals it for `actor` and that list's ordering
    (domain.cursors.binding): hostile contents then reach the value checks behind the seal."""
    from domain import cursors
    from domain.viewer import Viewer
    from schema.node import uuid_of

    viewer = Viewer(user_id=uuid_of(actor.user_id, "User"), role=actor.role, name="")
    return cursors.seal(raw, cursors.binding(viewer, list_name))
