"""Blind transfer between real phones: baresip calls a SipServer in this process, which
transfers it (REFER) to a second baresip, the "human", or to sipp playing a busy one.

Each phone speaks a tone of its own, so what each heard shows who talked to whom. What
baresip 1.0 does with a REFER is written up in tests/support/baresip.py; in short it dials
the Refer-To URI as it is, so headers embedded in it stay in the INVITE's Request-URI
rather than becoming headers, and a %-escape there garbles or crashes baresip: the summary
sent here needs no escaping. The tests skip only when baresip (or sipp) is not installed.
"""

import asyncio

import pytest

from callwright.audio.frames import SAMPLE_RATE_HZ, split_into_frames
from callwright.audio.wav import write_wav
from callwright.telephony.transport import RemoteHangup, TransferResult
from tests.support.baresip import answering_phone, baresip_available, call_with_baresip
from tests.support.server import free_port
from tests.support.tones import loud_s, tone, tone_share

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not baresip_available(), reason="baresip missing: run scripts/setup.sh"),
]

CALLER_HZ = 700
HUMAN_HZ = 1100
AGENT_HZ = 1000  # what the agent plays to a caller whose transfer failed
TRANSFER_AFTER_S = 1.5
TRANSFER_TIMEOUT_S = 8.0
AGENT_TONE_S = 1.5
HUMAN_ON_S = 12  # the human's phone outlives the caller's (its WAV + 6 s)
SUMMARY = {"X-Callwright-Summary": "Maria-Lopez/reschedule"}


def voice(path, hz: float, seconds: float, silence_s: float):
    write_wav(path, tone(hz, seconds, silence_s), SAMPLE_RATE_HZ)
    return path


class Transferor:
    """on_call: listen, transfer the caller after a while; if that fails, play a tone and
    hang up."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.calls = []
        self.events: list = []
        self.result: TransferResult | None = None

    async def __call__(self, call) -> None:
        self.calls.append(call)
        listening = asyncio.create_task(self._listen(call))
        await asyncio.sleep(TRANSFER_AFTER_S)
        self.result = await call.transfer(self.target, SUMMARY, timeout_s=TRANSFER_TIMEOUT_S)
        if not self.result.ok:
            assert not call.ended
            for frame in split_into_frames(tone(AGENT_HZ, AGENT_TONE_S)):
                call.play(frame)
            await asyncio.sleep(AGENT_TONE_S + 0.3)
            await call.hangup()
        await listening

    async def _listen(self, call) -> None:
        async for event in call.events():
            self.events.append(event)


async def test_caller_is_transferred_to_a_human_and_they_talk(tmp_path, serve):
    human = answering_phone(
        voice(tmp_path / "human.wav", HUMAN_HZ, 4, silence_s=0.3),
        tmp_path / "human",
        port=free_port(),
        seconds=HUMAN_ON_S,
    )
    agent = Transferor(human.uri)
    server = await serve(agent)
    caller = await asyncio.to_thread(
        call_with_baresip,
        f"sip:demo@127.0.0.1:{server.udp_port}",
        voice(tmp_path / "caller.wav", CALLER_HZ, 3, silence_s=1.0),
        tmp_path / "caller",
    )
    answered = await asyncio.to_thread(human.finish)
    assert agent.result == TransferResult(True, 200, "200 OK"), caller.log[-3000:]
    (call,) = agent.calls
    assert call.ended and server.calls == []
    assert not any(isinstance(e, RemoteHangup) for e in agent.events)  # our BYE ended it
    assert call.sdp_version == 1  # no re-INVITE: baresip did not hold us while it dialled
    assert f"INVITE {human.uri}?X-Callwright-Summary=Maria-Lopez/reschedule SIP/2.0" in (
        answered.log
    ), answered.log[-3000:]
    assert "X-Callwright-Summary:" not in answered.log  # not copied into a header
    assert f"Call established: {human.uri}" in caller.log
    # they talk to each other directly: each hears the other's tone, and not its own
    assert loud_s(caller.heard) > 1.0 and loud_s(answered.heard) > 1.0
    assert tone_share(caller.heard, HUMAN_HZ) > 0.8, tone_share(caller.heard, CALLER_HZ)
    assert tone_share(answered.heard, CALLER_HZ) > 0.8, tone_share(answered.heard, HUMAN_HZ)


async def test_busy_human_fails_the_transfer_and_the_caller_stays_with_us(
    tmp_path, serve, sipp_phone
):
    busy = await sipp_phone("uas_busy.xml", "udp")
    agent = Transferor(busy.uri("udp"))
    server = await serve(agent)
    caller = await asyncio.to_thread(
        call_with_baresip,
        f"sip:demo@127.0.0.1:{server.udp_port}",
        voice(tmp_path / "caller.wav", CALLER_HZ, 4, silence_s=1.0),  # outlasts our tone
        tmp_path / "caller",
    )
    assert agent.result == TransferResult(False, 486, "486 Busy Here"), caller.log[-3000:]
    assert await busy.result() == ""  # it got baresip's INVITE and the ACK to its 486
    assert not any(isinstance(e, RemoteHangup) for e in agent.events)  # the call stayed up
    assert server.calls == []  # until our BYE
    assert tone_share(caller.heard, AGENT_HZ) > 0.8  # the caller heard us after the failure
    assert loud_s(caller.heard) > AGENT_TONE_S / 2
