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
