"""The migrations build exactly the schema the models describe (no drift between the two)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import service.storage.casework_models  # noqa: F401 - registers the case-work tables
from service.storage.engine import make_engine, upgrade_schema
from service.storage.models import Base


def test_the_migrated_postgresql_schema_matches_the_models(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    try:
        upgrade_schema(engine)
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()
    assert differences == []
