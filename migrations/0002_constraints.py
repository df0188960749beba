"""The database's last word: constraints, the booking exclusion, the append-only ledger, indexes."""

from tortoise import migrations
from tortoise.migrations import operations as ops

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    # Credits: never negative, one owner per pool.
    "ALTER TABLE credit_pools ADD CONSTRAINT credit_pools_balance_non_negative CHECK (balance >= 0)",
    """ALTER TABLE credit_pools ADD CONSTRAINT credit_pools_one_owner CHECK (
        (kind = 'CLIENT' AND organisation_id IS NULL) OR (kind = 'ORGANISATION' AND client_id IS NULL))""",
    "ALTER TABLE credit_transactions ADD CONSTRAINT credit_transactions_balance_after_non_negative CHECK (balance_after >= 0)",
    "CREATE INDEX credit_transactions_pool_created ON credit_transactions (pool_id, created_at DESC, id DESC)",
    "CREATE INDEX credit_transactions_session ON credit_transactions (session_id) WHERE session_id IS NOT NULL",
    # The ledger is append-only: amounts, pools and reasons never change and rows never go.
    """CREATE FUNCTION credit_transactions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION 'credit_transactions is append-only';
        END IF;
        IF NEW.pool_id <> OLD.pool_id OR NEW.delta <> OLD.delta OR NEW.balance_after <> OLD.balance_after
           OR NEW.reason <> OLD.reason OR NEW.session_id IS DISTINCT FROM OLD.session_id THEN
            RAISE EXCEPTION 'credit_transactions is append-only';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER credit_transactions_append_only BEFORE UPDATE OR DELETE ON credit_transactions
        FOR EACH ROW EXECUTE FUNCTION credit_transactions_append_only()""",
    # Sessions: a coach's live sessions (with the buffer after each) never overlap.
    "ALTER TABLE sessions ADD CONSTRAINT sessions_ends_after_start CHECK (ends_at > starts_at AND blocked_until >= ends_at)",
    """ALTER TABLE sessions ADD CONSTRAINT sessions_no_overlap EXCLUDE USING gist (
        coach_id WITH =, tstzrange(starts_at, blocked_until, '[)') WITH &&)
        WHERE (status IN ('PENDING', 'CONFIRMED'))""",
    "CREATE INDEX sessions_coach_starts ON sessions (coach_id, starts_at)",
    "CREATE INDEX sessions_client_starts ON sessions (client_id, starts_at)",
    "CREATE UNIQUE INDEX reschedule_proposals_one_open ON reschedule_proposals (session_id) WHERE status = 'OPEN'",
    # Services, availability, time off, feedback.
    "ALTER TABLE services ADD CONSTRAINT services_sane CHECK (duration_minutes > 0 AND credits >= 0)",
    """ALTER TABLE availability_rules ADD CONSTRAINT availability_rules_sane
        CHECK (weekday BETWEEN 1 AND 7 AND end_time > start_time)""",
    "ALTER TABLE time_off ADD CONSTRAINT time_off_sane CHECK (ends_at > starts_at)",
    "ALTER TABLE feedback ADD CONSTRAINT feedback_rating_range CHECK (rating BETWEEN 1 AND 5)",
    "ALTER TABLE users ADD CONSTRAINT users_email_lower CHECK (email = lower(email))",
    # The My Clients table and the category cron.
    "CREATE INDEX coach_clients_coach_category ON coach_clients (coach_id, category)",
    "CREATE INDEX coach_clients_valid_until ON coach_clients (category_valid_until) WHERE category_valid_until IS NOT NULL",
    "CREATE INDEX clients_name_lower ON clients (lower(name), id)",
    "CREATE INDEX clients_email_lower ON clients (lower(email))",
    "CREATE INDEX clients_organisation ON clients (organisation_id, lower(name), id)",
    "CREATE INDEX activity_events_client ON activity_events (client_id, occurred_at DESC, id DESC)",
    "CREATE INDEX notes_client ON notes (client_id, created_at DESC, id DESC)",
    "CREATE INDEX messages_conversation ON messages (conversation_id, sent_at DESC, id DESC)",
    "CREATE INDEX notifications_user ON notifications (user_id, created_at DESC, id DESC)",
    "CREATE INDEX outbox_jobs_unpushed ON outbox_jobs (id) WHERE pushed_at IS NULL",
]

BACKWARD = [
    "DROP INDEX IF EXISTS outbox_jobs_unpushed",
    "DROP INDEX IF EXISTS notifications_user",
    "DROP INDEX IF EXISTS messages_conversation",
    "DROP INDEX IF EXISTS notes_client",
    "DROP INDEX IF EXISTS activity_events_client",
    "DROP INDEX IF EXISTS clients_organisation",
    "DROP INDEX IF EXISTS clients_email_lower",
    "DROP INDEX IF EXISTS clients_name_lower",
    "DROP INDEX IF EXISTS coach_clients_valid_until",
    "DROP INDEX IF EXISTS coach_clients_coach_category",
    "ALTER TABLE users DROP CONSTRAINT IF EXISTS users_email_lower",
    "ALTER TABLE feedback DROP CONSTRAINT IF EXISTS feedback_rating_range",
    "ALTER TABLE time_off DROP CONSTRAINT IF EXISTS time_off_sane",
    "ALTER TABLE availability_rules DROP CONSTRAINT IF EXISTS availability_rules_sane",
    "ALTER TABLE services DROP CONSTRAINT IF EXISTS services_sane",
    "DROP INDEX IF EXISTS reschedule_proposals_one_open",
    "DROP INDEX IF EXISTS sessions_client_starts",
    "DROP INDEX IF EXISTS sessions_coach_starts",
    "ALTER TABLE sessions DROP CONSTRAINT IF EXISTS sessions_no_overlap",
    "ALTER TABLE sessions DROP CONSTRAINT IF EXISTS sessions_ends_after_start",
    "DROP TRIGGER IF EXISTS credit_transactions_append_only ON credit_transactions",
    "DROP FUNCTION IF EXISTS credit_transactions_append_only()",
    "DROP INDEX IF EXISTS credit_transactions_session",
    "DROP INDEX IF EXISTS credit_transactions_pool_created",
    "ALTER TABLE credit_transactions DROP CONSTRAINT IF EXISTS credit_transactions_balance_after_non_negative",
    "ALTER TABLE credit_pools DROP CONSTRAINT IF EXISTS credit_pools_one_owner",
    "ALTER TABLE credit_pools DROP CONSTRAINT IF EXISTS credit_pools_balance_non_negative",
]


class Migration(migrations.Migration):
    dependencies = [("models", "0001_initial")]

    operations = [ops.RunSQL(FORWARD, reverse_sql=BACKWARD)]
