"""Placing calls: the INVITE we build, our INVITE client transaction, the dialog a 2xx sets up,
and SipServer.dial against a scripted phone on 127.0.0.1 (RTP faked; e2e uses the real one)."""

import asyncio
import time

import pytest

from callwright.telephony.sip.address import Via
from callwright.telephony.sip.dialog import Dialog
from callwright.telephony.sip.endpoint import SipServer
from callwright.telephony.sip.message import SipRequest, SipResponse, extra_headers
from callwright.telephony.sip.outbound import CallFailed, build_invite, build_offer
from callwright.telephony.sip.sdp import SessionDescription, negotiate
from callwright.telephony.sip.transaction import SipTimers, Transactions
from callwright.telephony.transport import RemoteHangup
from tests.support.sip_phone import Phone

T1_S = 0.01
TIMERS = SipTimers(t1_s=T1_S, t2_s=0.04, t4_s=0.05)  # 64*T1 = 0.64 s
WAIT_S = 2.0
TARGET = "sip:alice@127.0.0.1:5999"
ANSWER_SDP = (
    "v=0\r\no=phone 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio 7000 RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
)


def invite(route: str = "", extra: list[tuple[str, str]] = ()) -> SipRequest:
    request = build_invite(
        TARGET,
        from_uri="sip:pharmacy@127.0.0.1",
        via=Via("UDP", "127.0.0.1", 5070, {"branch": "z9hG4bKout1", "rport": None}),
        contact="<sip:pharmacy@127.0.0.1:5070>",
        offer=build_offer("127.0.0.1", 40000, 7).serialize(),
        allow=("INVITE", "ACK", "BYE", "CANCEL", "OPTIONS"),
        extra=extra,
    )
    if route:
        request.headers.add("Route", route)
    return SipRequest.parse(request.serialize())  # exactly what goes on the wire


def respond(request: SipRequest, status: int, *, headers=(), body: str = "") -> SipResponse:
    return request.response(status, to_tag="phone-tag", headers=headers, body=body.encode())


class RecordingFlow:
    def __init__(self, reliable: bool = False) -> None:
        self.reliable = reliable
        self.transport = "TCP" if reliable else "UDP"
        self.remote = ("127.0.0.1", 5999)
        self.closed = False
        self.sent: list[tuple[float, SipRequest]] = []

    def send(self, data: bytes) -> None:
        self.sent.append((time.monotonic(), SipRequest.parse(data)))

    def methods(self) -> list[str]:
        return [request.method for _, request in self.sent]


def test_invite_offers_g711_and_dtmf_and_opens_a_new_dialog():
    request = invite()
    assert (request.method, request.uri) == ("INVITE", TARGET)
    assert request.from_address.uri == "sip:pharmacy@127.0.0.1" and request.from_address.tag
    assert request.to_address.uri == TARGET and request.to_address.tag is None
    assert request.cseq.method == "INVITE" and request.call_id
    assert request.vias[0].branch.startswith("z9hG4bK")
    assert request.content_type == "application/sdp"
    assert request.headers.get("Contact") == "<sip:pharmacy@127.0.0.1:5070>"
    offer = SessionDescription.parse(request.body)
    (audio,) = offer.media
    assert (audio.port, audio.formats) == (40000, ["0", "8", "101"])
    assert audio.has_attribute("sendrecv")
    assert ("fmtp", "101 0-16") in audio.attributes
    plan = negotiate(offer)  # the way a phone would read it
    assert (plan.remote, plan.codec, plan.dtmf_payload_type) == (("127.0.0.1", 40000), "PCMU", 101)
    again = invite()
    assert (again.call_id, again.from_address.tag) != (request.call_id, request.from_address.tag)


def test_invite_carries_extra_headers_before_its_body():
    request = invite(extra=extra_headers({"X-Callwright-Summary": "Maria\r\nLopez: refill"}))
    assert request.headers.get_all("X-Callwright-Summary") == ["Maria Lopez: refill"]
    assert SessionDescription.parse(request.body).media  # the body is intact


