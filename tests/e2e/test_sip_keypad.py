"""Keys we press on calls we place reach real phones: RFC 4733 telephone events to baresip
(which logs each press it receives, its start and its end, once) and back from sipp's RTP
echo; keypad tones in-band to sipp answering without telephone-event, read back from its
echo by FFT.

The tests skip only when baresip or sipp is not installed.
"""

import asyncio
import re

import numpy as np
import pytest

from callwright.audio.frames import SAMPLE_RATE_HZ
from callwright.audio.wav import write_wav
from callwright.telephony.sip.endpoint import SipServer
from callwright.telephony.transport import DtmfDigit, InboundAudio
from tests.support.baresip import answering_phone, baresip_available
from tests.support.keypad import decode_keys
from tests.support.server import free_port

pytestmark = pytest.mark.e2e

KEYS = "159#"
PHONE_UP_S = 6  # the answering baresip's whole life
ECHO_SETTLE_S = 0.4  # after the last press, for its echo to come back


@pytest.fixture
async def server():
    async def never_called(call) -> None:
        raise AssertionError("nobody calls this server")

    sip = SipServer("127.0.0.1", 0, accepts=lambda user: False, on_call=never_called)
    await sip.start()
    yield sip
    await sip.stop()


async def heard_while(call, pressing) -> tuple[list[InboundAudio], list[DtmfDigit]]:
    """What came back from the far end while `pressing` ran, and a moment after."""
    audio: list[InboundAudio] = []
    digits: list[DtmfDigit] = []

    async def listen() -> None:
        async for event in call.events():
            if isinstance(event, InboundAudio):
                audio.append(event)
            elif isinstance(event, DtmfDigit):
                digits.append(event)

    listening = asyncio.create_task(listen())
    await asyncio.wait_for(pressing, 5)
    await asyncio.sleep(ECHO_SETTLE_S)
    await call.hangup()
    await asyncio.wait_for(listening, 2)
    return audio, digits


@pytest.mark.skipif(not baresip_available(), reason="baresip missing: run scripts/setup.sh")
async def test_baresip_receives_our_rfc4733_digits(server, tmp_path):
    quiet = tmp_path / "quiet.wav"
    write_wav(quiet, np.zeros(SAMPLE_RATE_HZ * (PHONE_UP_S - 1), dtype=np.int16), SAMPLE_RATE_HZ)
    phone = answering_phone(
        quiet, tmp_path / "phone", port=free_port(), seconds=PHONE_UP_S, verbose=True
    )
    try:
        call = await server.dial(phone.uri, from_user="pharmacy", timeout_s=5)
        assert call.plan.dtmf_payload_type is not None  # baresip takes telephone-event
        await asyncio.sleep(0.2)
        await asyncio.wait_for(call.send_digits(KEYS), 3)
        await asyncio.sleep(ECHO_SETTLE_S)
        await call.hangup()
    finally:
        result = await asyncio.to_thread(phone.finish)
    events = re.findall(r"received event: '(.)' \(end=(\d)\)", result.log)
    assert events == [(key, end) for key in KEYS for end in "01"], result.log[-2000:]


async def test_our_rfc4733_digits_come_back_from_sipps_rtp_echo(server, sipp_phone):
    sipp = await sipp_phone("uas_answers.xml", "udp", "-rtp_echo")
    call = await server.dial(sipp.uri("udp"), from_user="pharmacy", timeout_s=5)
    assert call.rtp.sends_telephone_events
    _, digits = await heard_while(call, call.send_digits(KEYS))
    assert await sipp.result() == ""
    assert "".join(d.digit for d in digits) == KEYS


async def test_keys_go_in_band_to_a_phone_without_telephone_event(server, sipp_phone):
    sipp = await sipp_phone("uas_answers_no_dtmf.xml", "udp", "-rtp_echo")
    call = await server.dial(sipp.uri("udp"), from_user="pharmacy", timeout_s=5)
    assert call.plan.dtmf_payload_type is None and not call.rtp.sends_telephone_events
    audio, digits = await heard_while(call, call.send_digits(KEYS))
    assert await sipp.result() == ""
    assert digits == []
    echoed = np.concatenate([event.frame.samples for event in audio])
    assert decode_keys(echoed) == KEYS
