"""Behind NAT: the configured public address goes in Contact, Via and SDP, and media ports
come from the configured range (what the NAT or firewall forwards)."""

import asyncio

from callwright.telephony.rtp.session import RtpSession
from callwright.telephony.sip.endpoint import SipServer
from callwright.telephony.sip.sdp import SessionDescription
from tests.support.sip_phone import TIMERS, Phone, answered

PUBLIC = "203.0.113.7"


async def test_the_answer_names_the_public_address_and_a_port_of_the_range():
    async def on_call(call) -> None:
        async for _ in call.events():
            pass

    server = SipServer("127.0.0.1", 0, accepts=lambda user: user == "demo", on_call=on_call,
                       timers=TIMERS, public_address=PUBLIC, rtp_ports=range(41000, 41010))
    await server.start()
    _, phone = await asyncio.get_running_loop().create_datagram_endpoint(
        Phone, local_addr=("127.0.0.1", 0)
    )
    try:
        ok = await answered(server, phone)
        answer = SessionDescription.parse(ok.body)
        assert answer.connection_address == PUBLIC
        assert 41000 <= answer.media[0].port < 41010 and answer.media[0].port % 2 == 0
        assert ok.headers.get("Contact").startswith(f"<sip:demo@{PUBLIC}:")
    finally:
        phone.transport.close()
        await server.stop()


async def test_a_full_port_range_is_a_clear_error():
    held = await RtpSession.open("127.0.0.1", range(41020, 41022))
    try:
        try:
            await RtpSession.open("127.0.0.1", range(41020, 41022))
        except OSError as error:
            assert "41020-41021" in str(error)
        else:
            raise AssertionError("a second session got a port of a full range")
    finally:
        await held.close()
