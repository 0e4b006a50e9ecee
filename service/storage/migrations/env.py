"""Alembic environment: runs migrations on the connection handed in by service.storage.engine."""

from __future__ import annotations

from alembic import context

import service.storage.casework_models  # noqa: F401 - registers the case-work tables on Base
from service.storage.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
