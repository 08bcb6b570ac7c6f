"""A scripted SIP phone for unit tests of SipServer: raw messages over loopback UDP, with
RtpSession faked (the e2e tests use the real one)."""

import asyncio
import itertools

from callwright.telephony.sip.message import SipRequest, SipResponse, parse_message
from callwright.telephony.sip.transaction import SipTimers

TIMERS = SipTimers(t1_s=0.005, t2_s=0.04, t4_s=0.05)  # 64*T1 = 0.32 s
WAIT_S = 2.0
OFFER = (
    "v=0\r\no=phone 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio 7000 RTP/AVP 8 0 101\r\na=rtpmap:101 telephone-event/8000\r\n{direction}"
)
_counter = itertools.count()


class FakeRtp:
    """Records what SipServer asks of RtpSession."""

    opened: list["FakeRtp"] = []
    gate: asyncio.Event | None = None  # when set by a test, open() waits for it

    def __init__(self) -> None:
        self.events: asyncio.Queue = asyncio.Queue()
        self.local_port = 40000
        self.started: tuple | None = None
        self.remotes: list[tuple] = []
        self.sending: list[bool] = []
        self.closed = False

    @classmethod
    async def open(cls, host: str) -> "FakeRtp":
        if cls.gate is not None:
            await cls.gate.wait()
        session = cls()
        cls.opened.append(session)
        return session

    def start(self, remote, codec, payload_type, dtmf_payload_type) -> None:
        self.started = (remote, codec, payload_type, dtmf_payload_type)

    def update_remote(self, remote, codec, payload_type, dtmf_payload_type) -> None:
        self.remotes.append((remote, codec, payload_type, dtmf_payload_type))

    def set_sending(self, enabled: bool) -> None:
        self.sending.append(enabled)

    def play(self, frame) -> None: ...

    def clear(self) -> list:
        return []

    def queued_frames(self) -> int:
        return 0

    def on_frame_sent(self, listener) -> None: ...

    async def close(self) -> None:
        self.closed = True


class Phone(asyncio.DatagramProtocol):
    """A UDP SIP peer the test scripts message by message."""

    def __init__(self) -> None:
        self.inbox: asyncio.Queue = asyncio.Queue()
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr) -> None:
        try:
            self.inbox.put_nowait(parse_message(data))
        except ValueError:  # e.g. a 400 echoing the bad CSeq we sent: keep the bytes
            self.inbox.put_nowait(data)

    @property
    def port(self) -> int:
        return self.transport.get_extra_info("sockname")[1]

    @property
    def uri(self) -> str:
        return f"sip:alice@127.0.0.1:{self.port}"

    def send(self, data: bytes | SipRequest | SipResponse, port: int) -> None:
        if not isinstance(data, bytes):
            data = data.serialize()
        self.transport.sendto(data, ("127.0.0.1", port))

    async def receive(self):
        return await asyncio.wait_for(self.inbox.get(), WAIT_S)

    async def expect(self, status: int) -> SipResponse:
        while True:
            message = await self.receive()
            if isinstance(message, SipResponse) and message.status == status:
                return message

    async def expect_request(self, method: str) -> SipRequest:
        while True:
            message = await self.receive()
            if isinstance(message, SipRequest) and message.method == method:
                return message

    def drain(self) -> list:
        """What arrived and was not read yet."""
        messages = []
        while not self.inbox.empty():
            messages.append(self.inbox.get_nowait())
        return messages

    async def silent(self, seconds: float = 0.15) -> list:
        """What arrives within `seconds` (nothing, when the test expects silence)."""
        await asyncio.sleep(seconds)
        return self.drain()


def invite(
    phone_port: int,
    *,
    user: str = "demo",
    call_id: str = "",
    method: str = "INVITE",
    body: str | None = None,
    to_tag: str = "",
    cseq: int = 1,
    branch: str = "",
    extra: str = "",
    content_type: str = "application/sdp",
) -> tuple[bytes, str]:
    call_id = call_id or f"call-{next(_counter)}"
    body = OFFER.format(direction="") if body is None else body
    tag = f";tag={to_tag}" if to_tag else ""
    content_type = f"Content-Type: {content_type}\r\n" if body else ""
    text = (
        f"{method} sip:{user}@127.0.0.1 SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP 127.0.0.1:{phone_port};branch={branch or f'z9hG4bK{call_id}{cseq}'}"
        ";rport\r\n"
        f"From: <sip:alice@127.0.0.1>;tag=alice-{call_id}\r\nTo: <sip:{user}@127.0.0.1>{tag}\r\n"
        f"Call-ID: {call_id}\r\nCSeq: {cseq} {method}\r\n"
        f"Contact: <sip:alice@127.0.0.1:{phone_port}>\r\nMax-Forwards: 70\r\n{extra}"
        f"{content_type}Content-Length: {len(body)}\r\n\r\n{body}"
    )
    return text.encode(), call_id


def in_dialog(
    method: str,
    ok: SipResponse,
    phone_port: int,
    cseq: int,
    body: str = "",
    branch: str = "",
    extra: str = "",
    content_type: str = "application/sdp",
) -> bytes:
    """A request from the phone in the dialog `ok` set up."""
    return invite(
        phone_port,
        method=method,
        call_id=ok.call_id,
        to_tag=ok.to_address.tag,
        cseq=cseq,
        body=body,
        branch=branch or f"z9hG4bK{method}{cseq}{ok.call_id}",
        extra=extra,
        content_type=content_type,
    )[0]


async def answered(server, phone, **kwargs) -> SipResponse:
    data, _ = invite(phone.port, **kwargs)
    phone.send(data, server.udp_port)
    await phone.expect(100)
    await phone.expect(180)
    return await phone.expect(200)


def ack(ok: SipResponse, phone_port: int) -> bytes:
    return in_dialog("ACK", ok, phone_port, ok.cseq.number, branch="z9hG4bKack" + ok.call_id)
