"""The REGISTER client against a scripted registrar on loopback: what it makes of the
registrar's answers, including garbage (the real registrar is Kamailio in
tests/e2e/test_sip_trunk.py)."""

import asyncio

import pytest

from callwright.telephony.sip.endpoint import SipServer
from callwright.telephony.sip.message import SipRequest, SipResponse, parse_message
from callwright.telephony.sip.registration import (
    RegistrationState,
    granted_expires,
    refresh_after_s,
)
from callwright.telephony.sip.trunks import Trunk
from tests.support.sip_phone import TIMERS


class Registrar(asyncio.DatagramProtocol):
    """Answers every REGISTER with `answer(request)` (bytes), and keeps what it got."""

    def __init__(self, answer) -> None:
        self.answer = answer
        self.requests: list[SipRequest] = []

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr) -> None:
        request = parse_message(data)
        self.requests.append(request)
        self.transport.sendto(self.answer(request), addr)


async def registering(answer) -> tuple[SipServer, Registrar, object]:
    _, registrar = await asyncio.get_running_loop().create_datagram_endpoint(
        lambda: Registrar(answer), local_addr=("127.0.0.1", 0)
    )
    port = registrar.transport.get_extra_info("sockname")[1]

    async def no_calls(call) -> None:
        raise AssertionError("nobody calls")

    server = SipServer("127.0.0.1", 0, accepts=lambda user: False, on_call=no_calls,
                       timers=TIMERS)
    await server.start()
    trunk = Trunk(name="t", registrar=f"sip:127.0.0.1:{port}", username="u", password="p",
                  agent="demo")
    return server, registrar, server.register_trunk(trunk)


def challenge_with(header: str):
    def answer(request: SipRequest) -> bytes:
        return request.response(401, headers=[("WWW-Authenticate", header)]).serialize()

    return answer


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (challenge_with('Digest realm="r"'), "the registrar's challenge: no digest challenge"),
        (challenge_with('Digest realm="r", nonce="n", algorithm=ROT13'),
         "the registrar's challenge: no digest challenge we can answer: digest algorithm"),
        (challenge_with('Basic realm="r"'), "the registrar's challenge: no digest challenge"),
        (lambda request: request.response(403).serialize(), "403 Forbidden"),
        (lambda request: b"SIP/2.0 200 OK\r\nthis is not a header\r\n\r\n", "408"),
    ],
)
async def test_a_bad_answer_fails_the_registration_with_its_reason_and_it_is_retried(
    answer, reason
):
    server, registrar, registration = await registering(answer)
    try:
        for _ in range(100):
            if registration.failures >= 1:
                break
            await asyncio.sleep(0.02)
        assert registration.state is RegistrationState.FAILED
        assert registration.reason.startswith(reason)
        assert registrar.requests  # it did ask
        assert server.registrations == [registration]  # and the server is still up
    finally:
        await server.stop()
        registrar.transport.close()


async def test_a_challenge_is_answered_once_then_the_binding_is_kept_for_what_was_granted():
    def answer(request: SipRequest) -> bytes:
        if "Authorization" not in request.headers:
            return challenge_with('Digest realm="r", nonce="n1", qop="auth"')(request)
        contact = request.headers.get("Contact")
        return request.response(200, headers=[("Contact", f"{contact};expires=42")]).serialize()

    server, registrar, registration = await registering(answer)
    try:
        for _ in range(100):
            if registration.state is RegistrationState.REGISTERED:
                break
            await asyncio.sleep(0.02)
        assert registration.state is RegistrationState.REGISTERED
        first, second = registrar.requests[:2]
        assert 'username="u"' in second.headers.get("Authorization")
        assert second.cseq.number == first.cseq.number + 1 and second.call_id == first.call_id
        assert 40 < registration.expires_at - __import__("time").time() <= 42
    finally:
        await server.stop()
        registrar.transport.close()


def test_refresh_comes_before_expiry_with_a_margin():
    assert refresh_after_s(600) == 480
    assert refresh_after_s(10) == 5
    assert refresh_after_s(3) == 1


def test_the_granted_lifetime_is_read_from_our_contact_or_the_expires_header():
    ours = "sip:demo@10.0.0.1:5060"
    response = SipResponse.parse(
        b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\r\nFrom: <sip:u@r>;tag=1"
        b"\r\nTo: <sip:u@r>\r\nCall-ID: c\r\nCSeq: 2 REGISTER\r\n"
        b"Contact: <sip:other@10.0.0.2>;expires=900, <sip:demo@10.0.0.1:5060>;expires=120\r\n"
        b"Expires: 300\r\nContent-Length: 0\r\n\r\n"
    )
    assert granted_expires(response, ours, 600) == 120
    assert granted_expires(response, "sip:gone@10.0.0.9", 600) == 300