async def test_invite_is_resent_with_timer_a_until_a_provisional_arrives():
    flow = RecordingFlow()
    heard: list[int] = []
    table = Transactions(TIMERS)
    request = invite()
    table.start_invite(request, flow, lambda response: heard.append(response.status))
    deadline = time.monotonic() + WAIT_S
    while len(flow.sent) < 4:
        assert time.monotonic() < deadline, "the INVITE was not resent"
        await asyncio.sleep(T1_S / 2)
    assert table.receive_response(respond(request, 180))
    sent = len(flow.sent)
    assert flow.methods() == ["INVITE"] * sent
    times = [at for at, _ in flow.sent[:4]]
    gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
    assert [gap >= n * T1_S * 0.95 for gap, n in zip(gaps, (1, 2, 4), strict=True)] == [True] * 3
    await asyncio.sleep(T1_S * 10)
    assert len(flow.sent) == sent and heard == [180]  # a provisional stops Timer A


async def test_timer_b_ends_an_unanswered_invite_with_a_local_408():
    flow = RecordingFlow()
    heard: list[int] = []
    table = Transactions(TIMERS)
    started = time.monotonic()
    table.start_invite(invite(), flow, lambda response: heard.append(response.status))
    while not heard:
        await asyncio.sleep(T1_S)
    assert heard == [408] and time.monotonic() - started >= TIMERS.timeout_s - 0.01
    assert not table.receive_response(respond(invite(), 200))  # forgotten: a stray now


async def test_non_2xx_final_is_acked_by_the_transaction_and_again_when_resent():
    flow = RecordingFlow()
    heard: list[int] = []
    table = Transactions(TIMERS)
    request = invite(route="<sip:proxy.example;lr>")
    table.start_invite(request, flow, lambda response: heard.append(response.status))
    busy = respond(request, 486)
    table.receive_response(busy)
    table.receive_response(busy)  # our ACK was lost
    assert heard == [486]
    assert flow.methods() == ["INVITE", "ACK", "ACK"]
    ack = flow.sent[1][1]
    assert ack.uri == request.uri and ack.call_id == request.call_id
    assert ack.vias[0].branch == request.vias[0].branch  # same transaction
    assert ack.cseq.number == request.cseq.number and ack.cseq.method == "ACK"
    assert ack.to_address.tag == "phone-tag"
    assert ack.from_address.tag == request.from_address.tag
    assert ack.headers.get_list("Route") == ["<sip:proxy.example;lr>"]
    await asyncio.sleep(T1_S * 5)
    assert len(flow.sent) == 3  # nothing more after a final


async def test_every_2xx_goes_up_for_the_dialog_to_ack_and_tcp_is_sent_once():
    flow = RecordingFlow(reliable=True)
    heard: list[int] = []
    table = Transactions(TIMERS)
    request = invite()
    table.start_invite(request, flow, lambda response: heard.append(response.status))
    ok = respond(request, 200)
    for response in (respond(request, 100), ok, ok, respond(request, 180)):
        assert table.receive_response(response)
    assert heard == [100, 200, 200]  # a provisional after the final is dropped
    await asyncio.sleep(T1_S * 5)
    assert flow.methods() == ["INVITE"]  # the 2xx's ACK belongs to the dialog, not here
    await asyncio.sleep(TIMERS.timeout_s)
    assert not table.receive_response(ok)  # Timer M ended the Accepted state


