"""Alembic environment: runs migrations on the connection `store.database` hands over.

There is no alembic.ini; `store.database.upgrade_database` builds the config in code and puts the
open connection in `config.attributes["connection"]`. `target_metadata` matters only to
autogenerate: the tables of `callwright.domains` (each domain's models.py) are not on it here,
since the store imports no domain; import them first when autogenerating a migration.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

import callwright.store.business  # noqa: F401  (registers the business tables)
from callwright.store.models import Base

# Any constant works; every callwright worker takes the same lock so only one migrates at a time.
POSTGRES_MIGRATION_LOCK_KEY = 0x63616C6C  # "call"


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError(
            "callwright migrations run through callwright.store.database.open_database(), "
            "not the alembic command line"
        )
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": POSTGRES_MIGRATION_LOCK_KEY}
            )
        context.run_migrations()


run_migrations_online()
