"""SipServer against a scripted phone on 127.0.0.1 (RTP faked; e2e tests use the real one)."""

import asyncio

import pytest

from callwright.telephony.admission import AdmissionPolicy
from callwright.telephony.sip.endpoint import SipServer
from callwright.telephony.sip.message import SipRequest, SipResponse, parse_message
from callwright.telephony.sip.sdp import SessionDescription
from callwright.telephony.transport import RemoteHangup
from tests.support.sip_phone import (
    OFFER,
    TIMERS,
    WAIT_S,
    FakeRtp,
    Phone,
    ack,
    answered,
    in_dialog,
    invite,
)


async def test_udp_and_tcp_share_one_port(sip):
    server, *_ = sip
    assert server.udp_port == server.tcp_port > 0


async def test_call_is_answered_then_ended_by_the_callers_bye(sip):
    server, phone, calls, _ = sip
    ok = await answered(server, phone)
    answer = SessionDescription.parse(ok.body)
    assert ok.to_address.tag and ok.content_type == "application/sdp"
    assert answer.connection_address == "127.0.0.1"
    assert (answer.media[0].port, answer.media[0].formats) == (40000, ["0", "101"])
    assert ok.headers.get("Contact").startswith("<sip:demo@127.0.0.1:")
    phone.send(ack(ok, phone.port), server.udp_port)
    call = await asyncio.wait_for(calls.get(), WAIT_S)
    assert (call.callee, call.caller, call.transport_name) == ("demo", "sip:alice@127.0.0.1", "sip")
    assert call.call_id == ok.call_id
    assert FakeRtp.opened[0].started == (("127.0.0.1", 7000), "PCMU", 0, 101)
    phone.send(in_dialog("BYE", ok, phone.port, 2), server.udp_port)
    assert (await phone.expect(200)).cseq.method == "BYE"
    await asyncio.wait_for(call.over.wait(), WAIT_S)
    assert call.heard == [RemoteHangup("BYE")]
    assert FakeRtp.opened[0].closed
    assert server.calls == []


async def test_unknown_user_gets_404(sip):
    server, phone, calls, _ = sip
    phone.send(invite(phone.port, user="nobody")[0], server.udp_port)
    await phone.expect(100)
    not_found = await phone.expect(404)
    assert "nobody" in not_found.headers.get("Warning")
    assert calls.empty() and FakeRtp.opened == []


async def test_busy_here_beyond_max_calls(sip):
    server, phone, _, behaviour = sip
    for _ in range(2):
        await answered(server, phone)
    phone.send(invite(phone.port)[0], server.udp_port)
    assert "busy" in (await phone.expect(486)).headers.get("Warning")
    assert behaviour["refused"] == [486]


async def test_beyond_capacity_503_says_when_to_retry_and_the_calls_up_go_on(sip):
    server, phone, calls, behaviour = sip
    server.admission = AdmissionPolicy(max_calls=2, refuse_with=503, retry_after_s=7)
    for _ in range(2):
        await answered(server, phone)
    phone.send(invite(phone.port)[0], server.udp_port)
    refused = await phone.expect(503)
    assert refused.headers.get("Retry-After") == "7"
    assert behaviour["refused"] == [503]
    assert len(server.calls) == 2 and calls.qsize() == 2


@pytest.mark.parametrize(
    ("settings", "message"),
    [({"max_calls": 0}, "max_calls"), ({"refuse_with": 404}, "486 or 503"),
     ({"retry_after_s": -1}, "retry_after_s")],
)
def test_invalid_admission_settings_are_named(settings, message):
    with pytest.raises(ValueError, match=message):
        AdmissionPolicy(**settings)


@pytest.mark.parametrize(
    ("body", "warning"),
    [
        ("", "SDP offer is required"),
        (
            "v=0\r\no=x 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\n"
            "m=audio 5 RTP/AVP 9\r\n",
            "need PCMU or PCMA",
        ),
        ("v=0\r\nthis is not sdp\r\n", "bad SDP line"),
    ],
)
async def test_unusable_offers_get_488_with_a_warning(sip, body, warning):
    server, phone, calls, _ = sip
    phone.send(invite(phone.port, body=body)[0], server.udp_port)
    refused = await phone.expect(488)
    assert warning in refused.headers.get("Warning")
    assert calls.empty()


