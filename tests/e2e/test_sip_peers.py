"""SipServer (with the real RtpSession) against real SIP peers: sipp, and Kamailio in between.

Each test skips only when its peer binary is not installed.
"""

import asyncio
import shutil
import socket
from pathlib import Path

import pytest

from callwright.telephony.sip.message import SipResponse, parse_message
from callwright.telephony.transport import RemoteHangup
from tests.support.kamailio import end_process_group, probe_until
from tests.support.server import free_port

pytestmark = pytest.mark.e2e

HERE = Path(__file__).parent
CALLEE_HANGS_UP = HERE / "sipp" / "uac_callee_hangs_up.xml"
KAMAILIO_CFG = HERE / "kamailio" / "proxy.cfg"
SIPP_TIMEOUT_S = 12
HANGUP_AFTER_S = 1.0
TRANSPORTS = {"udp": "u1", "tcp": "t1"}


def need(binary: str) -> str:
    path = shutil.which(binary)
    if path is None:
        pytest.skip(
            f"{binary} is not installed (Debian: apt-get install "
            f"{'sip-tester' if binary == 'sipp' else binary})"
        )
    return path


class Agent:
    """on_call for the tests: listen until the caller hangs up, or hang up after a while."""

    def __init__(self, hang_up_after_s: float | None = None) -> None:
        self.hang_up_after_s = hang_up_after_s
        self.calls = []
        self.events: list = []
        self.done = asyncio.Event()

    async def __call__(self, call) -> None:
        self.calls.append(call)
        try:
            if self.hang_up_after_s is None:
                async for event in call.events():
                    self.events.append(event)
            else:
                await asyncio.sleep(self.hang_up_after_s)
                await call.hangup()
        finally:
            self.done.set()


async def sipp(tmp_path: Path, target: tuple[str, int], transport: str, *scenario: str) -> str:
    """Run one sipp call; return its error log (empty when the call succeeded)."""
    process = await asyncio.create_subprocess_exec(
        need("sipp"),
        *scenario,
        "-s",
        "demo",
        "-m",
        "1",
        "-i",
        "127.0.0.1",
        "-p",
        str(free_port()),
        "-mp",
        str(free_port()),
        "-t",
        TRANSPORTS[transport],
        "-timeout",
        str(SIPP_TIMEOUT_S),
        "-nostdin",
        "-trace_err",
        f"{target[0]}:{target[1]}",
        cwd=tmp_path,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), SIPP_TIMEOUT_S + 3)
    errors = "".join(p.read_text(errors="replace") for p in tmp_path.glob("*_errors.log"))
    if process.returncode != 0:
        return f"sipp exited {process.returncode}: {stderr.decode(errors='replace')}\n{errors}"
    return ""


@pytest.mark.parametrize("transport", ["udp", "tcp"])
async def test_sipp_call_ended_by_the_caller(tmp_path, serve, transport):
    agent = Agent()
    server = await serve(agent)
    assert await sipp(tmp_path, ("127.0.0.1", server.udp_port), transport, "-sn", "uac") == ""
    await asyncio.wait_for(agent.done.wait(), 2)
    (call,) = agent.calls
    assert (call.callee, call.transport_name) == ("demo", "sip")
    assert agent.events[-1] == RemoteHangup("BYE")
    assert server.calls == []


@pytest.mark.parametrize("transport", ["udp", "tcp"])
async def test_sipp_call_ended_by_our_bye(tmp_path, serve, transport):
    agent = Agent(hang_up_after_s=HANGUP_AFTER_S)
    server = await serve(agent)
    target = ("127.0.0.1", server.udp_port)
    assert await sipp(tmp_path, target, transport, "-sf", str(CALLEE_HANGS_UP)) == ""
    await asyncio.wait_for(agent.done.wait(), 2)
    assert len(agent.calls) == 1 and server.calls == []


JUNK = [
    b"\x00\xff" * 700,
    b"INVITE sip:demo@127.0.0.1 SIP/2.0\r\n\r\n",
    b"OPTIONS sip:demo@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKj\r\n"
    b"From: <sip:x@y>;tag=1\r\nTo: <sip:demo@127.0.0.1>\r\nCall-ID: junk\r\nCSeq: 1 OPTIONS\r\n"
    b"Content-Length: 99999\r\n\r\n",
    b"BYE sip:demo@127.0.0.1 SIP/2.0\r\n" + b"X-Flood: " + b"A" * 40_000 + b"\r\n\r\n",
    b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:1;branch=z9hG4bKnobody\r\n\r\n",
]
ANSWERABLE_BAD = (
    b"INVITE sip:demo@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bKbad\r\n"
    b"From: <sip:x@y>;tag=1\r\nTo: <sip:demo@127.0.0.1>\r\nCall-ID: bad\r\nCSeq: 1 BYE\r\n"
    b"Content-Length: 0\r\n\r\n"
)


