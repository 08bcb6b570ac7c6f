"""Shared fixtures.

PostgreSQL: `postgres_url` runs a throwaway cluster for the test session
(scripts/setup.sh installs the server).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

POSTGRES_BIN_GLOB = "/usr/lib/postgresql/*/bin"
POSTGRES_OS_USER = "postgres"  # initdb refuses to run as root
POSTGRES_TEST_DATABASE = "callwright_test"
POSTGRES_START_TIMEOUT_S = 30


def _postgres_bin_dir() -> Path | None:
    found = [Path(d) for d in glob.glob(POSTGRES_BIN_GLOB) if Path(d, "initdb").exists()]
    return max(found, key=lambda d: int(d.parent.name)) if found else None


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A SQLAlchemy URL to an empty database on a temporary local PostgreSQL cluster."""
    bin_dir = _postgres_bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL binaries not found: run scripts/setup.sh to install them")
    as_postgres: list[str] = []
    workdir = Path(tempfile.mkdtemp(prefix="callwright-pg-"))
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            pytest.skip("running as root needs runuser to start PostgreSQL as another user")
        as_postgres = ["runuser", "-u", POSTGRES_OS_USER, "--"]
        shutil.chown(workdir, user=POSTGRES_OS_USER, group=POSTGRES_OS_USER)
    data_dir, port = workdir / "data", _free_loopback_port()

    def run(*args: str) -> None:
        subprocess.run([*as_postgres, *args], check=True, capture_output=True, text=True)

    try:
        run(
            str(bin_dir / "initdb"),
            "-D",
            str(data_dir),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-sync",
        )
        server_options = (
            f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={workdir} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        run(
            str(bin_dir / "pg_ctl"),
            "-D",
            str(data_dir),
            "-o",
            server_options,
            "-l",
            str(workdir / "server.log"),
            "-w",
            "-t",
            str(POSTGRES_START_TIMEOUT_S),
            "start",
        )
        run(
            str(bin_dir / "createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            "postgres",
            POSTGRES_TEST_DATABASE,
        )
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/{POSTGRES_TEST_DATABASE}"
    except subprocess.CalledProcessError as error:
        log = workdir / "server.log"
        detail = log.read_text() if log.exists() else ""
        pytest.fail(f"temporary PostgreSQL failed: {error.cmd}\n{error.stderr}\n{detail}")
    finally:
        if (data_dir / "postmaster.pid").exists():
            subprocess.run(
                [
                    *as_postgres,
                    str(bin_dir / "pg_ctl"),
                    "-D",
                    str(data_dir),
                    "-m",
                    "immediate",
                    "-w",
                    "stop",
                ],
                capture_output=True,
            )
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(autouse=True)
def _own_data_dir(tmp_path_factory, monkeypatch):
    """Every test gets its own data folder, so nothing writes to the working tree's var/."""
    monkeypatch.setenv("CALLWRIGHT_DATA_DIR", str(tmp_path_factory.mktemp("var")))
    monkeypatch.delenv("CALLWRIGHT_DATABASE_URL", raising=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database (no tables) on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'callwright.db'}"
        return
    server_url = make_url(request.getfixturevalue("postgres_url"))
    name = f"test_{uuid.uuid4().hex}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()
