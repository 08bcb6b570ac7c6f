"""When callwright decides a caller's turn is over, against when their speech really ended.

Each utterance (complete, trailing off, or with a pause before a number, as callers give
phone numbers and dates) is spoken by a caller voice of bench/calls/caller_voices.py
(espeak-ng and flite, telephone band, line noise), and played frame by frame at real-time
pace into the call's own `Listener`: Silero VAD, Whisper speculative transcription and the
turn-taking policy with its default options. The true end of speech is where the
synthesized speech ends. Printed per kind: the decision's lag after the end of speech
(p50/p95/max), turns held for the long incomplete-turn wait, and turns cut off inside a
pause (the policy ended the turn before the caller's last words).

Run: .venv/bin/python bench/end_of_turn.py [--limit N] [-v] [--set pause_ms=50 ...]
(--set tries other TurnTakingOptions values, to compare with a default run of the same sitting)
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.calls.caller_voices import LineNoise, mix, speak, voice_for  # noqa: E402
from bench.latency.report import machine, percentiles  # noqa: E402
from callwright.audio.frames import SAMPLE_RATE_HZ, SAMPLES_PER_FRAME, AudioFrame  # noqa: E402
from callwright.call.listening import HeardTurn, Listener  # noqa: E402
from callwright.speech.loader import SpeechEngines, load_speech_engines  # noqa: E402
from callwright.speech.turns import TurnEvent, TurnTaking, TurnTakingOptions  # noqa: E402

FRAME_S = SAMPLES_PER_FRAME / SAMPLE_RATE_HZ
LEAD_S = 0.6  # line before the caller speaks
TAIL_S = 2.0  # line after: longer than the longest wait
PAUSE_S = 0.7  # the pause before a number

# (kind, words before the pause, words after it or "")
UTTERANCES: list[tuple[str, str, str]] = [
    ("complete", "I'd like to move my cleaning to next week.", ""),
    ("complete", "What time do you close on Saturday?", ""),
    ("complete", "My name is Maria Lopez.", ""),
    ("complete", "Yes, that's right.", ""),
    ("complete", "No, I didn't make that purchase.", ""),
    ("complete", "Can you check on my order please?", ""),
    ("complete", "I need a refill of my blood pressure medicine.", ""),
    ("complete", "Thursday afternoon works for me.", ""),
    ("complete", "I want to return the headphones I bought.", ""),
    ("complete", "We have about forty people on the team.", ""),
    ("complete", "March fourteenth, nineteen eighty five.", ""),
    ("complete", "Can I talk to a real person?", ""),
    ("trailing", "I was wondering if you could help me with", ""),
    ("trailing", "My date of birth is", ""),
    ("trailing", "I'd like to book an appointment for", ""),
    ("trailing", "The order number is", ""),
    ("trailing", "It's about my card and", ""),
    ("trailing", "Could you tell me whether", ""),
    ("pause", "My phone number is", "five five five, one two three, four five six seven."),
    ("pause", "The order number is", "four eight two one."),
    ("pause", "My date of birth is", "July twenty first, nineteen ninety."),
    ("pause", "I'd like to come in on", "Tuesday morning."),
    ("pause", "The last four digits are", "one two three four."),
    ("pause", "It's for", "my daughter Emma."),
]


@dataclass(frozen=True, slots=True)
class Decision:
    kind: str
    text: str
    voice: str
    lag_s: float | None  # end of turn decided after the true end of speech (None: never)
    vad_lag_s: float | None  # the VAD's end of speech after the true one
    cut_off: bool  # a turn ended before the caller's last words
    heard: str


def utterance_audio(first: str, then: str, voice_id: str) -> tuple[np.ndarray, float, float]:
    """The line's audio, where the speech truly ends, and where a pause ends (0 if none)."""
    voice = voice_for(voice_id)
    silence = np.zeros(int(LEAD_S * SAMPLE_RATE_HZ), np.int16)
    parts = [silence, speak(first, voice)]
    pause_end = 0.0
    if then:
        parts.append(np.zeros(int(PAUSE_S * SAMPLE_RATE_HZ), np.int16))
        pause_end = sum(len(p) for p in parts) / SAMPLE_RATE_HZ
        parts.append(speak(then, voice))
    speech_end = sum(len(p) for p in parts) / SAMPLE_RATE_HZ
    parts.append(np.zeros(int(TAIL_S * SAMPLE_RATE_HZ), np.int16))
    pcm = np.concatenate(parts)
    noise = LineNoise(voice)
    frames = [mix(pcm[i : i + SAMPLES_PER_FRAME], noise.next(SAMPLES_PER_FRAME))
              for i in range(0, len(pcm) - SAMPLES_PER_FRAME + 1, SAMPLES_PER_FRAME)]
    return np.concatenate(frames), speech_end, pause_end


