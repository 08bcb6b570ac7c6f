"""Nothing open to strangers on the SIP port: the source allowlist, per-source rate limits and
the call-target allowlist, against a real SipServer on loopback (127.0.0.2 plays a stranger;
RTP faked as in the other endpoint tests)."""

import asyncio
import ipaddress

import pytest

from callwright.telephony.sip.access import RateLimit, SipAccess, SourceRateLimiter
from callwright.telephony.sip.endpoint import SipServer
from callwright.telephony.sip.outbound import CallFailed
from callwright.telephony.sip.trunks import Trunk
from tests.support.sip_phone import TIMERS, FakeRtp, Phone, ack, answered, invite

LOCAL = (ipaddress.ip_network("127.0.0.1/32"),)


@pytest.fixture
async def start():
    started: list = []

    FakeRtp.opened = []

    async def start(access: SipAccess, trunks=()) -> tuple[SipServer, list[str]]:
        dropped: list[str] = []

        async def on_call(call) -> None:
            async for _ in call.events():
                pass

        server = SipServer(
            "127.0.0.1", 0, accepts=lambda user: user == "demo", on_call=on_call,
            timers=TIMERS, open_media=FakeRtp.open, access=access, trunks=trunks,
            on_dropped=dropped.append,
        )
        await server.start()
        started.append(server)
        return server, dropped

    yield start
    for server in started:
        await server.stop()


async def phone_at(address: str) -> Phone:
    _, phone = await asyncio.get_running_loop().create_datagram_endpoint(
        Phone, local_addr=(address, 0)
    )
    return phone


def options(phone: Phone, n: int) -> bytes:
    return invite(phone.port, method="OPTIONS", body="", call_id=f"o{n}")[0]


async def test_an_invite_from_an_address_not_allowed_gets_403_and_reaches_no_agent(start):
    server, dropped = await start(SipAccess(allow=LOCAL))
    stranger, friend = await phone_at("127.0.0.2"), await phone_at("127.0.0.1")
    stranger.send(invite(stranger.port)[0], server.udp_port)
    forbidden = await stranger.expect(403)
    assert "not call here" in forbidden.headers.get("Warning")
    assert dropped == ["source"] and server.calls == []
    await answered(server, friend)  # the allowed network still gets through
    assert len(FakeRtp.opened) == 1


async def test_with_drop_a_stranger_hears_nothing_at_all(start):
    server, dropped = await start(SipAccess(allow=LOCAL, unknown_sources="drop"))
    stranger = await phone_at("127.0.0.2")
    stranger.send(invite(stranger.port)[0], server.udp_port)
    stranger.send(options(stranger, 1), server.udp_port)
    assert await stranger.silent(0.3) == []
    assert dropped == ["source", "source"]


async def test_a_trunks_network_is_let_in_without_being_on_the_allowlist(start):
    trunk = Trunk(name="carrier", registrar="sip:127.0.0.2:5060", username="u", password="p",
                  agent="demo", networks=(ipaddress.ip_network("127.0.0.2/32"),))
    server, _ = await start(SipAccess(allow=LOCAL), trunks=[trunk])
    carrier = await phone_at("127.0.0.2")
    await answered(server, carrier)


async def test_a_flood_from_one_address_is_cut_while_another_address_is_served(start):
    server, dropped = await start(SipAccess(rate_limit=RateLimit(per_s=5, burst=10)))
    flooder, caller = await phone_at("127.0.0.2"), await phone_at("127.0.0.1")
    for n in range(200):
        flooder.send(options(flooder, n), server.udp_port)
    answered_flood = [m for m in await flooder.silent(0.3) if getattr(m, "status", 0) == 200]
    assert 10 <= len(answered_flood) <= 14  # the burst, and what refilled meanwhile
    assert dropped.count("rate") >= 186
    ok = await answered(server, caller)  # a call from elsewhere is answered as usual
    assert ok.status == 200


def test_a_bucket_refills_at_its_rate():
    limiter = SourceRateLimiter(RateLimit(per_s=2, burst=2))
    assert [limiter.allows("10.0.0.1", "INVITE", now=0.0) for _ in range(3)] == [True, True, False]
    assert limiter.allows("10.0.0.2", "INVITE", now=0.0)  # another source has its own bucket
    assert limiter.allows("10.0.0.1", "OPTIONS", now=0.0)  # and another method
    assert limiter.allows("10.0.0.1", "BYE", now=0.0)  # in-dialog methods are not limited
    assert limiter.allows("10.0.0.1", "INVITE", now=0.5)  # one token back after 0.5 s
    assert not limiter.allows("10.0.0.1", "INVITE", now=0.5)


def test_the_tracked_sources_are_bounded():
    limiter = SourceRateLimiter(RateLimit(per_s=1, burst=1), tracked=3)
    for n in range(10):
        limiter.allows(f"10.0.0.{n}", "INVITE", now=0.0)
    assert len(limiter._buckets) == 3


@pytest.mark.parametrize(
    ("target", "allowed"),
    [("sip:frontdesk@pbx.example.com", True), ("+15551230000", True),
     ("sip:+15559990000@carrier.example", True), ("+19005550100", False),
     ("sip:+19005550100@carrier.example", False), ("sip:anyone@evil.example", False)],
)
def test_call_targets_match_the_uri_or_its_number(target, allowed):
    access = SipAccess(call_targets=("sip:*@pbx.example.com", "+1555*"))
    assert access.may_call(target) is allowed


async def test_dialing_a_target_off_the_allowlist_fails_before_anything_is_sent(start):
    server, _ = await start(SipAccess(call_targets=("+1555*",)))
    with pytest.raises(CallFailed) as failure:
        await server.dial("sip:+19005550100@127.0.0.1:9", from_user="demo", timeout_s=1)
    assert failure.value.status == 403 and "call_targets" in failure.value.reason


def test_a_bad_unknown_sources_setting_is_named():
    with pytest.raises(ValueError, match="reject or drop"):
        SipAccess(unknown_sources="ignore")


async def test_a_transfer_to_a_target_off_the_allowlist_is_refused_and_the_call_goes_on(start):
    server, _ = await start(SipAccess(call_targets=("sip:*@pbx.example.com",)))
    caller = await phone_at("127.0.0.1")
    ok = await answered(server, caller)
    caller.send(ack(ok, caller.port), server.udp_port)
    (call,) = server.calls
    result = await call.transfer("sip:+19005550100@premium.example")
    assert (result.ok, result.status) == (False, 403)
    assert not [m for m in await caller.silent(0.2) if getattr(m, "method", "") == "REFER"]
    assert server.calls == [call] and not call.ended
