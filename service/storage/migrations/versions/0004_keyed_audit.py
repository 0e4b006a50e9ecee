"""keyed audit chain: entry numbers, the writer's role, a sealed head

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("signer", sa.String(length=8), nullable=True))
    # Entries already written keep their unkeyed hashes (signer NULL) and are numbered in the
    # order they were chained; the first keyed entry chains to the last of them.
    op.execute(
        "UPDATE audit_log SET seq = "
        "(SELECT COUNT(*) FROM audit_log AS earlier WHERE earlier.id <= audit_log.id)"
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.alter_column("seq", existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint("uq_audit_log_seq", ["seq"])
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("signer", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("seal", sa.String(length=64), nullable=True))
    op.execute("UPDATE audit_head SET seq = (SELECT COUNT(*) FROM audit_log)")


def downgrade() -> None:
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.drop_column("seal")
        batch_op.drop_column("signer")
        batch_op.drop_column("seq")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_constraint("uq_audit_log_seq", type_="unique")
        batch_op.drop_column("signer")
        batch_op.drop_column("seq")
