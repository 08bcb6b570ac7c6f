"""Simulated calls by voice: each scenario's caller dials a real `callwright serve` over SIP.

One server runs for the whole set, on loopback with a fresh SQLite file, with no hand-off
targets (a hand-off becomes a message, as in the text runner). The caller is a pjsua2 phone
(G.711, RFC 4733 keys; bench/calls/sip_phone.py) speaking with a voice of caller_voices.py. Its
loop mirrors `text_run.run_text_call`: it waits for the end of the agent's turn (1.2 s of
silence after speech), transcribes it with the project's own speech-to-text, asks the
`ScriptedCaller` for its answer and speaks it, keys it or hangs up. The call is judged on the
records the server wrote, like a text call, with the server's call record as the transcript.
"""

from __future__ import annotations

import asyncio
import re
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from bench.calls.agent_voice import VoiceSpan, wait_until
from bench.calls.caller_voices import CallAudio, CallerVoice, speak, voice_for
from bench.calls.judge import Verdict, evidence_from_record, judge, reseed, snapshot
from bench.calls.scenario import CallerTurn, Scenario, ScriptedCaller
from bench.calls.sip_phone import LineState, Phone
from bench.calls.text_run import AGENTS_DIR
from callwright.audio.frames import FRAME_MS, SAMPLE_RATE_HZ
from callwright.speech.engines import SpeechToText
from callwright.speech.loader import STT_ENGINES
from callwright.store.calls import CallRepository
from callwright.store.database import open_database
from callwright.store.records import CallRecord
from tests.support.server import RunningServer, start_server

STT_ENGINE = "whisper-tiny.en"  # hears the agent's Piper voice well
END_OF_TURN_SILENCE_S = 1.2  # the agent's audio this long silent after speech: its turn ended
GOODBYE_SILENCE_S = 3.0  # after the caller's last words: the agent's goodbye (or its hang-up)
PAUSE_THEN_S = 1.2  # the caller's pause before `pause_then`
AGENT_START_TIMEOUT_S = 20.0  # no agent speech this long after the caller's turn: answer ""
CALL_LIMIT_S = 180.0  # a call is hung up after this long
CONNECT_TIMEOUT_S = 15.0
RECORD_TIMEOUT_S = 30.0  # for the server to write the call record after the hang-up
LEAD_IN_S = 0.3  # audio before the agent's first voiced frame given to speech-to-text
DTMF_DIGIT_S = 0.3  # pjsua2's 160 ms tone plus the gap, per key
POLL_S = 0.05
FRAME_S = FRAME_MS / 1000
_HANDOFF_TARGET = re.compile(r"target:\s*\"?\$\{(\w+)\}")


@dataclass(slots=True)
class VoiceResult:
    """One voice call: its verdict, the server's record of it and what the caller heard."""

    scenario_id: str
    agent: str
    verdict: Verdict
    transcript: list[tuple[str, str]] = field(default_factory=list)  # the server's record
    heard: list[tuple[str, str]] = field(default_factory=list)  # (caller said, agent as heard)
    seconds: float = 0.0
    voice: str = ""
    outcome: str = ""
    note: str = ""  # e.g. the call was cut off at CALL_LIMIT_S (judged on the records still)


