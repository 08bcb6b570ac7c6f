"""Run `callwright serve` as a real process on free loopback ports."""

from __future__ import annotations

import errno
import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_S = 240


@dataclass
class RunningServer:
    process: subprocess.Popen
    sip_port: int
    http_port: int
    workdir: Path

    def uri(self, agent: str, transport: str = "udp") -> str:
        suffix = ";transport=tcp" if transport == "tcp" else ""
        return f"sip:{agent}@127.0.0.1:{self.sip_port}{suffix}"

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def log(self) -> str:
        return (self.workdir / "server.log").read_text(errors="replace")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def free_port() -> int:
    """A port free for both UDP and TCP on 127.0.0.1."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = udp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port


def port_in_use(port: int, kind: socket.SocketKind = socket.SOCK_DGRAM) -> bool:
    """Whether something (a peer under test, once it listens) holds 127.0.0.1:`port`."""
    with socket.socket(socket.AF_INET, kind) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            return error.errno == errno.EADDRINUSE
        return False


def start_server(
    workdir: Path, agents_dir: Path = ROOT / "agents", env: dict[str, str] | None = None
) -> RunningServer:
    """Start the server (with `env` added to its environment) and wait until it answers
    /healthz (engines loaded, prompts ready)."""
    workdir.mkdir(parents=True, exist_ok=True)
    sip_port, http_port = free_port(), free_port()
    env = {
        **os.environ,
        **(env or {}),
        "CALLWRIGHT_DATA_DIR": str(workdir / "var"),
        "CALLWRIGHT_DATABASE_URL": f"sqlite:///{workdir}/callwright.db",
    }
    process = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/callwright"), "serve",
            "--sip-port", str(sip_port), "--http-port", str(http_port),
            "--agents-dir", str(agents_dir),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(workdir / "server.log", "w"),
    )
    server = RunningServer(process, sip_port, http_port, workdir)
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"callwright serve exited:\n{server.log()}")
        try:
            if httpx.get(f"{server.api}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.3)
    server.stop()
    raise RuntimeError(f"callwright serve did not come up:\n{server.log()}")
