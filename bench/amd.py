"""Answering-machine detection on real calls: who answered, how fast, and was anyone left in
silence.

Each labelled answer is played by a real SIP phone (baresip, tests/support/baresip.py) that
answers the agent's outbound call (our SipServer.dial) at once; a real CallSession with the
default AnsweringOptions and the real speech engines (Silero VAD, Whisper, Piper) screens it.
The labelled set (bench/amd/answers.py) has two halves of 27-28 answers. Machines are
Asterisk's recorded voicemail prompts and carrier announcements (asterisk-core-sounds-en-wav,
8 kHz on the line), with its beep, a synthetic one, or none, and synthetic greetings in the
bench caller voices, some pausing early ("Hi! ... you've reached Sam") or ending in silence.
People are short hellos and names, business-line answers of 2-5 s ("Acme Dental, this is
Dana speaking, how can I help you?"), a hello and a second one after a pause, and a few on a
noisy line (white or babble noise at 15 dB SNR), then silence while they wait. The held-out
half has other prompts, voices, wordings and beeps and is reported on its own: never tune
on it.

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

from bench.amd.answers import SOUNDS, Answer, labelled_answers  # noqa: E402
from bench.latency.report import machine, percentiles  # noqa: E402
from callwright.audio.frames import SAMPLE_RATE_HZ  # noqa: E402
from callwright.audio.wav import write_wav  # noqa: E402
from callwright.call.answering_machine import AnsweringOptions  # noqa: E402
from callwright.call.options import CallOptions  # noqa: E402
from callwright.call.session import CallSession  # noqa: E402
from callwright.speech.loader import SpeechEngines, load_speech_engines  # noqa: E402
from callwright.speech.tts.prompt_cache import PromptCache  # noqa: E402
from callwright.telephony.sip.endpoint import SipServer  # noqa: E402
from tests.support.baresip import answering_phone  # noqa: E402
from tests.support.server import free_port  # noqa: E402
from tests.support.virtual_call import EchoAgent  # noqa: E402

PHONE_EXTRA_S = 4  # the phone process quits this long after its WAV ends
LOUD = 600  # int16 peak that counts as the agent's voice in what the phone heard
SILENCE_LIMIT_S = 1.0
CLOCK_SLACK_S = 0.05  # the call's clock against the phone's recording
MESSAGE = ("Hi, this is Sam from Acme Dental with a reminder about your cleaning on "
           "Thursday at ten. Please call us back at five five five, one two three four.")


@dataclass(slots=True)
class Outcome:
    answer: Answer
    acted_as: str | None
    answered_by: str
    reason: str
    decided_s: float | None
    heard_at_s: float | None  # the agent's first sound in what the phone recorded
    message_at_s: float | None  # the voicemail message's first sound in it
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
    decided, voicemail = facts.get("decided_ms"), facts.get("voicemail_ms")
    message = loud[:0] if voicemail is None else \
        loud[loud >= (voicemail / 1000 - CLOCK_SLACK_S) * SAMPLE_RATE_HZ]
    return Outcome(answer, facts.get("acted_as"), record.dialogue_state.get("answered_by", ""),
                   facts.get("reason", ""), None if decided is None else decided / 1000,
                   loud[0] / SAMPLE_RATE_HZ if len(loud) else None,
                   message[0] / SAMPLE_RATE_HZ if len(message) else None, record.outcome or "")


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
    machines = [o for o in outcomes if o.answer.label == "machine"]
    beeped = [o for o in machines if o.answer.speech_end_s]
    after_beep = [o.message_at_s - o.answer.speech_end_s for o in beeped
                  if o.message_at_s is not None]
    spoke = sum(1 for o in machines if o.heard_at_s is not None
                and (o.message_at_s is None or o.heard_at_s < o.message_at_s - CLOCK_SLACK_S))
    print(f"{half}: accuracy {right}/{len(outcomes)}, left to the deadline's default {unsure}, "
          f"a person heard > {SILENCE_LIMIT_S:g} s of silence {silent}/{len(people)}, "
          f"message began before the beep ended {sum(d < 0 for d in after_beep)}/{len(beeped)}, "
          f"the agent spoke to a machine other than its message {spoke}/{len(machines)}")
    print("  " + percentiles("time to decision", [o.decided_s for o in outcomes
                                                    if o.decided_s is not None]))
    print("  " + percentiles("person: answer end -> agent", [max(w, 0.0) for w in waits]))
    print("  " + percentiles("machine: beep end -> message", [max(d, 0.0) for d in after_beep]))
    if verbose:
        for o in outcomes:
            heard = "-" if o.heard_at_s is None else f"{o.heard_at_s:5.2f} s"
            message = "" if o.message_at_s is None else f", message at {o.message_at_s:5.2f} s"
            decided = "-" if o.decided_s is None else f"{o.decided_s:5.2f} s"
            print(f"    {o.answer.name:<18} {o.answer.label:<8} -> {o.answered_by:<8} "
                  f"({o.reason}) at {decided}, agent heard at {heard} (answer end "
                  f"{o.answer.speech_end_s:5.2f} s){message}, {o.record_outcome}")


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
