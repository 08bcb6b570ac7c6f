"""SipServer.dial (with the real RtpSession) against sipp playing the called phone
(the `sipp_phone` fixture, in conftest.py).

The tests skip only when sipp is not installed.
"""

import asyncio

import numpy as np
import pytest

from callwright.audio.frames import SAMPLE_RATE_HZ, SAMPLES_PER_FRAME, AudioFrame, split_into_frames
from callwright.telephony.sip.endpoint import SipServer
from callwright.telephony.sip.outbound import CallFailed
from callwright.telephony.transport import InboundAudio, RemoteHangup

pytestmark = pytest.mark.e2e

TONE_HZ = 1000
TONE_AMPLITUDE = 8000
TONE_FRAMES = 40  # 0.8 s


@pytest.fixture
async def server():
    async def never_called(call) -> None:
        raise AssertionError("nobody calls this server")

    sip = SipServer("127.0.0.1", 0, accepts=lambda user: False, on_call=never_called)
    await sip.start()
    yield sip
    await sip.stop()


def tone_frames() -> list[AudioFrame]:
    t = np.arange(TONE_FRAMES * SAMPLES_PER_FRAME) / SAMPLE_RATE_HZ
    pcm = (TONE_AMPLITUDE * np.sin(2 * np.pi * TONE_HZ * t)).astype(np.int16)
    return split_into_frames(pcm)


@pytest.mark.parametrize("transport", ["udp", "tcp"])
async def test_answered_call_carries_rtp_both_ways_and_our_hangup_sends_bye(
    server, sipp_phone, transport
):
    sipp = await sipp_phone("uas_answers.xml", transport, "-rtp_echo")  # our audio comes back
    call = await server.dial(sipp.uri(transport), from_user="pharmacy", timeout_s=5)
    assert (call.direction, call.caller, call.callee, call.transport_name) == (
        "outbound", "sip:pharmacy@127.0.0.1", "pharmacy", "sip"
    )  # fmt: skip
    assert (call.plan.codec, call.plan.dtmf_payload_type) == ("PCMU", 101)
    assert server.calls == [call]
    for frame in tone_frames():
        call.play(frame)
    heard: list[InboundAudio] = []

    async def listen() -> None:
        async for event in call.events():
            if isinstance(event, InboundAudio):
                heard.append(event)

    listening = asyncio.create_task(listen())
    await asyncio.sleep(TONE_FRAMES * 0.02 + 0.3)
    await call.hangup()
    await asyncio.wait_for(listening, 2)
    assert await sipp.result() == ""  # sipp got our ACK and our BYE
    loud = [e for e in heard if np.abs(e.frame.samples.astype(np.int32)).max() > TONE_AMPLITUDE / 2]
    assert len(loud) >= TONE_FRAMES // 2, f"{len(loud)} of {len(heard)} echoed frames held the tone"
    assert server.calls == []


@pytest.mark.parametrize("transport", ["udp", "tcp"])
async def test_busy_phone_fails_the_call_with_486_after_acking_it(server, sipp_phone, transport):
    sipp = await sipp_phone("uas_busy.xml", transport)
    with pytest.raises(CallFailed) as failure:
        await server.dial(sipp.uri(transport), from_user="pharmacy", timeout_s=5)
    assert (failure.value.status, failure.value.reason) == (486, "Busy Here")
    assert await sipp.result() == ""  # the scenario ends only on our ACK to the 486
    assert server.calls == []


async def test_unanswered_call_is_cancelled_after_the_dial_timeout(server, sipp_phone):
    sipp = await sipp_phone("uas_rings_forever.xml", "udp")
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(CallFailed) as failure:
        await server.dial(sipp.uri("udp"), from_user="pharmacy", timeout_s=0.5)
    assert (failure.value.status, failure.value.reason) == (487, "no answer")
    assert 0.5 <= loop.time() - started < 2
    assert await sipp.result() == ""  # it got our CANCEL, and our ACK to its 487
    assert server.calls == []


@pytest.mark.parametrize("transport", ["udp", "tcp"])
async def test_phone_hanging_up_ends_our_events_with_remote_hangup(server, sipp_phone, transport):
    sipp = await sipp_phone("uas_hangs_up.xml", transport)
    call = await server.dial(sipp.uri(transport), from_user="pharmacy", timeout_s=5)
    assert call.plan.codec == "PCMA"
    events = [event async for event in call.events()]
    assert events[-1] == RemoteHangup("BYE")
    assert await sipp.result() == ""  # it got our 200 to its BYE
    assert call.ended and server.calls == []


async def test_extra_headers_reach_the_called_phone_on_one_line(server, sipp_phone):
    sipp = await sipp_phone("uas_checks_summary.xml", "udp")
    summary = {"X-Callwright-Summary": "Maria Lopez\r\n  wants to\treschedule"}
    with pytest.raises(CallFailed) as failure:
        await server.dial(sipp.uri("udp"), from_user="pharmacy", timeout_s=5, headers=summary)
    assert failure.value.status == 486
    assert await sipp.result() == ""  # the scenario fails unless the header read as expected
