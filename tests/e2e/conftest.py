"""Fixtures of the end-to-end tests: `demo_server` is one real `callwright serve` with the
demo agent, shared by every test that calls it (over SIP, Twilio streams or a browser):
starting one takes seconds of CI time; `serve` starts a SipServer in the test process that
answers "demo" with an on_call of the test's; `sipp_phone` starts sipp as a called phone."""

import asyncio
import shutil
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from callwright.telephony.sip.call import SipCall
from callwright.telephony.sip.endpoint import SipServer
from tests.support.server import ROOT, RunningServer, free_port, port_in_use, start_server

SCENARIOS = Path(__file__).parent / "sipp"
SIPP_TIMEOUT_S = 10
SIPP_START_TIMEOUT_S = 10.0  # a busy 2-core machine can take seconds to start it
TRANSPORTS = {"udp": "u1", "tcp": "t1"}
DEMO_CAPACITY = 2  # calls the demo server holds at once: test_phone_call fills it


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory) -> RunningServer:
    """`callwright serve` answering only the demo agent (a quicker start), with two lines."""
    workdir = tmp_path_factory.mktemp("demo-server")
    agents = workdir / "agents"
    agents.mkdir()
    shutil.copy(ROOT / "agents" / "demo.yaml", agents)
    running = start_server(workdir, agents, {"CALLWRIGHT_MAX_CALLS": str(DEMO_CAPACITY),
                                             "CALLWRIGHT_RETRY_AFTER_S": "20"})
    yield running
    running.stop()


def need_sipp() -> str:
    path = shutil.which("sipp")
    if path is None:
        pytest.skip("sipp is not installed (Debian: apt-get install sip-tester)")
    return path


class SippPhone:
    """One sipp process answering one call with a scenario under tests/e2e/sipp/."""

    def __init__(
        self, process: asyncio.subprocess.Process, port: int, workdir: Path, timeout_s: float
    ) -> None:
        self.process = process
        self.port = port
        self.workdir = workdir
        self.timeout_s = timeout_s

    def uri(self, transport: str) -> str:
        suffix = ";transport=tcp" if transport == "tcp" else ""
        return f"sip:alice@127.0.0.1:{self.port}{suffix}"

    async def result(self) -> str:
        """sipp's error report; empty when its scenario ran to the end."""
        _, stderr = await asyncio.wait_for(self.process.communicate(), self.timeout_s + 3)
        errors = "".join(p.read_text(errors="replace") for p in self.workdir.glob("*_errors.log"))
        if self.process.returncode != 0:
            return (
                f"sipp exited {self.process.returncode}: {stderr.decode(errors='replace')}{errors}"
            )
        return ""


@pytest.fixture
async def sipp_phone(tmp_path):
    started: list[SippPhone] = []

    async def start(
        scenario: str,
        transport: str,
        *extra: str,
        port: int | None = None,
        timeout_s: float = SIPP_TIMEOUT_S,
    ) -> SippPhone:
        """sipp playing `scenario` on `port` (a free one by default) for one call, giving up
        after `timeout_s`."""
        port = port or free_port()
        process = await asyncio.create_subprocess_exec(
            need_sipp(),
            "-sf", str(SCENARIOS / scenario),
            "-i", "127.0.0.1",
            "-p", str(port),
            "-mp", str(free_port()),
            "-t", TRANSPORTS[transport],
            "-m", "1",
            "-timeout", str(int(timeout_s)),
            "-nostdin",
            "-trace_err",
            *extra,
            cwd=tmp_path,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        started.append(SippPhone(process, port, tmp_path, timeout_s))
        kind = socket.SOCK_STREAM if transport == "tcp" else socket.SOCK_DGRAM
        deadline = asyncio.get_running_loop().time() + SIPP_START_TIMEOUT_S
        while not port_in_use(port, kind):
            if process.returncode is not None or asyncio.get_running_loop().time() >= deadline:
                error = await process.stderr.read() if process.returncode is not None else b""
                raise AssertionError(f"sipp did not start on port {port}: {error.decode()[-500:]}")
            await asyncio.sleep(0.02)
        return started[-1]

    yield start
    for running in started:
        if running.process.returncode is None:
            running.process.kill()
            await running.process.wait()


@pytest.fixture
async def serve():
    servers = []

    async def start(on_call: Callable[[SipCall], Awaitable[None]]) -> SipServer:
        server = SipServer("127.0.0.1", 0, accepts=lambda user: user == "demo", on_call=on_call)
        await server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.stop()
