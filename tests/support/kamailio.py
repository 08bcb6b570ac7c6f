"""Kamailio as a provider's registrar and proxy that demands digest authentication
(tests/e2e/kamailio/registrar.cfg: auth, auth_db on a db_text user table, registrar, usrloc),
on a free loopback port. Used by tests/e2e/test_sip_trunk.py and bench/sip_trunk.py."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
from collections.abc import Callable
from pathlib import Path

from callwright.telephony.sip.trunks import Trunk
from tests.support.server import free_port

REGISTRAR_CFG = Path(__file__).resolve().parents[1] / "e2e" / "kamailio" / "registrar.cfg"
STARTUP_TIMEOUT_S = 10.0
STOP_GRACE_S = 5.0


class KamailioMissing(RuntimeError):
    """Kamailio is not installed (scripts/setup.sh installs it)."""


class Registrar:
    """A running Kamailio registrar; `log()` is what it printed so far."""

    def __init__(
        self, process: asyncio.subprocess.Process, port: int, users: dict[str, str]
    ) -> None:
        self.process = process
        self.port = port
        self.users = users
        self._log = bytearray()
        self._reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        assert self.process.stderr is not None
        while chunk := await self.process.stderr.read(4096):
            self._log += chunk

    def log(self) -> str:
        return self._log.decode(errors="replace")

    def trunk(self, username: str, password: str | None = None, **options) -> Trunk:
        """A trunk to this registrar as `username` (its password unless another is given)."""
        return Trunk(
            name=options.pop("name", "main"), registrar=f"sip:127.0.0.1:{self.port}",
            username=username, password=self.users[username] if password is None else password,
            agent=options.pop("agent", "demo"), **options,
        )

    async def stop(self) -> None:
        await end_process_group(self.process)
        await asyncio.wait_for(self._reader, STOP_GRACE_S)


async def end_process_group(process: asyncio.subprocess.Process) -> None:
    """End Kamailio started with `start_new_session=True`: SIGTERM, then SIGKILL to its whole
    process group when it has not ended after STOP_GRACE_S (it can be slow on a busy machine).
    The group matters: children left behind by a killed parent hold its stderr pipe open."""
    process.terminate()
    try:
        await asyncio.wait_for(asyncio.shield(process.wait()), STOP_GRACE_S)
    except TimeoutError:
        process.kill()
        await process.wait()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


async def start_registrar(workdir: Path, users: dict[str, str], algorithm: str) -> Registrar:
    """Kamailio with `users` (name -> password) in its user table, challenging with
    `algorithm` (MD5 or SHA-256), answering once this returns."""
    kamailio = shutil.which("kamailio")
    if kamailio is None:
        raise KamailioMissing("Kamailio is not installed (Debian: apt-get install kamailio)")
    database = workdir / "db"
    database.mkdir()
    (database / "version").write_text("table_name(str) table_version(int)\nsubscriber:7\n")
    rows = "".join(f"{n}:{user}:127.0.0.1:{password}::\n"
                   for n, (user, password) in enumerate(users.items(), 1))
    (database / "subscriber").write_text(
        "id(int,auto) username(str) domain(str) password(str) ha1(str,null) ha1b(str,null)\n" + rows
    )
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        kamailio, "-f", str(REGISTRAR_CFG), "-DD", "-E", "-m", "32", "-M", "4",
        "-l", f"udp:127.0.0.1:{port}",
        "-A", f'DB_URL="text://{database}"', "-A", f'ALGORITHM="{algorithm}"',
        "-Y", str(workdir), "-w", str(workdir),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE, start_new_session=True,
    )
    registrar = Registrar(process, port, users)
    await _wait_until_answering(registrar)
    return registrar


async def _wait_until_answering(registrar: Registrar) -> None:
    if not await probe_until(registrar.port, lambda answer: answer.startswith(b"SIP/2.0")):
        port, log = registrar.port, registrar.log()
        raise AssertionError(f"Kamailio never answered on port {port}:\n{log}")


async def probe_until(
    port: int, wanted: Callable[[bytes], bool], timeout_s: float = STARTUP_TIMEOUT_S
) -> bool:
    """Send OPTIONS for sip:demo to a SIP server (a proxy) on loopback `port` every 0.2 s
    until an answer is `wanted`; False when none was within `timeout_s`."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.bind(("127.0.0.1", 0))
        udp.setblocking(False)
        probe = (
            f"OPTIONS sip:demo@127.0.0.1:{port} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 127.0.0.1:{udp.getsockname()[1]};branch=z9hG4bKup{{n}}\r\n"
            "From: <sip:probe@127.0.0.1>;tag=probe\r\nTo: <sip:demo@127.0.0.1>\r\n"
            "Call-ID: up\r\nCSeq: {n} OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
        )
        loop = asyncio.get_running_loop()
        for n in range(1, int(timeout_s / 0.2) + 1):
            udp.sendto(probe.format(n=n).encode(), ("127.0.0.1", port))
            try:
                if wanted(await asyncio.wait_for(loop.sock_recv(udp, 65535), 0.2)):
                    return True
            except TimeoutError:
                continue
    return False
