"""inbound SMS kept sealed for the worker, which matches senders (the web holds no number key)

Revision ID: 0006
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbound_sms") as batch_op:
        # Sender and text sealed to the worker's key until the worker has handled the message.
        batch_op.add_column(sa.Column("ref", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("message_sealed", sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.add_column(sa.Column("inbound_sms_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_outbox_inbound_sms_id_inbound_sms", "inbound_sms", ["inbound_sms_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_constraint("fk_outbox_inbound_sms_id_inbound_sms", type_="foreignkey")
        batch_op.drop_column("inbound_sms_id")
    with op.batch_alter_table("inbound_sms") as batch_op:
        batch_op.drop_column("message_sealed")
        batch_op.drop_column("ref")
