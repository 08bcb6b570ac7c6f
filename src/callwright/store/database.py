"""Opening the database: URL resolution, engine settings per backend, migrations to head."""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.util import CommandError
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.pool import StaticPool

DATABASE_URL_ENV = "CALLWRIGHT_DATABASE_URL"
DATA_DIR_ENV = "CALLWRIGHT_DATA_DIR"  # where recordings and the default SQLite file live
DEFAULT_DATA_DIR = "var"  # relative to the current directory
DEFAULT_DATABASE_URL = f"sqlite:///{DEFAULT_DATA_DIR}/callwright.db"
SQLITE_BUSY_TIMEOUT_MS = 5000  # how long a writer waits for another writer's lock
POSTGRES_CONNECT_TIMEOUT_S = 10
POSTGRES_DRIVER = "postgresql+psycopg"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"

_URL_HINT = (
    f"set {DATABASE_URL_ENV} (or --database-url) to e.g. {DEFAULT_DATABASE_URL} "
    "or postgresql://user:password@host:5432/callwright"
)


class DatabaseError(RuntimeError):
    """The database URL is unusable or the database cannot be reached or migrated."""


def resolve_database_url(url: str | None = None) -> URL:
    """The URL to use: the argument, else $CALLWRIGHT_DATABASE_URL, else callwright.db in
    the data folder ($CALLWRIGHT_DATA_DIR, default var/).

    `postgresql://` and `postgres://` are rewritten to use psycopg 3.
    """
    data_dir = Path(os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR)
    raw = url or os.environ.get(DATABASE_URL_ENV) or f"sqlite:///{data_dir / 'callwright.db'}"
    try:
        parsed = make_url(raw)
    except ArgumentError as error:
        raise DatabaseError(f"cannot parse database URL {raw!r}; {_URL_HINT}") from error
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername=POSTGRES_DRIVER)
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise DatabaseError(
            f"unsupported database {parsed.get_backend_name()!r} in "
            f"{parsed.render_as_string(hide_password=True)}; callwright runs on SQLite or "
            f"PostgreSQL: {_URL_HINT}"
        )
    return parsed


def open_database(url: str | None = None) -> Engine:
    """Open the database (see `resolve_database_url`) and migrate it to the newest schema."""
    resolved = resolve_database_url(url)
    if resolved.get_backend_name() == "sqlite":
        engine = _sqlite_engine(resolved)
    else:
        engine = create_engine(
            resolved,
            pool_pre_ping=True,
            connect_args={"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S},
        )
    try:
        upgrade_database(engine)
    except DBAPIError as error:
        engine.dispose()
        raise DatabaseError(
            f"cannot open database {resolved.render_as_string(hide_password=True)}: "
            f"{error.orig}; check that the server is running and the URL, user and password "
            f"are right ({_URL_HINT})"
        ) from error
    except CommandError as error:
        engine.dispose()
        raise DatabaseError(
            f"cannot migrate database {resolved.render_as_string(hide_password=True)}: {error}; "
            "it was probably created by a newer callwright, so upgrade callwright"
        ) from error
    return engine


def upgrade_database(engine: Engine) -> None:
    """Apply every migration not yet applied (a no-op on an up-to-date database)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _sqlite_engine(url: URL) -> Engine:
    in_memory = url.database in (None, "", ":memory:")
    if in_memory:
        # One shared connection, or every thread would see its own empty database.
        engine = create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        folder = Path(url.database).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise DatabaseError(
                f"cannot create the database folder {folder}: {error}; {_URL_HINT}"
            ) from error
        engine = create_engine(url)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine
