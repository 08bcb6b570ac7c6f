"""Outbound calls screened for an answering machine through a real SIP peer: our SipServer
dials baresip, which answers at once and plays a recorded voicemail greeting with its beep
(Asterisk's prompts), or a person's "hello?"; a real CallSession with the real speech engines
screens the answer. The machine records the message after its beep; the person hears the
greeting right after their hello.

Skips when baresip or Asterisk's prompts (asterisk-core-sounds-en-wav) are not installed.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest

from callwright.audio.frames import SAMPLE_RATE_HZ
from callwright.audio.wav import read_wav, write_wav
from callwright.call.answering_machine import AnsweringOptions
from callwright.call.options import CallOptions
from callwright.call.session import CallSession
from callwright.speech.loader import load_speech_engines
from callwright.speech.tts.prompt_cache import PromptCache
from callwright.telephony.sip.endpoint import SipServer
from tests.support.baresip import answering_phone, baresip_available
from tests.support.server import free_port
from tests.support.virtual_call import EchoAgent
from tests.support.voices import speak, voiced_span

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not baresip_available(), reason="apt-get install baresip-core"),
]
SOUNDS = Path("/usr/share/asterisk/sounds/en")
LOUD = 600  # int16 peak of the agent's voice in what the phone heard
MESSAGE = "Hi Dana, this is Acme Dental. Please call us back."


@pytest.fixture(scope="module")
def engines():
    if not SOUNDS.is_dir():
        pytest.skip("apt-get install asterisk-core-sounds-en-wav")
    return load_speech_engines()


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * SAMPLE_RATE_HZ), np.int16)


async def screened_call(engines, answer: np.ndarray, workdir: Path):
    """Dial a phone that plays `answer`; the call's record and what the phone heard."""
    workdir.mkdir()
    wav = workdir / "answer.wav"
    write_wav(wav, answer, SAMPLE_RATE_HZ)
    seconds = int(len(answer) / SAMPLE_RATE_HZ) + 3
    phone = await asyncio.to_thread(answering_phone, wav, workdir / "phone", port=free_port(),
                                    seconds=seconds, user="callee")

    async def no_calls(call) -> None:
        raise AssertionError("this server only dials")

    sip = SipServer("127.0.0.1", 0, accepts=lambda user: False, on_call=no_calls)
    await sip.start()
    try:
        agent = EchoAgent()
        prompts = PromptCache(engines.tts)
        await prompts.warm(agent.fixed_prompts())
        call = await sip.dial(phone.uri, from_user="acme", timeout_s=5)
        record = await CallSession(
            call, agent, engines, prompts, None, CallOptions(recordings_dir=workdir),
            answering=AnsweringOptions(voicemail_text=MESSAGE),
        ).run()
    finally:
        await sip.stop()
    heard = (await asyncio.to_thread(phone.finish)).heard
    loud = np.flatnonzero(np.abs(heard.astype(np.int32)) >= LOUD)
    return record, (loud[0] / SAMPLE_RATE_HZ if len(loud) else None)


async def test_a_machine_records_the_message_after_its_beep_and_a_person_is_greeted(
    engines, tmp_path
):
    beep, _ = read_wav(SOUNDS / "beep.wav", target_hz=SAMPLE_RATE_HZ)
    greeting, _ = read_wav(SOUNDS / "vm-nobodyavail.wav", target_hz=SAMPLE_RATE_HZ)
    parts = [silence(0.3), greeting, silence(0.3), beep]
    beep_end_s = sum(len(p) for p in parts) / SAMPLE_RATE_HZ
    record, heard_at = await screened_call(engines, np.concatenate([*parts, silence(5.0)]),
                                           tmp_path / "machine")
    assert record.dialogue_state["answered_by"] == "machine", record.events
    answering = record.dialogue_state["answering"]
    assert answering["voicemail_after"] == "beep" and answering["beep_ms"] is not None
    assert record.outcome == "voicemail_left"
    assert record.turns[-1].agent_text.startswith("Hi Dana")
    # the machine heard nothing of ours before its beep ended, and the message right after
    assert heard_at is not None and beep_end_s - 0.05 <= heard_at <= beep_end_s + 0.8

    hello = read_wav(speak("Hello?", tmp_path / "hello.wav"))[0]
    first, end = voiced_span(hello)
    hello = hello[first:end]
    hello_end_s = 0.4 + len(hello) / SAMPLE_RATE_HZ
    record, heard_at = await screened_call(
        engines, np.concatenate([silence(0.4), hello, silence(3.0)]), tmp_path / "person")
    assert record.dialogue_state["answered_by"] == "person", record.events
    assert record.turns[0].agent_text == "hello there"
    assert heard_at is not None and heard_at - hello_end_s < 1.0  # no long silence to a person
