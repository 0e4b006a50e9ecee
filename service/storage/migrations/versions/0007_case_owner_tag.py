"""cases.owner_tag: a short keyed tag of the reporter's number, so their own number passes a
code's lockout

Revision ID: 0007
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("owner_tag", sa.String(8), nullable=True))


def downgrade() -> None:
    op.drop_column("cases", "owner_tag")
