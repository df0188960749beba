"""The Schema and its guards: depth, aliases, tokens, directives, node budget, caches, masking, error logs."""

from __future__ import annotations

import importlib
from collections.abc import Callable

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.types.base import get_object_definition
from strawberry.utils.str_converters import to_camel_case

from schema.accounts import mutations as accounts_mutations
from schema.accounts import queries as accounts_queries
from schema.calendar import mutations as calendar_mutations
from schema.clients import mutations as clients_mutations
from schema.clients import queries as clients_queries
from schema.coaches import mutations as coaches_mutations
from schema.coaches import queries as coaches_queries
from schema.credits import mutations as credits_mutations
from schema.dashboard import queries as dashboard_queries
from schema.goals import mutations as goals_mutations
from schema.inputs import check_every_argument
from schema.limits import (  # noqa: F401
    MAX_ALIASES,
    MAX_DEPTH,
    MaxAliases,
    MaxDepth,
    MaxDirectives,
    NodeBudget,
)
from schema.messages import (
    mutations as messages_mutations,
)
from schema.messages import (
    queries as messages_queries,
)
from schema.messages import (
    subscriptions as messages_subscriptions,
)
from schema.node import NodeQuery
from schema.notes import mutations as notes_mutations
from schema.notifications import (
    mutations as notifications_mutations,
)
from schema.notifications import (
    queries as notifications_queries,
)
from schema.notifications import (
    subscriptions as notifications_subscriptions,
)
from schema.organisations import mutations as organisations_mutations
from schema.organisations import queries as organisations_queries
from schema.reporting import EveryErrorHasACode, MaskUnexpected, RequestSummary, Schema
from schema.scalars import OVERRIDES as SCALARS
from schema.sessions import (
    mutations as sessions_mutations,
)
from schema.sessions import (
    queries as sessions_queries,
)
from schema.sessions import (
    subscriptions as sessions_subscriptions,
)
from schema.webhooks import mutations as webhooks_mutations
from schema.webhooks import queries as webhooks_queries

# The root fields, area by area (schema/<area>/queries.py, mutations.py, subscriptions.py).
QUERIES: tuple[type, ...] = (
    NodeQuery,
    accounts_queries.Query,
    clients_queries.Query,
    coaches_queries.Query,
    dashboard_queries.Query,
    messages_queries.Query,
    notifications_queries.Query,
    organisations_queries.Query,
    sessions_queries.Query,
    webhooks_queries.Query,
)
MUTATIONS: tuple[type, ...] = (
    accounts_mutations.Mutation,
    calendar_mutations.Mutation,
    clients_mutations.Mutation,
    coaches_mutations.Mutation,
    credits_mutations.Mutation,
    goals_mutations.Mutation,
    messages_mutations.Mutation,
    notes_mutations.Mutation,
    notifications_mutations.Mutation,
    organisations_mutations.Mutation,
    sessions_mutations.Mutation,
    webhooks_mutations.Mutation,
)
SUBSCRIPTIONS: tuple[type, ...] = (
    messages_subscriptions.Subscription,
    notifications_subscriptions.Subscription,
    sessions_subscriptions.Subscription,
)

# The order schema.graphql prints the root fields in, kept as it was before the areas split them,
# so a review of that file shows API changes and not moves. A field not listed prints after these.
PRINT_ORDER = {
    "Query": (
        "node",
        "nodes",
        "viewer",
        "myClients",
        "dashboard",
        "clients",
        "client",
        "sessions",
        "session",
        "coaches",
        "availableSlots",
        "organisation",
        "organisations",
        "conversations",
        "messageTemplates",
        "notifications",
        "apiKeys",
    ),
    "Mutation": (
        "login",
        "createUser",
        "inviteClient",
        "acceptInvitation",
        "changePassword",
        "requestPasswordReset",
        "resetPassword",
        "createClient",
        "updateClient",
        "setClientActive",
        "updateCoachSettings",
        "addNote",
        "updateNote",
        "deleteNote",
        "createOrganisation",
        "updateOrganisation",
        "createApiKey",
        "revokeApiKey",
        "grantClientCredits",
        "grantOrganisationCredits",
        "createService",
        "updateService",
        "setAvailability",
        "addTimeOff",
        "removeTimeOff",
        "resetCalendarFeed",
        "bookSession",
        "bookSeries",
        "confirmSession",
        "cancelSession",
        "completeSession",
        "markNoShow",
        "recordPastSession",
        "declineSession",
        "proposeReschedule",
        "respondToProposal",
        "sendMessage",
        "markConversationRead",
        "createMessageTemplate",
        "updateMessageTemplate",
        "deleteMessageTemplate",
        "leaveFeedback",
        "respondToFeedback",
        "requestReview",
        "markNotificationsRead",
        "createGoal",
        "updateGoal",
        "addActionItem",
        "setActionItemDone",
        "deleteClient",
        "exportClientData",
        "eraseClient",
    ),
    "Subscription": ("notificationAdded", "messageReceived", "sessionChanged"),
}


def _api_name(field) -> str:
    return field.graphql_name or to_camel_case(field.python_name)


def merged(name: str, parts: tuple[type, ...]) -> type:
    """One root type holding every part's fields (a field defined twice is a mistake)."""
    seen: dict[str, type] = {}
    for part in parts:
        for field in get_object_definition(part, strict=True).fields:
            if _api_name(field) in seen:
                raise TypeError(
                    f"{name}.{_api_name(field)} is defined by both {seen[_api_name(field)].__module__} and {part.__module__}"
                )
            seen[_api_name(field)] = part
    root = strawberry.type(type(name, tuple(reversed(parts)), {}))
    order = {field: i for i, field in enumerate(PRINT_ORDER[name])}
    get_object_definition(root, strict=True).fields.sort(key=lambda f: order.get(_api_name(f), len(order)))
    return root


Query = merged("Query", QUERIES)
Mutation = merged("Mutation", MUTATIONS)
Subscription = merged("Subscription", SUBSCRIPTIONS)

# The module, not the function: `import graphql.pyutils.did_you_mean as m` binds the function
# graphql.pyutils re-exports under the same name, and setting MAX_LENGTH on it changed nothing.
did_you_mean = importlib.import_module("graphql.pyutils.did_you_mean")

MAX_TOKENS = 1000


def build(*, introspection: bool = True, suggestions: bool = True) -> strawberry.Schema:
    # graphql-core's "Did you mean ...?" hints reveal field names when introspection is off.
    did_you_mean.MAX_LENGTH = 5 if suggestions else 0  # type: ignore[attr-defined]  # import_module gives a bare ModuleType
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = [
        EveryErrorHasACode,  # first: it sees every error, after the others (schema/reporting.py)
        # Depth (8) and aliases (15) are our own rules: see schema/limits.py for why.
        lambda: AddValidationRules([MaxDepth, MaxAliases, MaxDirectives, NodeBudget]),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
        MaskUnexpected,
        RequestSummary,
    ]
    if not introspection:
        extensions.append(lambda: DisableIntrospection())
    check_every_argument(Query, Mutation, Subscription)
    # Schema logs errors without the document or variables (schema/reporting.py).
    return Schema(
        query=Query, mutation=Mutation, subscription=Subscription, extensions=extensions, scalar_overrides=SCALARS
    )
