"""One task call of bench/task_latency.py from the caller's side: dial, speak the dialogue's
lines one by one, each after the agent's turn has ended (1.2 s of silence after its speech),
one of them over the agent's reply (the barge-in), and hang up. The caller does not
transcribe the agent; it keeps when it queued each line (wall clock, as the capture's), so
the wire analysis (bench/latency/wire_turns.py) can find the line's packets.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from bench.calls.agent_voice import VoiceSpan, wait_until
from bench.calls.caller_voices import CallAudio, CallerVoice
from bench.calls.sip_phone import LineState, Phone
from callwright.audio.frames import SAMPLE_RATE_HZ

DIALOGUE_FILES = {  # split -> caller scripts; the held-out ones are never tuned on
    "tune": Path(__file__).with_name("dialogues.yaml"),
    "heldout": Path(__file__).with_name("heldout.yaml"),
}
REFUSAL_STATUSES = (486, 503)  # admission control's answers: counted, not failures
END_OF_TURN_SILENCE_S = 1.2  # the agent's audio this long silent after speech: its turn ended
NO_REPLY_S = 20.0  # no agent speech this long after a line: the line got no reply
BARGE_IN_AFTER_S = 1.0  # the barge-in line starts this long after the agent's reply began
CONNECT_TIMEOUT_S = 15.0
HANG_UP_TIMEOUT_S = 10.0
POLL_S = 0.02


@dataclass(frozen=True, slots=True)
class Dialogue:
    """A fixed caller script for one agent: `lines[barge_in]` is spoken over the agent."""

    agent: str
    caller_id: str
    lines: tuple[str, ...]
    barge_in: int


def load_dialogues(path: Path = DIALOGUE_FILES["tune"]) -> list[Dialogue]:
    """The dialogues of `path` (a file of DIALOGUE_FILES), in file order."""
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [Dialogue(item["agent"], item["caller_id"], tuple(item["lines"]), item["barge_in"])
            for item in items]


@dataclass(slots=True)
class Phrase:
    """A caller line as the caller's loop sent it."""

    text: str
    queued_at: float  # time.time() when it was queued to the phone
    seconds: float  # its length
    barge_in: bool
    replied: bool = False  # the agent spoke within NO_REPLY_S after it (the loop's view)
    wire_reply_s: float | None = None  # voice-to-voice on the wire (set by wire_turns.py)


@dataclass(slots=True)
class CallLog:
    """One call from the caller's side: how it was answered and the lines it carried."""

    agent: str
    voice: str
    call_id: str = ""  # SIP Call-ID: the server's id of the call
    status: int = 0  # the last SIP status
    refused: bool = False  # by admission control (486 or 503)
    rtp_port: int = 0  # the caller's RTP port: its packets in the capture
    phrases: list[Phrase] = field(default_factory=list)
    problem: str = ""  # the call broke on the caller's side

    def answered(self) -> bool:
        """Whether the call got as far as audio, so the server holds its turns."""
        return bool(self.call_id and not self.refused and self.rtp_port)


async def run_call(
    phone: Phone,
    uri: str,
    dialogue: Dialogue,
    voice: CallerVoice,
    speech: dict[str, np.ndarray],
) -> CallLog:
    """Call `uri` and carry out `dialogue` in `voice`, whose lines `speech` holds ready."""
    audio, line = CallAudio(voice), LineState()
    log = CallLog(dialogue.agent, voice.describe())
    try:
        handle, log.call_id = await phone.run(
            lambda: phone.dial(uri, dialogue.caller_id, audio, line)
        )
    except Exception as error:  # noqa: BLE001 - pjsua2.Error: the phone could not dial
        log.problem = f"not dialled: {error!r}"
        return log
    try:
        await wait_until(lambda: line.connected.is_set() or line.ended.is_set(),
                         CONNECT_TIMEOUT_S, POLL_S)
        log.status = line.status
        if not line.connected.is_set():
            log.refused = line.status in REFUSAL_STATUSES
            if not log.refused:
                log.problem = f"not answered: SIP {line.status} {line.reason}"
            return log
        deadline = time.monotonic() + CONNECT_TIMEOUT_S
        while not log.rtp_port and time.monotonic() < deadline:  # media may follow the ACK
            log.rtp_port = await phone.run(lambda: phone.rtp_port(handle))
            await asyncio.sleep(POLL_S)
        if not log.rtp_port:
            raise RuntimeError(f"no audio stream in {CONNECT_TIMEOUT_S:.0f} s")
        await talk(dialogue, audio, line, speech, log.phrases)
    except Exception as error:  # noqa: BLE001 - one broken call must not stop the level
        log.problem = f"call failed: {error!r}"
    finally:
        await phone.run(lambda: phone.hang_up(handle))
        await wait_until(line.ended.is_set, HANG_UP_TIMEOUT_S, POLL_S)
        await phone.run(lambda: phone.forget(handle))
    return log


async def talk(
    dialogue: Dialogue,
    audio: CallAudio,
    line: LineState,
    speech: dict[str, np.ndarray],
    phrases: list[Phrase],
) -> None:
    """The caller's part once the call is up, whatever carries it: hear the greeting out,
    then speak the dialogue (`phrases` gets each line as it is sent). `audio` is the call's
    ear and mouth, fed 20 ms at a time by the phone or stream; `line.ended` ends it early."""
    await _agent_turn(audio, line, 0)  # the greeting
    await _converse(dialogue, audio, line, speech, phrases)


async def _converse(
    dialogue: Dialogue,
    audio: CallAudio,
    line: LineState,
    speech: dict[str, np.ndarray],
    phrases: list[Phrase],
) -> None:
    """Speak the lines in turn, each after the agent's reply to the line before; before the
    barge-in line, wait only for the agent to begin. A reply is the agent's voice after the
    line has ended: what it said during the line (the reply the barge-in stopped, or one
    started in a pause) is no reply to it."""
    for index, text in enumerate(dialogue.lines):
        if line.ended.is_set():
            return
        phrase = await _say(audio, line, text, speech[text], index == dialogue.barge_in)
        since = len(audio.voiced)
        phrases.append(phrase)
        if index + 1 == dialogue.barge_in:
            phrase.replied = await _agent_begins(audio, line, since)
            await asyncio.sleep(BARGE_IN_AFTER_S)
        else:
            phrase.replied = await _agent_turn(audio, line, since)


async def _say(
    audio: CallAudio, line: LineState, text: str, pcm: np.ndarray, barge_in: bool
) -> Phrase:
    """Queue `pcm` and wait until it has been sent."""
    seconds = len(pcm) / SAMPLE_RATE_HZ
    phrase = Phrase(text, time.time(), seconds, barge_in)
    audio.play(pcm)
    await wait_until(lambda: not audio.playing() or line.ended.is_set(), seconds + 5, POLL_S)
    return phrase


async def _agent_begins(audio: CallAudio, line: LineState, since: int) -> bool:
    """Wait for the agent's voice from frame `since` on; whether it came in NO_REPLY_S."""
    began = await wait_until(
        lambda: any(audio.voiced[since:]) or line.ended.is_set(), NO_REPLY_S, POLL_S)
    return began and any(audio.voiced[since:])


async def _agent_turn(audio: CallAudio, line: LineState, since: int) -> bool:
    """Wait for the end of the agent's turn heard from frame `since` on: END_OF_TURN_SILENCE_S
    of silence after its speech (and after the caller's own), the call's end, or
    AGENT_TURN_LIMIT_S. Whether the agent spoke at all (False after NO_REPLY_S of silence)."""
    span = VoiceSpan(audio, since)
    began = time.monotonic()
    while True:
        await asyncio.sleep(POLL_S)
        span.scan()
        if not span.started():
            if line.ended.is_set() or time.monotonic() - began > NO_REPLY_S:
                return False
            continue
        if span.quiet(END_OF_TURN_SILENCE_S) or span.too_long() or line.ended.is_set():
            return True


