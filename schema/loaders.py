"""Per-request DataLoaders. Built for one viewer, so a cache can never serve another viewer;
each batch is one query and returns values aligned with its keys."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from uuid import UUID

from strawberry.dataloader import DataLoader
from tortoise.expressions import Subquery

import models
from domain import access, client_list, eligibility, encryption, messages
from domain.viewer import Viewer
from resolvers import goals as goal_reads
from resolvers import sessions as session_reads


def _by_key(rows: list[Any], keys: list[UUID], attr: str = "id") -> list[Any]:
    found = {getattr(row, attr): row for row in rows}
    return [found.get(key) for key in keys]


def resolved(loader: DataLoader, key: Any, then: Callable[[Any], Any]) -> Any:
    """`then(value of key)`: at once when the loader holds the value already (a list resolver
    loaded its page's columns in one batch each), else an awaitable of it. Field resolvers return
    this from a plain `def` (graphql-core awaits what is awaitable), so a page's primed columns
    resolve without a coroutine and a task per field. `then` may itself return an awaitable."""
    future = loader.cache_map.get(key)
    if future is not None and future.done() and not future.cancelled() and future.exception() is None:
        return then(future.result())

    async def later() -> Any:
        result = then(await loader.load(key))
        return await result if inspect.isawaitable(result) else result

    return later()


Key = TypeVar("Key")


def _loader(fetch: Callable[[list[Key]], Awaitable[list[Any]]]) -> DataLoader:
    return DataLoader(load_fn=fetch)


class Loaders:
    def __init__(self, viewer: Viewer | None):
        self.viewer = viewer

        async def organisations(keys: list[UUID]) -> list[Any]:
            return _by_key(await models.Organisation.filter(id__in=keys), keys)

        async def coaches(keys: list[UUID]) -> list[Any]:
            return _by_key(await models.Coach.filter(id__in=keys), keys)

        async def client_pools(keys: list[UUID]) -> list[Any]:
            return _by_key(await models.CreditPool.filter(client_id__in=keys), keys, "client_id")

        async def organisation_pools(keys: list[UUID]) -> list[Any]:
            return _by_key(await models.CreditPool.filter(organisation_id__in=keys), keys, "organisation_id")

        async def relationships(keys: list[UUID]) -> list[Any]:
            """The viewing coach's relationship with each client (None for other viewers)."""
            if viewer is None or viewer.coach_id is None:
                return [None] * len(keys)
            rows = await models.CoachClient.filter(coach_id=viewer.coach_id, client_id__in=keys)
            return _by_key(rows, keys, "client_id")

        async def ciphers(keys: list[UUID]) -> list[Any]:
            found = await encryption.ciphers_for(keys)
            return [found.get(key) for key in keys]

        async def clients(keys: list[UUID]) -> list[Any]:
            """Clients the viewer may see; others load as None."""
            if viewer is None:
                return [None] * len(keys)
            return _by_key(await models.Client.filter(access.clients(viewer), id__in=keys), keys)

        async def services(keys: list[UUID]) -> list[Any]:
            return _by_key(await models.Service.filter(id__in=keys), keys)

        async def sessions(keys: list[UUID]) -> list[Any]:
            """Sessions the viewer may see; others load as None."""
            if viewer is None:
                return [None] * len(keys)
            return _by_key(await models.Session.filter(access.sessions(viewer), id__in=keys), keys)

        async def series(keys: list[UUID]) -> list[Any]:
            """Series the viewer may see; others load as None."""
            if viewer is None:
                return [None] * len(keys)
            return _by_key(await session_reads.series_in_scope(viewer).filter(id__in=keys), keys)

        def per_client(fetch, missing=None):
            async def load(keys: list[UUID]) -> list[Any]:
                if viewer is None:
                    return [missing] * len(keys)
                found = await fetch(viewer, keys)
                return [found.get(key, missing) for key in keys]

            return _loader(load)

        async def eligibilities(keys: list[tuple[UUID, UUID | None]]) -> list[Any]:
            """(client, service or None) -> Eligibility; services outside the viewer's roster
            count as no service."""
            service_ids = {service_id for _, service_id in keys if service_id is not None}
            services = {}
            if service_ids and viewer is not None:
                rows = await models.Service.filter(
                    id__in=list(service_ids),
                    coach_id__in=Subquery(models.Coach.filter(access.coaches(viewer)).values("id")),
                ).select_related("coach")
                services = {row.id: row for row in rows}
            facts = await self.facts.load_many([client_id for client_id, _ in keys])
            verdicts = []
            for (_, service_id), client_facts in zip(keys, facts, strict=True):
                service = services.get(service_id) if service_id is not None else None
                verdicts.append(
                    eligibility.evaluate(
                        client_facts,
                        credits=service.credits if service else 1,
                        kind=service.coach.kind if service else None,
                    )
                )
            return verdicts

        async def facts(keys: list[UUID]) -> list[Any]:
            found = await eligibility.facts_for(keys)
            return [found.get(key) for key in keys]

        async def latest_messages(keys: list[UUID]) -> list[Any]:
            found = await messages.latest_in(keys)
            return [found.get(key) for key in keys]

        async def unread_counts(keys: list[UUID]) -> list[Any]:
            found = await messages.unread_in(viewer, keys) if viewer is not None else {}
            return [found.get(key, 0) for key in keys]

        self.facts = _loader(facts)
        # By conversation id; the conversations themselves come from scoped queries.
        self.latest_message = _loader(latest_messages)
        self.unread_count = _loader(unread_counts)

        self.eligibility = _loader(eligibilities)
        self.summary = per_client(client_list.summaries, client_list.Summary())
        self.last_message = per_client(client_list.last_messages)
        self.session = _loader(sessions)
        self.series = _loader(series)
        self.service = _loader(services)
        self.organisation = _loader(organisations)
        self.coach = _loader(coaches)
        self.client_pool = _loader(client_pools)
        self.organisation_pool = _loader(organisation_pools)
        self.relationship = _loader(relationships)
        self.cipher = _loader(ciphers)
        self.client = _loader(clients)
        self.action_items = per_client(goal_reads.action_items_of, [])  # by goal id