async def test_cancel_before_the_answer_ends_the_invite_with_487(sip):
    server, phone, calls, _ = sip
    FakeRtp.gate = asyncio.Event()  # hold the INVITE while RTP "opens"
    data, call_id = invite(phone.port, branch="z9hG4bKcancelme")
    phone.send(data, server.udp_port)
    await phone.expect(100)
    cancel = (
        data.decode()
        .split("\r\n\r\n")[0]
        .replace("INVITE", "CANCEL")
        .replace("Content-Length: ", "X-Was: ")
        + "\r\nContent-Length: 0\r\n\r\n"
    )
    phone.send(cancel.encode(), server.udp_port)
    assert (await phone.expect(200)).cseq.method == "CANCEL"
    terminated = await phone.expect(487)
    FakeRtp.gate.set()
    phone.send(
        in_dialog("ACK", terminated, phone.port, 1, branch="z9hG4bKcancelme"), server.udp_port
    )
    assert [m for m in await phone.silent() if isinstance(m, SipResponse)] == []
    assert calls.empty() and server.calls == []
    assert all(rtp.closed for rtp in FakeRtp.opened)


async def test_cancel_for_an_unknown_invite_gets_481(sip):
    server, phone, _, _ = sip
    data, _ = invite(phone.port, method="CANCEL", body="")
    phone.send(data, server.udp_port)
    await phone.expect(481)


async def test_retransmitted_invite_is_answered_once(sip):
    server, phone, calls, _ = sip
    data, _ = invite(phone.port)
    phone.send(data, server.udp_port)
    phone.send(data, server.udp_port)
    first = await phone.expect(200)
    phone.send(data, server.udp_port)  # after the 200: resent 200, same tag
    again = await phone.expect(200)
    assert again.to_address.tag == first.to_address.tag
    await asyncio.sleep(0.05)
    assert calls.qsize() == 1 and len(FakeRtp.opened) == 1 and len(server.calls) == 1


async def test_200_is_resent_until_ack(sip):
    server, phone, _, _ = sip
    ok = await answered(server, phone)
    await phone.expect(200)
    await phone.expect(200)  # T1 and 2*T1 later
    phone.send(ack(ok, phone.port), server.udp_port)
    await asyncio.sleep(0.05)  # any retransmission in flight lands
    assert await phone.silent(0.2) == []


async def test_no_ack_within_64_t1_ends_the_call_with_a_bye(sip):
    server, phone, calls, _ = sip
    ok = await answered(server, phone)
    call = await asyncio.wait_for(calls.get(), WAIT_S)
    while True:
        message = await phone.receive()
        if isinstance(message, SipRequest):
            break
    assert (message.method, message.call_id) == ("BYE", ok.call_id)
    phone.send(message.response(200).serialize(), server.udp_port)
    await asyncio.wait_for(call.over.wait(), WAIT_S)
    assert call.heard == [RemoteHangup("no ACK")]


async def test_our_hangup_sends_bye_to_the_callers_contact(sip):
    server, phone, calls, behaviour = sip
    hung_up = asyncio.Event()

    async def hang_up(call):
        await call.hangup()
        assert [e async for e in call.events()] == []
        hung_up.set()

    behaviour["on_call"] = hang_up
    ok = await answered(server, phone)
    phone.send(ack(ok, phone.port), server.udp_port)
    bye = await phone.receive()
    while isinstance(bye, SipResponse):  # a 200 resent before our ACK landed
        bye = await phone.receive()
    assert (bye.method, bye.call_id, bye.uri) == (
        "BYE",
        ok.call_id,
        f"sip:alice@127.0.0.1:{phone.port}",
    )
    assert bye.from_address.tag == ok.to_address.tag
    assert bye.to_address.tag == ok.from_address.tag
    assert bye.cseq.method == "BYE"
    phone.send(bye.response(200).serialize(), server.udp_port)
    await asyncio.wait_for(hung_up.wait(), WAIT_S)
    assert FakeRtp.opened[0].closed and server.calls == []


