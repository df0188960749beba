"""The My Clients page with every column."""

PAGE = """query($first: Int!, $s: ID) { myClients(first: $first, orderBy: {field: NAME, direction: ASC}) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { cursor node {
    id name email tags category creditsAvailable relationshipSince milestones bookedWithOthers lastMessage { body sentAt }
    eligibility(serviceId: $s) { eligible reasons }
    lastSession { startsAt status } nextSession { startsAt status }
    stats { totalSessions completedSessions cancelledSessions noShows cancellationRate lastSessionAt nextSessionAt
            totalRevenue { amountMinor currency } }
  } }
} }"""
