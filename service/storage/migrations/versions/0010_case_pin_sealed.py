"""cases.pin_sealed: a PIN's keyed MAC sealed for the worker, which stretches it into pin_digest

Revision ID: 0010
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("pin_sealed", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    op.drop_column("cases", "pin_sealed")