async def test_reinvite_puts_us_on_hold_and_back(sip):
    server, phone, _, _ = sip
    ok = await answered(server, phone)
    phone.send(ack(ok, phone.port), server.udp_port)
    rtp = FakeRtp.opened[0]
    hold = OFFER.format(direction="a=sendonly\r\n")
    phone.send(in_dialog("INVITE", ok, phone.port, 2, body=hold), server.udp_port)
    held = await phone.expect(200)
    while held.cseq.number != 2:
        held = await phone.expect(200)
    media = SessionDescription.parse(held.body).media[0]
    assert media.has_attribute("recvonly")
    assert rtp.sending == [False]
    assert rtp.remotes[-1] == (("127.0.0.1", 7000), "PCMU", 0, 101)
    phone.send(in_dialog("ACK", held, phone.port, 2), server.udp_port)
    phone.send(
        in_dialog("INVITE", ok, phone.port, 3, body=OFFER.format(direction="")), server.udp_port
    )
    resumed = await phone.expect(200)
    while resumed.cseq.number != 3:
        resumed = await phone.expect(200)
    assert SessionDescription.parse(resumed.body).media[0].has_attribute("sendrecv")
    assert b" 3 IN IP4" in resumed.body  # the answer's o= version moved on
    assert rtp.sending == [False, True]


async def test_options_unknown_methods_and_unknown_dialogs(sip):
    server, phone, _, _ = sip
    phone.send(invite(phone.port, method="OPTIONS", body="")[0], server.udp_port)
    ok = await phone.expect(200)
    assert "INVITE" in ok.headers.get("Allow") and ok.headers.get("Accept") == "application/sdp"
    phone.send(invite(phone.port, method="MESSAGE", body="")[0], server.udp_port)
    await phone.expect(501)
    phone.send(invite(phone.port, method="BYE", body="", to_tag="gone")[0], server.udp_port)
    await phone.expect(481)
    phone.send(invite(phone.port, method="BYE", body="")[0], server.udp_port)
    await phone.expect(481)


async def test_required_extension_is_refused_with_420(sip):
    server, phone, _, _ = sip
    phone.send(invite(phone.port, extra="Require: 100rel\r\n")[0], server.udp_port)
    assert (await phone.expect(420)).headers.get("Unsupported") == "100rel"


async def test_response_goes_back_per_via_rport(sip):
    server, phone, _, _ = sip
    data, _ = invite(phone.port, method="OPTIONS", body="")
    data = data.replace(f"127.0.0.1:{phone.port};".encode(), b"198.51.100.1:5090;")
    phone.send(data, server.udp_port)
    ok = await phone.expect(200)  # reached us at our source port, not 198.51.100.1:5090
    assert ok.vias[0].params["received"] == "127.0.0.1"
    assert ok.vias[0].params["rport"] == str(phone.port)


@pytest.mark.parametrize(
    "junk",
    [
        b"\x00\x01\x02\xff" * 50,
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        b"INVITE sip:demo@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 1.2.3.4\r\n\r\n",
        b"INVITE sip:demo@127.0.0.1 SIP/2.0\r\nX: " + b"A" * 60_000 + b"\r\n\r\n",
        b"\r\n\r\n",
    ],
)
async def test_garbage_is_dropped_and_the_server_keeps_working(sip, junk):
    server, phone, _, _ = sip
    phone.send(junk, server.udp_port)
    assert await phone.silent(0.1) == []
    ok = await answered(server, phone)
    assert ok.status == 200


async def test_readable_but_invalid_request_gets_400(sip):
    server, phone, calls, _ = sip
    data, _ = invite(phone.port)
    phone.send(data.replace(b"CSeq: 1 INVITE", b"CSeq: x INVITE"), server.udp_port)
    echoed = await phone.receive()  # our 400 echoes their unparseable CSeq, as RFC 3261 asks
    assert echoed.startswith(b"SIP/2.0 400 Bad Request\r\n") and b"bad CSeq" in echoed
    phone.send(data.replace(b"Max-Forwards: 70", b"Max-Forwards 70"), server.udp_port)
    assert "malformed header line" in (await phone.expect(400)).headers.get("Warning")
    phone.send(data.replace(b"Content-Length: ", b"Content-Length: 9"), server.udp_port)
    assert "body bytes" in (await phone.expect(400)).headers.get("Warning")
    assert calls.empty()


