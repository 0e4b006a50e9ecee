"""case file: case versions, desk authorship, referral follow-ups, last-seen markers, alerts

Revision ID: 0008
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0005"  # relinked on merging (was "0003")
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch_op:
        # Existing cases start at version 1, as new ones do.
        batch_op.add_column(
            sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1"))
        )
    # Desk staff record referrals, notes and closures too: officer_id becomes optional and the
    # staff id (owned by the desk's staff table) is kept as a plain integer, no foreign key.
    with op.batch_alter_table("referrals") as batch_op:
        batch_op.alter_column("officer_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("staff_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("follow_up_on", sa.Date(), nullable=True))
    with op.batch_alter_table("case_notes") as batch_op:
        batch_op.alter_column("officer_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("staff_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("case_closures") as batch_op:
        batch_op.add_column(sa.Column("staff_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("structuring_queue") as batch_op:
        batch_op.add_column(sa.Column("case_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("handled_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("staff_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("discard_reason", sa.String(length=24), nullable=True))
        batch_op.create_foreign_key(
            "fk_structuring_queue_case_id_cases", "cases", ["case_id"], ["id"]
        )
    op.create_table(
        "case_seen",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("staff_id", "case_id"),
    )
    op.create_index("ix_case_seen_case_id", "case_seen", ["case_id"])
    op.create_table(
        "unassigned_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("alerted_at", sa.DateTime(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id"),
    )


def downgrade() -> None:
    op.drop_table("unassigned_alerts")
    op.drop_index("ix_case_seen_case_id", table_name="case_seen")
    op.drop_table("case_seen")
    with op.batch_alter_table("structuring_queue") as batch_op:
        batch_op.drop_constraint("fk_structuring_queue_case_id_cases", type_="foreignkey")
        batch_op.drop_column("discard_reason")
        batch_op.drop_column("staff_id")
        batch_op.drop_column("handled_at")
        batch_op.drop_column("case_id")
    with op.batch_alter_table("case_closures") as batch_op:
        batch_op.drop_column("staff_id")
    with op.batch_alter_table("case_notes") as batch_op:
        batch_op.drop_column("staff_id")
        batch_op.alter_column("officer_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("referrals") as batch_op:
        batch_op.drop_column("follow_up_on")
        batch_op.drop_column("staff_id")
        batch_op.alter_column("officer_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("cases") as batch_op:
        batch_op.drop_column("version")
