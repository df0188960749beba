"""The Schema and its guards: depth, aliases, tokens, directives, node budget, caches, masking, error logs."""

from __future__ import annotations

import importlib

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
)

from schema.inputs import check_every_argument
from schema.limits import (  # noqa: F401
    MAX_ALIASES,
    MAX_DEPTH,
    MaxAliases,
    MaxDepth,
    MaxDirectives,
    NodeBudget,
)
from schema.mutation import Mutation
from schema.query import Query
from schema.reporting import EveryErrorHasACode, MaskUnexpected, RequestSummary, Schema
from schema.subscription import Subscription

# The module, not the function: `import graphql.pyutils.did_you_mean as m` binds the function
# graphql.pyutils re-exports under the same name, and setting MAX_LENGTH on it changed nothing.
did_you_mean = importlib.import_module("graphql.pyutils.did_you_mean")

MAX_TOKENS = 1000


def build(*, introspection: bool = True, suggestions: bool = True) -> strawberry.Schema:
    # graphql-core's "Did you mean ...?" hints reveal field names when introspection is off.
    did_you_mean.MAX_LENGTH = 5 if suggestions else 0
    extensions = [
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
    return Schema(query=Query, mutation=Mutation, subscription=Subscription, extensions=extensions)