async def test_garbage_over_udp_and_tcp_leaves_a_concurrent_call_unharmed(tmp_path, serve):
    agent = Agent(hang_up_after_s=HANGUP_AFTER_S)
    server = await serve(agent)
    target = ("127.0.0.1", server.udp_port)
    call = asyncio.create_task(sipp(tmp_path, target, "udp", "-sf", str(CALLEE_HANGS_UP)))
    await asyncio.sleep(0.3)  # the call is up while the junk arrives
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.bind(("127.0.0.1", 0))
        udp.setblocking(False)
        for junk in JUNK:
            udp.sendto(junk, target)
        udp.sendto(ANSWERABLE_BAD.replace(b"{port}", str(udp.getsockname()[1]).encode()), target)
        loop = asyncio.get_running_loop()
        reply = parse_message(await asyncio.wait_for(loop.sock_recv(udp, 65535), 2))
    assert isinstance(reply, SipResponse) and reply.status == 400
    streams = []
    for junk in JUNK:  # each on its own TCP connection: the server may close a bad stream
        reader, writer = await asyncio.open_connection(*target)
        writer.write(junk)
        streams.append(writer)
    reader, writer = await asyncio.open_connection(*target)
    local_port = writer.get_extra_info("sockname")[1]
    writer.write(ANSWERABLE_BAD.replace(b"UDP", b"TCP").replace(b"{port}", b"%d" % local_port))
    assert (await asyncio.wait_for(reader.read(65535), 2)).startswith(b"SIP/2.0 400 ")
    streams.append(writer)
    assert await call == ""
    assert len(agent.calls) == 1
    for writer in streams:
        writer.close()


async def start_kamailio(tmp_path: Path, port: int, uas_uri: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        need("kamailio"),
        "-f",
        str(KAMAILIO_CFG),
        "-DD",
        "-E",
        "-m",
        "32",
        "-M",
        "4",
        "-l",
        f"udp:127.0.0.1:{port}",
        "-l",
        f"tcp:127.0.0.1:{port}",
        "-A",
        f'UAS_URI="{uas_uri}"',
        "-Y",
        str(tmp_path),
        "-w",
        str(tmp_path),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
    )


async def wait_until_routing(port: int) -> None:
    """Send OPTIONS through the proxy until our server's 200 comes back."""
    if not await probe_until(port, lambda answer: answer.startswith(b"SIP/2.0 200")):
        raise AssertionError(f"Kamailio on port {port} never routed an OPTIONS to us")


@pytest.mark.parametrize("transport", ["udp", "tcp"])
async def test_call_through_kamailio_and_our_bye_goes_back_through_it(tmp_path, serve, transport):
    agent = Agent(hang_up_after_s=HANGUP_AFTER_S)
    server = await serve(agent)
    proxy_port = free_port()
    suffix = ";transport=tcp" if transport == "tcp" else ""
    kamailio = await start_kamailio(
        tmp_path, proxy_port, f"sip:127.0.0.1:{server.udp_port}{suffix}"
    )
    try:
        await wait_until_routing(proxy_port)
        target = ("127.0.0.1", proxy_port)
        result = await sipp(tmp_path, target, transport, "-sf", str(CALLEE_HANGS_UP))
    finally:
        await end_process_group(kamailio)
        log = await asyncio.wait_for(kamailio.stderr.read(), 5)
    assert result == ""
    (call,) = agent.calls
    assert call.dialog.route_set and f":{proxy_port};" in call.dialog.route_set[0]
    proxy_log = log.decode(errors="replace")
    bye_lines = [line for line in proxy_log.splitlines() if "proxy-request BYE" in line]
    assert len(bye_lines) == 1, proxy_log[-3000:]
    assert f"from 127.0.0.1:{server.udp_port}" in bye_lines[0] or transport == "tcp"
    assert f"over {transport}" in bye_lines[0]


BARESIP_CONFIG = """\
poll_method epoll
sip_listen 127.0.0.1:{port}
audio_source ausine,440
audio_alert aufile,/dev/null
ausrc_srate 48000
ausrc_channels 2
auplay_srate 48000
module_path /usr/lib/baresip/modules
module g711.so
module ausine.so
module aufile.so
module_app account.so
module_app menu.so
"""


async def test_baresip_call_carries_audio_both_ways_until_our_bye(tmp_path, serve):
    baresip = need("baresip")
    agent = Agent()
    heard: list = []

    async def listen_then_hang_up(call) -> None:
        agent.calls.append(call)

        async def listen() -> None:
            async for event in call.events():
                heard.append(event)

        listening = asyncio.create_task(listen())
        await asyncio.sleep(HANGUP_AFTER_S)
        await call.hangup()
        await listening
        agent.done.set()

    server = await serve(listen_then_hang_up)
    (tmp_path / "config").write_text(BARESIP_CONFIG.format(port=free_port()))
    (tmp_path / "accounts").write_text("<sip:alice@127.0.0.1>;regint=0\n")
    phone = await asyncio.create_subprocess_exec(
        baresip,
        "-f",
        str(tmp_path),
        "-e",
        f"/dial sip:demo@127.0.0.1:{server.udp_port}",
        "-t",
        "4",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        await asyncio.wait_for(agent.done.wait(), 5)
        output, _ = await asyncio.wait_for(phone.communicate(), 6)
    finally:
        if phone.returncode is None:
            phone.kill()
    (call,) = agent.calls
    assert call.caller == "sip:alice@127.0.0.1"
    audio = [event for event in heard if hasattr(event, "frame")]
    assert len(audio) > 20, f"heard {len(audio)} frames from baresip's 440 Hz tone"
    assert max(abs(int(s)) for event in audio[-10:] for s in event.frame.samples) > 1000
    text = output.decode(errors="replace")
    assert "Call established" in text, text[-2000:]
    assert "session closed: Connection reset by peer" in text, text[-2000:]  # our BYE
    assert "incoming rtp for 'audio' established" in text  # baresip received our RTP
