"""Alembic environment: runs migrations on the connection handed in by service.storage.engine."""

from __future__ import annotations

from alembic import context

# Imported for their side effect: each registers its tables on Base (case work, the desk).
import service.storage.casework_models
import service.storage.desk_models  # noqa: F401  # registers the desk tables on Base
from service.storage.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