async def run_voice_calls(
    scenarios: list[Scenario],
    concurrency: int = 3,
    report: Callable[[list[VoiceResult]], None] | None = None,
) -> list[VoiceResult]:
    """Call the server once per scenario, up to `concurrency` calls at once (never two of the
    same agent: reseeding its records would disturb the other); results in scenario order.
    `report` gets them before the phone is stopped: pjsua2 can crash while its library is
    destroyed, and the results must not be lost with it."""
    with tempfile.TemporaryDirectory(prefix="callwright-voice-") as tmp:
        env = {name: "" for name in handoff_variables()}
        server = await asyncio.to_thread(start_server, Path(tmp), AGENTS_DIR, env)
        phone, engine = Phone(), None
        try:
            engine = await asyncio.to_thread(open_database, f"sqlite:///{tmp}/callwright.db")
            stt = await asyncio.to_thread(STT_ENGINES[STT_ENGINE])
            await phone.start()
            slots = asyncio.Semaphore(max(1, concurrency))
            results: dict[str, VoiceResult] = {}
            by_agent: dict[str, list[Scenario]] = {}
            for scenario in scenarios:
                by_agent.setdefault(scenario.agent, []).append(scenario)

            async def calls_of(agent_scenarios: list[Scenario]) -> None:
                for scenario in agent_scenarios:
                    async with slots:
                        try:
                            result = await _run_call(scenario, server, phone, engine, stt)
                        except Exception as error:  # noqa: BLE001 - the run goes on
                            failed = Verdict(False, [f"call failed: {error}"])
                            result = VoiceResult(scenario.id, scenario.agent, failed)
                    results[scenario.id] = result
                    mark = "ok" if result.verdict.success else "FAILED"
                    note = f", {result.note}" if result.note else ""
                    print(
                        f"{scenario.id}: {mark}, {result.seconds:.0f} s{note} ({result.voice})",
                        file=sys.stderr,
                        flush=True,
                    )

            await asyncio.gather(*(calls_of(items) for items in by_agent.values()))
            ordered = [results[scenario.id] for scenario in scenarios]
            if report is not None:
                report(ordered)
            return ordered
        finally:
            await asyncio.to_thread(phone.stop)
            await asyncio.to_thread(server.stop)
            if engine is not None:
                engine.dispose()


def handoff_variables() -> set[str]:
    """The environment variables the agents' hand-off targets come from."""
    names: set[str] = set()
    for path in AGENTS_DIR.glob("*.yaml"):
        names |= set(_HANDOFF_TARGET.findall(path.read_text(encoding="utf-8")))
    return names


async def _run_call(
    scenario: Scenario, server: RunningServer, phone: Phone, engine: Engine, stt: SpeechToText
) -> VoiceResult:
    """One call of `scenario` on freshly seeded records, judged on what the server wrote."""
    voice = voice_for(scenario.id)
    result = VoiceResult(scenario.id, scenario.agent, Verdict(False), voice=voice.describe())
    await asyncio.to_thread(reseed, engine, AGENTS_DIR, scenario.agent)
    before = await asyncio.to_thread(snapshot, engine, scenario.agent)
    started = time.monotonic()
    audio, line = CallAudio(voice), LineState()
    handle, call_id = await phone.run(
        lambda: phone.dial(server.uri(scenario.agent), scenario.caller_id, audio, line)
    )
    problem = ""  # the caller's side broke: the call is no measurement, it fails
    try:
        await asyncio.wait_for(_converse(scenario, voice, phone, handle, audio, line, stt,
                                         result.heard), CALL_LIMIT_S)  # fmt: skip
    except TimeoutError:
        result.note = f"cut off after {CALL_LIMIT_S:.0f} s"
    except Exception as error:  # noqa: BLE001 - one broken call must not stop the run
        problem = f"call failed: {error!r}"
    finally:
        await phone.run(lambda: phone.hang_up(handle))
        await wait_until(line.ended.is_set, CONNECT_TIMEOUT_S, POLL_S / 2)
        await phone.run(lambda: phone.forget(handle))
    record = await _finished_record(CallRepository(engine), call_id)
    result.seconds = time.monotonic() - started
    if record is None:
        result.verdict = Verdict(False, [problem or f"no call record (SIP {line.status})"])
        return result
    evidence = evidence_from_record(record)
    after = await asyncio.to_thread(snapshot, engine, scenario.agent)
    result.verdict = judge(scenario, before, after, evidence)
    if problem:
        result.verdict.success = False
        result.verdict.failures.append(problem)
    result.transcript, result.outcome = evidence.turns, record.outcome or ""
    return result


