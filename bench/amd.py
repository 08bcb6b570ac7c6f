"""Answering-machine detection on real calls: who answered, how fast, and was anyone left in
silence.

Each labelled answer is played by a real SIP phone (baresip, tests/support/baresip.py) that
answers the agent's outbound call (our SipServer.dial) at once; a real CallSession with the
default AnsweringOptions and the real speech engines (Silero VAD, Whisper, Piper) screens it.
Machines are greetings made of Asterisk's recorded voicemail prompts
(asterisk-core-sounds-en-wav: "The person at extension ... is unavailable", "Please leave your
message after the tone", carrier announcements) and its beep, at 8 kHz on the line, plus
synthetic greetings; people are short answers ("Hello?", "Hi, this is Dana.", "Yeah?") in the
synthetic caller voices (bench/calls/caller_voices.py, telephone band) and Asterisk's recorded
"Hello.", then silence while they wait. Half of the set is held out (other prompts, voices and
beeps) and reported on its own: never tune on it.

Printed per half: accuracy (what the call acted as, against the label), answers left to the
deadline's default, time to decision p50/p95/max, how often a person heard more than 1 s of
silence after their answer ended (from what the phone recorded), and for machines when the
message started against the end of the beep.

Run: .venv/bin/python bench/amd.py [--limit N] [--half tune|held-out] [-v]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.calls.caller_voices import CallerVoice, speak  # noqa: E402
from bench.latency.report import machine, percentiles  # noqa: E402
from callwright.audio.frames import SAMPLE_RATE_HZ  # noqa: E402
from callwright.audio.wav import read_wav, write_wav  # noqa: E402
from callwright.call.answering_machine import AnsweringOptions  # noqa: E402
from callwright.call.options import CallOptions  # noqa: E402
from callwright.call.session import CallSession  # noqa: E402
from callwright.speech.loader import SpeechEngines, load_speech_engines  # noqa: E402
from callwright.speech.tts.prompt_cache import PromptCache  # noqa: E402
from callwright.telephony.sip.endpoint import SipServer  # noqa: E402
from tests.support.baresip import answering_phone  # noqa: E402
from tests.support.server import free_port  # noqa: E402
from tests.support.tones import tone  # noqa: E402
from tests.support.virtual_call import EchoAgent  # noqa: E402

SOUNDS = Path("/usr/share/asterisk/sounds/en")
LEAD_S = 0.4  # the line before the callee's first sound
PERSON_WAIT_S = 4.0  # a person's silence after their answer, waiting for us
MACHINE_RECORDS_S = 9.0  # a machine's silence after its beep: it records the message
PHONE_EXTRA_S = 4  # the phone process quits this long after its WAV ends
LOUD = 600  # int16 peak that counts as the agent's voice in what the phone heard
SILENCE_LIMIT_S = 1.0
MESSAGE = ("Hi, this is Sam from Acme Dental with a reminder about your cleaning on "
           "Thursday at ten. Please call us back at five five five, one two three four.")


@dataclass(frozen=True, slots=True)
class Answer:
    name: str
    label: str  # "person" or "machine"
    half: str  # "tune" or "held-out"
    pcm: np.ndarray  # 16 kHz, what the phone plays from answer on
    speech_end_s: float  # a person's last word; a machine's beep end (0: no beep)


def _prompt(*names: str) -> np.ndarray:
    parts = [read_wav(SOUNDS / f"{name}.wav", target_hz=SAMPLE_RATE_HZ)[0] for name in names]
    return np.concatenate(parts)


def _silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * SAMPLE_RATE_HZ), np.int16)


def _machine(name: str, half: str, greeting: np.ndarray, beep: np.ndarray | None) -> Answer:
    parts = [_silence(LEAD_S), greeting, _silence(0.3)]
    beep_end = 0.0
    if beep is not None:
        parts.append(beep)
        beep_end = sum(len(p) for p in parts) / SAMPLE_RATE_HZ
    parts.append(_silence(MACHINE_RECORDS_S))
    return Answer(name, "machine", half, np.concatenate(parts), beep_end)


def _person(name: str, half: str, speech: np.ndarray, lead_s: float = LEAD_S) -> Answer:
    pcm = np.concatenate([_silence(lead_s), speech, _silence(PERSON_WAIT_S)])
    return Answer(name, "person", half, pcm, lead_s + len(speech) / SAMPLE_RATE_HZ)


def _voice(engine: str, name: str, rate_wpm: int = 160) -> CallerVoice:
    return CallerVoice(engine, name, rate_wpm, "white", None, 0)


def labelled_answers() -> list[Answer]:
    """The evaluation set: tune half first, then the held-out half (other prompts, voices,
    beeps)."""
    beep = _prompt("beep")  # Asterisk's: 700 Hz, 0.42 s
    digits = _prompt("digits/2", "digits/0", "digits/4")
    synthetic_beep = (tone(1000, 0.5) * 0.8).astype(np.int16)
    return [
        _machine("ext-unavailable", "tune", np.concatenate(
            [_prompt("vm-theperson"), digits, _prompt("vm-isunavail", "vm-intro")]), beep),
        _machine("nobody-available", "tune", _prompt("vm-nobodyavail", "vm-intro"), beep),
        _machine("intro-only", "tune", _prompt("vm-intro"), beep),
        _machine("espeak-greeting", "tune", speak(
            "Hi, you've reached Dana. I can't take your call right now, please leave a "
            "message after the tone.", _voice("espeak-ng", "en-us+f3")), synthetic_beep),
        _person("hello-espeak", "tune", speak("Hello?", _voice("espeak-ng", "en-us"))),
        _person("dana-espeak", "tune", speak("Hi, this is Dana.", _voice("espeak-ng", "en-us+f3"))),
        _person("yeah-espeak", "tune", speak("Yeah?", _voice("espeak-ng", "en-gb")), 0.9),
        _person("hello-kal", "tune", speak("Hello, who is this?", _voice("flite", "kal"))),
        # held out: never tune on these
        _machine("ext-on-phone", "held-out", np.concatenate(
            [_prompt("vm-theperson"), digits, _prompt("vm-isonphone", "vm-intro")]), beep),
        _machine("nobody-no-intro", "held-out", _prompt("vm-nobodyavail"), beep),
        _machine("not-answering", "held-out",
                 _prompt("number-not-answering", "please-try-call-later"), None),
        _machine("no-service", "held-out", _prompt("ss-noservice"), None),
        _machine("flite-greeting", "held-out", speak(
            "Hello, you have reached the Morgan family. We are not home right now. Leave us "
            "a message and we will call you back.", _voice("flite", "slt")),
            (tone(1400, 0.3) * 0.8).astype(np.int16)),
        _person("hello-recorded", "held-out", _prompt("hello")),
        _person("dana-slt", "held-out", speak("Hello, Dana speaking.", _voice("flite", "slt"))),
        _person("yes-rms", "held-out", speak("Yes?", _voice("flite", "rms")), 1.0),
        _person("hi-espeak-m3", "held-out", speak("Hi, who's calling?",
                                                  _voice("espeak-ng", "en-us+m3", 175))),
    ]


@dataclass(slots=True)
class Outcome:
    answer: Answer
    acted_as: str | None
    answered_by: str
    reason: str
    decided_s: float | None
    heard_at_s: float | None  # the agent's first sound in what the phone recorded
    record_outcome: str


async def run_answer(
    answer: Answer, sip: SipServer, engines: SpeechEngines, prompts: PromptCache, workdir: Path
) -> Outcome:
    folder = workdir / answer.name
    folder.mkdir()
    wav = folder / "answer.wav"
    write_wav(wav, answer.pcm, SAMPLE_RATE_HZ)
    seconds = int(len(answer.pcm) / SAMPLE_RATE_HZ) + PHONE_EXTRA_S
    phone = await asyncio.to_thread(answering_phone, wav, folder / "phone", port=free_port(),
                                    seconds=seconds, user="callee")
    call = await sip.dial(phone.uri, from_user="acme", timeout_s=5)
    options = CallOptions(recordings_dir=folder)
    answering = AnsweringOptions(voicemail_text=MESSAGE)
    record = await CallSession(call, EchoAgent(), engines, prompts, None, options,
                               answering=answering).run()
    heard = (await asyncio.to_thread(phone.finish)).heard
    loud = np.flatnonzero(np.abs(heard.astype(np.int32)) >= LOUD)
    facts = record.dialogue_state.get("answering", {})
    decided = facts.get("decided_ms")
    return Outcome(answer, facts.get("acted_as"), record.dialogue_state.get("answered_by", ""),
                   facts.get("reason", ""), None if decided is None else decided / 1000,
                   loud[0] / SAMPLE_RATE_HZ if len(loud) else None, record.outcome or "")


async def measure(answers: list[Answer]) -> list[Outcome]:
    engines = load_speech_engines()
    prompts = PromptCache(engines.tts)
    agent = EchoAgent()
    await prompts.warm(agent.fixed_prompts())

    async def no_calls(call: object) -> None:
        raise AssertionError("this server only dials")

    sip = SipServer("127.0.0.1", 0, accepts=lambda user: False, on_call=no_calls)
    await sip.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            return [await run_answer(a, sip, engines, prompts, Path(tmp)) for a in answers]
    finally:
        await sip.stop()


def report(half: str, outcomes: list[Outcome], verbose: bool) -> None:
    if not outcomes:
        return
    right = sum(o.acted_as == o.answer.label for o in outcomes)
    unsure = sum(o.answered_by == "unknown" for o in outcomes)
    people = [o for o in outcomes if o.answer.label == "person"]
    waits = [o.heard_at_s - o.answer.speech_end_s for o in people if o.heard_at_s is not None]
    silent = sum(1 for o in people if o.heard_at_s is None
                 or o.heard_at_s - o.answer.speech_end_s > SILENCE_LIMIT_S)
    beeped = [o for o in outcomes if o.answer.label == "machine" and o.answer.speech_end_s]
    after_beep = [o.heard_at_s - o.answer.speech_end_s for o in beeped if o.heard_at_s is not None]
    print(f"{half}: accuracy {right}/{len(outcomes)}, left to the deadline's default {unsure}, "
          f"a person heard > {SILENCE_LIMIT_S:g} s of silence {silent}/{len(people)}, "
          f"message began before the beep ended {sum(d < 0 for d in after_beep)}/{len(beeped)}")
    print("  " + percentiles("time to decision", [o.decided_s for o in outcomes
                                                    if o.decided_s is not None]))
    print("  " + percentiles("person: answer end -> agent", [max(w, 0.0) for w in waits]))
    print("  " + percentiles("machine: beep end -> message", [max(d, 0.0) for d in after_beep]))
    if verbose:
        for o in outcomes:
            heard = "-" if o.heard_at_s is None else f"{o.heard_at_s:5.2f} s"
            decided = "-" if o.decided_s is None else f"{o.decided_s:5.2f} s"
            print(f"    {o.answer.name:<18} {o.answer.label:<8} -> {o.answered_by:<8} "
                  f"({o.reason}) at {decided}, agent heard at {heard} (answer end "
                  f"{o.answer.speech_end_s:5.2f} s), {o.record_outcome}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="only N answers of each half")
    parser.add_argument("--half", choices=["tune", "held-out"], default=None)
    parser.add_argument("-v", "--verbose", action="store_true", help="print every answer")
    args = parser.parse_args()
    if not SOUNDS.is_dir():
        parser.error("no Asterisk prompts: apt-get install asterisk-core-sounds-en-wav")
    answers = labelled_answers()
    chosen: list[Answer] = []
    for half in ("tune", "held-out"):
        own = [a for a in answers if a.half == half and args.half in (None, half)]
        chosen += own if args.limit is None else _mixed(own, args.limit)
    outcomes = asyncio.run(measure(chosen))
    options = AnsweringOptions(voicemail_text=MESSAGE)
    print(f"machine: {machine()}")
    print(f"conditions: real SIP calls on loopback (SipServer.dial -> baresip, G.711), default "
          f"options (deadline {options.deadline_s:g} s, long greeting {options.long_greeting_s:g}"
          f" s, silent answer {options.silent_answer_s:g} s), one call at a time")
    for half in ("tune", "held-out"):
        report(half, [o for o in outcomes if o.answer.half == half], args.verbose)


def _mixed(answers: list[Answer], limit: int) -> list[Answer]:
    """Up to `limit` answers, people and machines taken in turn."""
    people = [a for a in answers if a.label == "person"]
    machines = [a for a in answers if a.label == "machine"]
    mixed = [a for pair in zip(machines, people, strict=False) for a in pair]
    return (mixed + machines[len(people):] + people[len(machines):])[:limit]


if __name__ == "__main__":
    main()
