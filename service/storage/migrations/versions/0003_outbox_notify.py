"""outbox rows left waiting wake the worker's relay (PostgreSQL NOTIFY)

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

CHANNEL = "handsoff_outbox"  # service/queueing/relay.py listens on it


def upgrade() -> None:
    # SQLite has no LISTEN/NOTIFY: there the relay polls.
    if op.get_bind().dialect.name != "postgresql":
        return
    # The notice carries nothing (the relay reads the table), so identical notices of one
    # transaction fold into one.
    op.execute(
        f"""
        CREATE FUNCTION handsoff_outbox_notify() RETURNS trigger AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', '');
            RETURN NULL;
        END
        $$ LANGUAGE plpgsql
        """
    )
    op.execute(
        """
        CREATE TRIGGER outbox_waiting_notify AFTER INSERT ON outbox
        FOR EACH ROW WHEN (NEW.enqueued_at IS NULL)
        EXECUTE FUNCTION handsoff_outbox_notify()
        """
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS outbox_waiting_notify ON outbox")
    op.execute("DROP FUNCTION IF EXISTS handsoff_outbox_notify()")
