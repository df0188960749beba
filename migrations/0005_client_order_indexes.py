"""Indexes that keep the My Clients page index-ordered under its relationship orderings.

Without them a `myClients` page ordered by LAST_SESSION, NEXT_SESSION or CATEGORY reads, joins and
sorts every one of the coach's relationships before its LIMIT (bench/clients.py: 88 ms for a coach
with 20,000 clients, against under 1 ms with the index). Each index ends with client_id, which the
page's join makes equal to its tie-breaker c.id, so `ORDER BY key, c.id LIMIT n` reads n entries.

The expressions are domain/client_list.py's ORDER_KEYS, character for character (an index on an
expression serves only a query with the same expression): change one, change the other.
`clients_created` serves CREATED_AT (created_at never changes, so it costs client updates nothing)."""

from tortoise import migrations
from tortoise.migrations import operations as ops

RANK = (
    "CASE category WHEN 'BOOKED' THEN 0 WHEN 'PREVIOUSLY_BOOKED_0_14' THEN 1 WHEN 'PREVIOUSLY_BOOKED_14_30' THEN 2"
    " WHEN 'PREVIOUSLY_BOOKED_30_PLUS' THEN 3 WHEN 'PROSPECTIVE' THEN 4 ELSE 9 END"
)

FORWARD = [
    (
        "CREATE INDEX coach_clients_coach_last ON coach_clients"
        " (coach_id, (COALESCE(last_session_at, '0001-01-01T00:00:00Z'::timestamptz)), client_id)"
    ),
    (
        "CREATE INDEX coach_clients_coach_next ON coach_clients"
        " (coach_id, (COALESCE(next_session_at, '9999-12-31T00:00:00Z'::timestamptz)), client_id)"
    ),
    f"CREATE INDEX coach_clients_coach_rank ON coach_clients (coach_id, ({RANK}), client_id)",
    "CREATE INDEX clients_created ON clients (created_at, id)",
]

BACKWARD = [
    "DROP INDEX IF EXISTS clients_created",
    "DROP INDEX IF EXISTS coach_clients_coach_rank",
    "DROP INDEX IF EXISTS coach_clients_coach_next",
    "DROP INDEX IF EXISTS coach_clients_coach_last",
]


class Migration(migrations.Migration):
    dependencies = [("models", "0004_session_organisation")]

    operations = [ops.RunSQL(FORWARD, reverse_sql=BACKWARD)]