def test_dialog_from_answer_routes_back_through_record_route_reversed():
    request = invite()
    ok = respond(
        request,
        200,
        headers=[
            ("Record-Route", "<sip:edge.example;lr>, <sip:core.example;lr>"),
            ("Contact", "<sip:alice@10.0.0.9:5080>"),
        ],
    )
    dialog = Dialog.from_answer(request, ok)
    assert dialog.key == (request.call_id, request.from_address.tag)
    assert dialog.remote_tag == "phone-tag"
    assert dialog.remote_target == "sip:alice@10.0.0.9:5080"
    assert dialog.route_set == ["<sip:core.example;lr>", "<sip:edge.example;lr>"]
    via = Via("UDP", "127.0.0.1", 5070, {"branch": "z9hG4bKnext"})
    ack = dialog.create_request("ACK", via)
    bye = dialog.create_request("BYE", via)
    assert ack.cseq.number == request.cseq.number  # an ACK keeps its INVITE's CSeq
    assert bye.cseq.number == request.cseq.number + 1
    assert bye.uri == "sip:alice@10.0.0.9:5080"
    assert bye.headers.get_list("Route") == dialog.route_set
    assert bye.from_address.tag == request.from_address.tag
    assert bye.to_address.tag == "phone-tag"


# --- SipServer.dial against a scripted phone ------------------------------------------------


class FakeRtp:
    """Stands in for RtpSession: records what the call asks of it."""

    def __init__(self) -> None:
        self.events: asyncio.Queue = asyncio.Queue()
        self.local_port = 40000
        self.started: tuple | None = None
        self.closed = False

    @classmethod
    async def open(cls, host: str) -> "FakeRtp":
        return cls()

    def start(self, remote, codec, payload_type, dtmf_payload_type) -> None:
        self.started = (remote, codec, payload_type, dtmf_payload_type)

    def set_sending(self, enabled: bool) -> None: ...

    async def close(self) -> None:
        self.closed = True


@pytest.fixture
async def sip():
    async def never_called(call) -> None:
        raise AssertionError("nobody calls this server")

    server = SipServer(
        "127.0.0.1",
        0,
        accepts=lambda user: False,
        on_call=never_called,
        timers=TIMERS,
        open_media=FakeRtp.open,
    )
    await server.start()
    _, phone = await asyncio.get_running_loop().create_datagram_endpoint(
        Phone, local_addr=("127.0.0.1", 0)
    )
    yield server, phone
    phone.transport.close()
    await server.stop()


def phone_bye(ok: SipResponse, phone_port: int) -> SipRequest:
    """The phone hanging up: From and To swap sides, tags included."""
    text = (
        f"BYE {ok.headers.get('Contact').strip('<>')} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP 127.0.0.1:{phone_port};branch=z9hG4bKphonebye\r\n"
        f"From: {ok.headers.get('To')}\r\nTo: {ok.headers.get('From')}\r\n"
        f"Call-ID: {ok.call_id}\r\nCSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n"
    )
    return SipRequest.parse(text.encode())


async def test_answer_is_acked_along_the_route_set_and_the_phones_bye_ends_the_call(sip):
    server, phone = sip
    dialing = asyncio.create_task(server.dial(phone.uri, from_user="pharmacy"))
    offer = await phone.expect_request("INVITE")
    phone.send(respond(offer, 180), server.udp_port)
    ok = respond(
        offer,
        200,
        headers=[
            ("Record-Route", f"<sip:far.invalid;lr>, <sip:127.0.0.1:{phone.port};lr>"),
            ("Contact", "<sip:alice@10.9.9.9:5080>"),
            ("Content-Type", "application/sdp"),
        ],
        body=ANSWER_SDP,
    )
    phone.send(ok, server.udp_port)
    call = await asyncio.wait_for(dialing, WAIT_S)
    assert call.rtp.started == (("127.0.0.1", 7000), "PCMA", 8, 101)
    assert (call.direction, call.callee, call.caller) == (
        "outbound", "pharmacy", "sip:pharmacy@127.0.0.1"
    )  # fmt: skip
    assert server.calls == [call]
    ack = await phone.expect_request("ACK")  # to the first route: the phone's own "proxy" address
    assert ack.uri == "sip:alice@10.9.9.9:5080"
    assert ack.headers.get_list("Route") == [
        f"<sip:127.0.0.1:{phone.port};lr>", "<sip:far.invalid;lr>"
    ]  # fmt: skip
    assert ack.cseq.number == offer.cseq.number and ack.to_address.tag == "phone-tag"
    phone.send(ok, server.udp_port)  # as if our ACK were lost
    assert (await phone.expect_request("ACK")).serialize() == ack.serialize()
    phone.send(phone_bye(ok, phone.port), server.udp_port)
    events = [event async for event in call.events()]
    assert events == [RemoteHangup("BYE")]
    assert server.calls == [] and call.rtp.closed


