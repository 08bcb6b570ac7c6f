"""Callers let in by digest password instead of by address (a PBX elsewhere): challenged with
401, admitted with the right password for a fresh nonce of ours, refused otherwise."""

import asyncio
import ipaddress

import pytest

from callwright.telephony.sip.access import SipAccess
from callwright.telephony.sip.challenge import NONCE_LIFETIME_S, DigestGate
from callwright.telephony.sip.digest import Credentials, authorization, pick_challenge
from callwright.telephony.sip.endpoint import SipServer
from callwright.telephony.sip.message import Headers, SipRequest
from tests.support.sip_phone import TIMERS, FakeRtp, Phone, invite

USERS = {"branch-pbx": "pbx-secret"}


@pytest.fixture
async def pbx_and_server():
    FakeRtp.opened = []

    async def on_call(call) -> None:
        async for _ in call.events():
            pass

    server = SipServer(
        "127.0.0.1", 0, accepts=lambda user: user == "demo", on_call=on_call, timers=TIMERS,
        open_media=FakeRtp.open, digest_users=USERS,
        access=SipAccess(allow=(ipaddress.ip_network("127.0.0.1/32"),)),
    )
    await server.start()
    _, pbx = await asyncio.get_running_loop().create_datagram_endpoint(
        Phone, local_addr=("127.0.0.2", 0)
    )
    yield pbx, server
    pbx.transport.close()
    await server.stop()


def answered_challenge(pbx: Phone, challenge, password: str, cseq: int) -> bytes:
    """The INVITE again, with credentials answering the 401 `challenge`."""
    chosen = pick_challenge(challenge.headers.get_all("WWW-Authenticate"))
    credentials = Credentials("branch-pbx", password)
    value = authorization(chosen, credentials, "INVITE", "sip:demo@127.0.0.1")
    return invite(pbx.port, call_id=challenge.call_id, cseq=cseq,
                  extra=f"Authorization: {value}\r\n")[0]


async def test_a_pbx_elsewhere_is_challenged_then_let_in_with_its_password(pbx_and_server):
    pbx, server = pbx_and_server
    pbx.send(invite(pbx.port)[0], server.udp_port)
    challenge = await pbx.expect(401)
    offered = challenge.headers.get_all("WWW-Authenticate")
    assert [pick_challenge([value]).algorithm for value in offered] == ["SHA-256", "MD5"]
    pbx.send(answered_challenge(pbx, challenge, "pbx-secret", 2), server.udp_port)
    await pbx.expect(180)
    assert (await pbx.expect(200)).status == 200
    assert len(FakeRtp.opened) == 1


async def test_a_wrong_password_is_refused_with_403(pbx_and_server):
    pbx, server = pbx_and_server
    pbx.send(invite(pbx.port)[0], server.udp_port)
    challenge = await pbx.expect(401)
    pbx.send(answered_challenge(pbx, challenge, "guess", 2), server.udp_port)
    await pbx.expect(403)
    assert server.calls == []


def test_a_nonce_that_is_stale_or_not_ours_admits_nobody():
    gate = DigestGate(USERS)
    (_, value), _ = gate.challenges(now=1_000_000)
    chosen = pick_challenge([value])
    value = authorization(
        chosen, Credentials("branch-pbx", "pbx-secret"), "INVITE", "sip:demo@127.0.0.1"
    )
    request = SipRequest(Headers([("Authorization", value)]), b"", "INVITE", "sip:demo@127.0.0.1")
    assert gate.admits(request, now=1_000_010)
    assert not gate.admits(request, now=1_000_000 + NONCE_LIFETIME_S + 1)
    assert not DigestGate(USERS).admits(request, now=1_000_010)  # another process's secret
