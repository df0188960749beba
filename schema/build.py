"""The Schema and its guards: depth, aliases, tokens, directives, node budget, caches, masking."""

from __future__ import annotations

import graphql.pyutils.did_you_mean as did_you_mean
import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules, DisableIntrospection, MaskErrors, MaxAliasesLimiter, MaxTokensLimiter, ParserCache,
    QueryDepthLimiter, ValidationCache,
)

from schema.limits import MaxDirectives, NodeBudget
from schema.mutation import Mutation
from schema.query import Query

MAX_DEPTH = 8
MAX_ALIASES = 15
MAX_TOKENS = 1000


def is_unexpected(error: GraphQLError) -> bool:
    """Mask exceptions we did not raise on purpose; validation errors and our coded errors stay."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


def build(*, introspection: bool = True, suggestions: bool = True) -> strawberry.Schema:
    # graphql-core's "Did you mean ...?" hints reveal field names when introspection is off.
    did_you_mean.MAX_LENGTH = 5 if suggestions else 0
    extensions = [
        lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: AddValidationRules([MaxDirectives, NodeBudget]),
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
        lambda: MaskErrors(should_mask_error=is_unexpected, error_message="Unexpected error."),
    ]
    if not introspection:
        extensions.append(lambda: DisableIntrospection())
    return strawberry.Schema(query=Query, mutation=Mutation, extensions=extensions)