async def test_silent_target_fails_with_408_and_gets_no_cancel(sip):
    server, phone = sip
    with pytest.raises(CallFailed) as failure:
        await server.dial(phone.uri, from_user="pharmacy", timeout_s=0.1)
    assert failure.value.status == 408
    await asyncio.sleep(T1_S * 10)
    sent = [getattr(message, "method", None) for message in phone.drain()]
    assert set(sent) == {"INVITE"} and len(sent) > 1  # retransmitted, never cancelled


async def test_ringing_target_is_cancelled_and_its_487_acked(sip):
    server, phone = sip
    dialing = asyncio.create_task(server.dial(phone.uri, from_user="pharmacy", timeout_s=0.1))
    offer = await phone.expect_request("INVITE")
    phone.send(respond(offer, 180), server.udp_port)
    cancel = await phone.expect_request("CANCEL")
    assert cancel.vias[0].branch == offer.vias[0].branch
    assert (cancel.uri, cancel.cseq.number) == (offer.uri, offer.cseq.number)
    phone.send(respond(cancel, 200), server.udp_port)
    phone.send(respond(offer, 487), server.udp_port)
    with pytest.raises(CallFailed) as failure:
        await asyncio.wait_for(dialing, WAIT_S)
    assert (failure.value.status, failure.value.reason) == (487, "no answer")
    ack = await phone.expect_request("ACK")
    assert ack.vias[0].branch == offer.vias[0].branch and ack.to_address.tag == "phone-tag"


async def test_answer_that_crosses_our_cancel_is_acked_then_hung_up(sip):
    server, phone = sip
    dialing = asyncio.create_task(server.dial(phone.uri, from_user="pharmacy", timeout_s=0.1))
    offer = await phone.expect_request("INVITE")
    phone.send(respond(offer, 180), server.udp_port)
    cancel = await phone.expect_request("CANCEL")
    phone.send(respond(cancel, 200), server.udp_port)
    contact = [("Contact", f"<{phone.uri}>"), ("Content-Type", "application/sdp")]
    ok = respond(offer, 200, headers=contact, body=ANSWER_SDP)
    phone.send(ok, server.udp_port)
    ack = await phone.expect_request("ACK")
    bye = await phone.expect_request("BYE")
    assert ack.vias[0].branch != offer.vias[0].branch  # the 2xx's ACK is a new transaction
    assert bye.to_address.tag == "phone-tag"
    phone.send(respond(bye, 200), server.udp_port)
    with pytest.raises(CallFailed) as failure:
        await asyncio.wait_for(dialing, WAIT_S)
    assert (failure.value.status, failure.value.reason) == (408, "no answer")
    assert server.calls == []


async def test_dial_puts_extra_headers_on_the_invite_and_refuses_stack_headers(sip):
    server, phone = sip
    summary = {"X-Callwright-Summary": "Maria Lopez\r\nwants to reschedule"}
    dialing = asyncio.create_task(server.dial(phone.uri, from_user="pharmacy", headers=summary))
    offer = await phone.expect_request("INVITE")
    assert offer.headers.get("X-Callwright-Summary") == "Maria Lopez wants to reschedule"
    phone.send(respond(offer, 486), server.udp_port)
    with pytest.raises(CallFailed):
        await asyncio.wait_for(dialing, WAIT_S)
    await asyncio.sleep(T1_S * 5)
    phone.drain()  # that call's last words: our ACK to the 486
    with pytest.raises(ValueError, match="Call-ID"):
        await server.dial(phone.uri, from_user="pharmacy", headers={"Call-ID": "mine"})
    await asyncio.sleep(T1_S * 5)
    assert phone.drain() == []  # refused before anything was sent
