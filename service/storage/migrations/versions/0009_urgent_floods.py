"""urgent floods: repeated urgent cases join the first; escalation that stopped is flagged

Revision ID: 0009
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        # The open urgent case this one repeats (same caller within the window): not alerted.
        batch.add_column(sa.Column("repeat_of_case_id", sa.Integer(), nullable=True))
        # When escalation gave up re-alerting (after the second round): the desk's badge.
        batch.add_column(sa.Column("escalation_stopped_at", sa.DateTime(), nullable=True))
        batch.create_index("ix_cases_escalation_stopped_at", ["escalation_stopped_at"])


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_escalation_stopped_at")
        batch.drop_column("escalation_stopped_at")
        batch.drop_column("repeat_of_case_id")