async def decide(
    engines: SpeechEngines, options: TurnTakingOptions, pcm: np.ndarray
) -> list[tuple[float, float, str]]:
    """Play `pcm` into a Listener at real-time pace; each turn's (decided at, VAD speech
    end, transcript) on the line's clock."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    tasks: set[asyncio.Task] = set()
    turns: list[HeardTurn] = []

    def spawn(coroutine) -> asyncio.Task:
        task = asyncio.ensure_future(coroutine)
        tasks.add(task)
        return task

    def now() -> float:
        return loop.time() - start

    def on_event(_: TurnEvent) -> None:
        pass

    listener = Listener(
        engines.vad.new_stream(), engines.stt, TurnTaking(options), "", now, spawn,
        on_event, turns.append, lambda message: None,
    )
    for index in range(len(pcm) // SAMPLES_PER_FRAME):
        frame_end = (index + 1) * FRAME_S
        await asyncio.sleep(max(0.0, frame_end - now()))
        samples = pcm[index * SAMPLES_PER_FRAME : (index + 1) * SAMPLES_PER_FRAME]
        listener.hear(AudioFrame(samples), frame_end, agent_speaking=False)
    return [(turn.event.at, turn.event.speech_end or turn.event.at, await turn.transcript)
            for turn in turns]


async def measure(
    engines: SpeechEngines, options: TurnTakingOptions, limit: int | None = None
) -> list[Decision]:
    decisions = []
    for index, (kind, first, then) in enumerate(UTTERANCES[:limit]):
        voice_id = f"eot-{index}"
        pcm, speech_end, _ = utterance_audio(first, then, voice_id)
        turns = await decide(engines, options, pcm)
        last = turns[-1] if turns else None
        cut_off = any(at < speech_end for at, _, _ in turns)
        decisions.append(Decision(
            kind, f"{first} {then}".strip(), voice_for(voice_id).describe(),
            None if last is None else last[0] - speech_end,
            None if last is None else last[1] - speech_end, cut_off,
            " | ".join(text for _, _, text in turns),
        ))
    return decisions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N utterances")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every utterance")
    parser.add_argument("--set", action="append", default=[], metavar="OPTION=VALUE",
                        help="a TurnTakingOptions value other than the default")
    args = parser.parse_args()
    options = TurnTakingOptions()
    changed: dict[str, int | float] = {}
    for item in args.set:
        name, _, value = item.partition("=")
        if not hasattr(options, name):
            parser.error(f"--set {item}: no such option; one of: {', '.join(options.__slots__)}")
        try:
            changed[name] = type(getattr(options, name))(value)
        except ValueError:
            parser.error(f"--set {item}: {value!r} is not a number")
    options = TurnTakingOptions(**changed)
    engines = load_speech_engines()
    decisions = asyncio.run(measure(engines, options, args.limit))
    print(f"machine: {machine()}")
    print(f"policy: end of turn {options.end_of_turn_ms} ms after complete words, "
          f"{options.incomplete_turn_ms} ms otherwise; one utterance at a time, real-time pace"
          + "".join(f"; {name}={value}" for name, value in changed.items()))
    long_wait_s = options.incomplete_turn_ms / 1000 - 0.05
    for kind in ("complete", "trailing", "pause"):
        own = [d for d in decisions if d.kind == kind]
        lags = [d.lag_s for d in own if d.lag_s is not None]
        held = sum(1 for lag in lags if lag >= long_wait_s)
        cut = sum(1 for d in own if d.cut_off)
        vad = [d.vad_lag_s for d in own if d.vad_lag_s is not None]
        print(f"{percentiles(kind + ' (VAD end)', vad)}")
        print(f"{percentiles(kind, lags)}  held for the long wait {held}/{len(own)}  cut off {cut}")
    if args.verbose:
        for d in decisions:
            lag = "never" if d.lag_s is None else (
                f"{d.lag_s * 1000:5.0f} ms (VAD {d.vad_lag_s * 1000:4.0f})")
            print(f"  {d.kind:<8} {lag}  {'CUT ' if d.cut_off else ''}{d.text!r} -> "
                  f"{d.heard!r}  [{d.voice}]")


if __name__ == "__main__":
    main()