async def _converse(
    scenario: Scenario,
    voice: CallerVoice,
    phone: Phone,
    handle: int,
    audio: CallAudio,
    line: LineState,
    stt: SpeechToText,
    heard: list[tuple[str, str]],
) -> None:
    """The caller's side of the call, turn by turn as in `text_run.run_text_call`."""
    answered = await wait_until(lambda: line.connected.is_set() or line.ended.is_set(),
                                CONNECT_TIMEOUT_S, POLL_S / 2)
    if not answered:
        raise RuntimeError(f"no answer in {CONNECT_TIMEOUT_S:.0f} s")
    if line.ended.is_set():
        raise RuntimeError(f"call refused: SIP {line.status} {line.reason}")
    caller = ScriptedCaller(scenario)
    agent_text, ended = await _listen(audio, line, stt, 0, END_OF_TURN_SILENCE_S)
    heard.append(("", agent_text))
    turn: CallerTurn = caller.opening() if not ended else CallerTurn(hang_up=True)
    while not ended:
        mark = len(audio.frames)
        said = await _play(turn, voice, phone, handle, audio, line)
        silence_s = GOODBYE_SILENCE_S if turn.hang_up else END_OF_TURN_SILENCE_S
        agent_text, ended = await _listen(audio, line, stt, mark, silence_s)
        heard.append((said, agent_text))
        following = caller.next_turn(turn, agent_text, ended)
        if following is None:
            break
        turn = following


async def _play(
    turn: CallerTurn,
    voice: CallerVoice,
    phone: Phone,
    handle: int,
    audio: CallAudio,
    line: LineState,
) -> str:
    """Carry out the caller's turn (keys, or speech with its pause and second part, or a
    silent wait); what the caller did, in words."""
    if turn.keys:
        await phone.run(lambda: phone.key(handle, turn.keys))
        await asyncio.sleep(DTMF_DIGIT_S * len(turn.keys))
        return f"[keys {turn.keys}]"
    parts = [part for part in (turn.text, turn.then) if part]
    speech = [await asyncio.to_thread(speak, part, voice) for part in parts]
    for index, pcm in enumerate(speech):
        if index:
            await asyncio.sleep(PAUSE_THEN_S)
        audio.play(pcm)
        await wait_until(lambda: not audio.playing() or line.ended.is_set(),
                         len(pcm) / SAMPLE_RATE_HZ + 5, POLL_S / 2)
    return " ... ".join(parts)


async def _listen(
    audio: CallAudio, line: LineState, stt: SpeechToText, since: int, silence_s: float
) -> tuple[str, bool]:
    """The agent's turn heard from frame `since` on: (its words, whether the call ended).
    The turn ends after `silence_s` of silence that follows its speech (and the caller's own
    speech), when the agent hangs up, or after AGENT_TURN_LIMIT_S; speech that resumes while
    it is being transcribed belongs to the same turn."""
    span = VoiceSpan(audio, since)
    began = time.monotonic()
    while True:
        await asyncio.sleep(POLL_S)
        span.scan()
        ended = line.ended.is_set()
        if not span.started():
            if ended or time.monotonic() - began > AGENT_START_TIMEOUT_S:
                return "", ended
            continue
        too_long = span.too_long()
        if not (ended or span.quiet(silence_s) or too_long):
            continue
        heard_until = span.last
        start = max(since, span.first - round(LEAD_IN_S / FRAME_S))
        tail = round(silence_s / FRAME_S) // 2
        text = (await stt.transcribe(audio.heard(start, heard_until + 1 + tail))).text
        resumed = any(audio.voiced[heard_until + 1 :])
        if ended or too_long or not resumed:
            return text, line.ended.is_set()


async def _finished_record(calls: CallRepository, call_id: str) -> CallRecord | None:
    """The server's record of `call_id` once it has ended (None if none came)."""
    deadline = time.monotonic() + RECORD_TIMEOUT_S
    while time.monotonic() < deadline:
        record = await asyncio.to_thread(calls.get_call, call_id)
        if record is not None and record.ended_at is not None:
            return record
        await asyncio.sleep(0.2)
    return await asyncio.to_thread(calls.get_call, call_id)
