"""Credits: the ledger rows and pools a viewer may read, as querysets."""

from __future__ import annotations

from uuid import UUID

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

import models
from domain import access
from domain.viewer import Viewer
from models.enums import CreditPoolKind


def transactions(viewer: Viewer) -> QuerySet[models.CreditTransaction]:
    return models.CreditTransaction.filter(access.credit_transactions(viewer))


def pool_transactions(viewer: Viewer, pool_id: UUID) -> QuerySet[models.CreditTransaction]:
    return transactions(viewer).filter(pool_id=pool_id)


def pools(viewer: Viewer) -> QuerySet[models.CreditPool]:
    """Client pools of clients the viewer sees, organisation pools of organisations they manage."""
    visible_clients = models.Client.filter(access.clients(viewer)).values("id")
    managed = models.Organisation.filter(access.organisation_pools(viewer)).values("id")
    return models.CreditPool.filter(
        Q(kind=CreditPoolKind.CLIENT, client_id__in=Subquery(visible_clients))
        | Q(kind=CreditPoolKind.ORGANISATION, organisation_id__in=Subquery(managed))
    )