async def test_failing_on_call_still_hangs_up(sip):
    server, phone, _, behaviour = sip

    async def broken(call):
        raise RuntimeError("agent crashed")

    behaviour["on_call"] = broken
    ok = await answered(server, phone)
    phone.send(ack(ok, phone.port), server.udp_port)
    while True:
        message = await phone.receive()
        if isinstance(message, SipRequest):
            break
    assert message.method == "BYE"


async def tcp_messages(reader: asyncio.StreamReader):
    buffer = b""
    while True:
        head, _, rest = buffer.partition(b"\r\n\r\n")
        if _:
            length = int(
                next(
                    line.split(b":")[1]
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                )
            )
            if len(rest) >= length:
                yield parse_message(head + b"\r\n\r\n" + rest[:length])
                buffer = rest[length:]
                continue
        chunk = await asyncio.wait_for(reader.read(65536), WAIT_S)
        if not chunk:
            return
        buffer += chunk


async def test_tcp_call_framed_across_writes_and_bye_on_the_same_connection(sip):
    server, _, calls, behaviour = sip

    async def hang_up_soon(call):
        await asyncio.sleep(0.05)
        await call.hangup()

    behaviour["on_call"] = hang_up_soon
    reader, writer = await asyncio.open_connection("127.0.0.1", server.tcp_port)
    local_port = writer.get_extra_info("sockname")[1]
    data, _ = invite(local_port)
    data = data.replace(b"SIP/2.0/UDP", b"SIP/2.0/TCP")
    writer.write(data[:50])
    await writer.drain()
    await asyncio.sleep(0.02)
    writer.write(data[50:])
    messages = tcp_messages(reader)
    statuses = []
    async for message in messages:
        statuses.append(message.status)
        if message.status == 200:
            ok = message
            break
    assert statuses == [100, 180, 200]
    assert ok.headers.get("Contact").endswith(";transport=tcp>")
    writer.write(ack(ok, local_port).replace(b"SIP/2.0/UDP", b"SIP/2.0/TCP"))
    bye = await anext(messages)
    assert isinstance(bye, SipRequest) and bye.method == "BYE"
    assert bye.vias[0].transport == "TCP"
    writer.write(bye.response(200).serialize())
    await asyncio.sleep(0.05)
    assert server.calls == []
    writer.close()


async def test_tcp_stream_that_cannot_be_framed_gets_400_and_is_closed(sip):
    server, *_ = sip
    reader, writer = await asyncio.open_connection("127.0.0.1", server.tcp_port)
    data, _ = invite(writer.get_extra_info("sockname")[1])
    writer.write(data.replace(b"Content-Length: ", b"Content-Length: -"))
    reply = await asyncio.wait_for(reader.read(), WAIT_S)  # read() to EOF: closed by server
    assert reply.startswith(b"SIP/2.0 400 Bad Request")
    writer.close()


async def test_stop_hangs_up_live_calls(sip):
    server, phone, calls, _ = sip
    ok = await answered(server, phone)
    phone.send(ack(ok, phone.port), server.udp_port)
    await asyncio.wait_for(calls.get(), WAIT_S)

    async def answer_bye():
        while True:
            message = await phone.receive()
            if isinstance(message, SipRequest) and message.method == "BYE":
                phone.send(message.response(200).serialize(), server.udp_port)
                return message

    answering = asyncio.create_task(answer_bye())
    await server.stop()
    assert (await answering).call_id == ok.call_id
    assert FakeRtp.opened[0].closed and server.calls == []


async def test_calls_on_other_transports_count_against_the_admission_limit():
    async def on_call(call) -> None:
        raise AssertionError("no line was free")

    server = SipServer(
        "127.0.0.1", 0, accepts=lambda user: user == "demo", on_call=on_call, timers=TIMERS,
        open_media=FakeRtp.open, admission=AdmissionPolicy(max_calls=2, refuse_with=486),
        other_calls=lambda: 2,  # two browser or carrier-stream calls are up
    )
    await server.start()
    _, phone = await asyncio.get_running_loop().create_datagram_endpoint(
        Phone, local_addr=("127.0.0.1", 0)
    )
    try:
        phone.send(invite(phone.port)[0], server.udp_port)
        assert "busy" in (await phone.expect(486)).headers.get("Warning")
    finally:
        phone.transport.close()
        await server.stop()
