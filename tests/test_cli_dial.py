"""`callwright dial` against sipp playing a busy phone (the runtime is faked: no engines load)."""

import shutil
import socket
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import typer
from typer.testing import CliRunner

from callwright.cli_dial import dial
from tests.support.server import free_port

BUSY = Path(__file__).parent / "e2e" / "sipp" / "uas_busy.xml"
SIPP_START_TIMEOUT_S = 3.0


def busy_phone(tmp_path: Path) -> tuple[subprocess.Popen, int]:
    sipp = shutil.which("sipp")
    if sipp is None:
        pytest.skip("sipp is not installed (Debian: apt-get install sip-tester)")
    port = free_port()
    process = subprocess.Popen(
        [sipp, "-sf", str(BUSY), "-i", "127.0.0.1", "-p", str(port), "-m", "1",
         "-timeout", "10", "-nostdin"],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + SIPP_START_TIMEOUT_S
    while time.monotonic() < deadline:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                return process, port  # sipp holds it
        time.sleep(0.02)
    process.kill()
    raise AssertionError("sipp did not start")


def test_dialing_a_busy_phone_exits_1_saying_it_was_busy(tmp_path, monkeypatch):
    async def runtime_without_engines(config, only=None):
        assert config.agents_dir == Path("agents")  # the agent file's folder
        return SimpleNamespace(agents={"pharmacy": SimpleNamespace(name="pharmacy")})

    monkeypatch.setattr("callwright.server.load_runtime", runtime_without_engines)
    process, port = busy_phone(tmp_path)
    app = typer.Typer()
    app.command()(dial)
    try:
        result = CliRunner().invoke(
            app, [f"sip:alice@127.0.0.1:{port}", "--agent", "agents/pharmacy.yaml"]
        )
    finally:
        returncode = process.wait(timeout=10)
    assert result.exit_code == 1, result.output
    assert "busy (486 Busy Here)" in " ".join(result.output.split())
    assert returncode == 0  # sipp got our ACK to its 486
