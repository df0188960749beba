"""The formats of Date, DateTime and JSON, stated in the schema itself (a description and
`@specifiedBy`), so code generators and client developers type them as strings, not `unknown`.

strawberry's own definitions parse and print them (isoformat); only what the schema says about
them changes here."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

from strawberry.schema.types.base_scalars import DateDefinition, DateTimeDefinition
from strawberry.types.scalar import ScalarDefinition

RFC_3339 = "https://datatracker.ietf.org/doc/html/rfc3339#section-5.6"

Date = dataclasses.replace(
    DateDefinition,
    description=(
        "A calendar date without a time or zone: ISO 8601 calendar date, RFC 3339 `full-date`, "
        'YYYY-MM-DD (e.g. "2026-12-01"). Between 0001-01-02 and 9999-12-30.'
    ),
    specified_by_url=RFC_3339,
)

DateTime = dataclasses.replace(
    DateTimeDefinition,
    description=(
        "An instant: RFC 3339 `date-time` with an offset, e.g. "
        '"2026-12-01T09:30:00+00:00" (fractions of a second optional). Answers are always in UTC '
        "(+00:00). Inputs should carry an offset; where a field says so (session start times), "
        "one without an offset is read as the coach's local time."
    ),
    specified_by_url=RFC_3339,
)

# Keyed by the Python types strawberry maps to these scalars (Schema(scalar_overrides=...)).
OVERRIDES: dict[object, ScalarDefinition] = {date: Date, datetime: DateTime}
