"""Speech-to-text on the simulated callers' own lines, as a voice call hears them.

Run: .venv/bin/python bench/stt_callers.py [--split tune|heldout] [--model tiny|base|DIR]
                                            [--no-context] [--beam N] [--raw] [--limit N]
                                            [--wideband]

Every line a scenario's caller can say (its opening, each reply, what follows a pause) is
spoken in that scenario's voice (bench/calls/caller_voices.py: espeak-ng and flite voices,
telephone band, line noise from none to 10 dB SNR) and sent through G.711 mu-law, as on a
call. Prints word error rate overall, per voice engine and per line condition, the error
rate on the words a task depends on (digits, names, days, months), the worst lines, and
latency percentiles per utterance on this machine. `--no-context` leaves out the agent's
vocabulary given to Whisper as previous text; `--wideband` hears the same voices and noise
without the telephone band and G.711, as a wideband line would carry them: the share of the
errors the band causes. Compare variants in one sitting, as ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import jiwer
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.calls.caller_voices import CallerVoice, LineNoise, mix, speak, voice_for  # noqa: E402
from bench.calls.scenario import SPLITS, Scenario, load_scenarios  # noqa: E402
from bench.stt_accuracy import cpu_model, normalise, percentiles, telephone_channel  # noqa: E402
from callwright.agent.spec.loader import load_agent  # noqa: E402
from callwright.audio.denoise import NoiseProfile, suppress  # noqa: E402
from callwright.audio.frames import SAMPLE_RATE_HZ, SAMPLES_PER_FRAME  # noqa: E402
from callwright.speech.stt.models import model_dir_for  # noqa: E402
from callwright.speech.stt.whisper import WhisperStt  # noqa: E402

AGENTS_DIR = Path(__file__).resolve().parents[1] / "agents"
WORST_SHOWN = 8
_KEY_WORDS = frozenset(
    """zero oh one two three four five six seven eight nine ten eleven twelve thirteen fourteen
    fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty
    ninety hundred thousand first second third fourth fifth sixth seventh eighth ninth tenth
    monday tuesday wednesday thursday friday saturday sunday january february march april may
    june july august september october november december morning afternoon evening""".split()
)


@dataclass(frozen=True, slots=True)
class Line:
    scenario: str
    agent: str
    voice: CallerVoice
    text: str


def caller_lines(scenarios: list[Scenario]) -> list[Line]:
    """Every distinct line each scenario's caller may say, in its voice."""
    lines: list[Line] = []
    for scenario in scenarios:
        voice = voice_for(scenario.id)
        texts = [scenario.opening, scenario.opening_pause_then]
        for reply in scenario.replies:
            texts += [*reply.say, reply.pause_then]
        seen: set[str] = set()
        for text in texts:
            if text.strip() and text not in seen:
                seen.add(text)
                lines.append(Line(scenario.id, scenario.agent, voice, text))
    return lines


def on_the_line(line: Line, denoise: bool, telephone: bool = True) -> np.ndarray:
    """The line as the agent transcribes it: voice, line noise, G.711; with `denoise`, the
    noise learned from a second of the line before the caller speaks, taken out. Without
    `telephone`, the voice keeps its whole band and skips G.711."""
    channel = telephone_channel if telephone else (lambda pcm: pcm)
    noise = LineNoise(line.voice)
    silence = channel(mix(np.zeros(SAMPLE_RATE_HZ, np.int16), noise.next(SAMPLE_RATE_HZ)))
    speech = speak(line.text, line.voice, telephone=telephone)
    pad = np.zeros(SAMPLE_RATE_HZ // 4, np.int16)  # the VAD's pre-roll and hangover
    audio = np.concatenate([pad, speech, pad])
    heard = channel(mix(audio, noise.next(len(audio))))
    if not denoise:
        return heard
    profile = NoiseProfile()
    for start in range(0, len(silence), SAMPLES_PER_FRAME):
        profile.hear_silence(silence[start : start + SAMPLES_PER_FRAME])
    return suppress(heard, profile.power)


def key_word_error_rate(
    references: list[str], hypotheses: list[str], names: set[str]
) -> tuple[float, int]:
    """Share of the key words (numbers, days, months, `names`) of the references not heard."""
    missed = total = 0
    for reference, hypothesis in zip(references, hypotheses, strict=True):
        heard = set(hypothesis.split())
        for word in reference.split():
            if word in _KEY_WORDS or word in names:
                total += 1
                missed += word not in heard
    return (missed / total if total else 0.0), total


def proper_words(texts: list[str]) -> set[str]:
    """Names and other proper words: capitalised inside a sentence of the scenario texts."""
    return {
        word.lower().strip(".,?!")
        for text in texts
        for word in text.split()[1:]
        if word[:1].isupper() and word.strip(".,?!").isalpha() and word.lower() not in _KEY_WORDS
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=[*SPLITS, "all"], default="tune")
    parser.add_argument("--model", default="tiny", help="tiny, base, or a CTranslate2 model dir")
    parser.add_argument("--no-context", action="store_true", help="no agent vocabulary prompt")
    parser.add_argument("--limit", type=int, default=0, help="only the first N lines")
    parser.add_argument("--beam", type=int, default=1, help="beam size (1: greedy)")
    parser.add_argument("--wideband", action="store_true",
                        help="no telephone band or G.711: what the band costs")
    parser.add_argument("--raw", action="store_true",
                        help="without line-noise suppression (calls use it, learned in silence)")
    args = parser.parse_args()
    splits = SPLITS if args.split == "all" else (args.split,)
    lines = caller_lines(load_scenarios(splits))
    if args.limit:
        lines = lines[: args.limit]
    print(f"machine: {os.cpu_count()} cores, {cpu_model()}, Python {platform.python_version()}")
    stt = WhisperStt(model_dir_for(args.model), beam_size=args.beam)
    contexts = {agent: load_agent(AGENTS_DIR / f"{agent}.yaml").speech_context
                for agent in sorted({line.agent for line in lines})}
    print(f"model {args.model}, beam {args.beam}, noise suppression "
          f"{'off' if args.raw else 'on'}; split {args.split}; {len(lines)} caller lines; "
          f"agent vocabulary {'off' if args.no_context else 'on'}; 8 espeak-ng/flite voices, "
          f"{'wideband, no G.711' if args.wideband else 'telephone band, G.711 mu-law'}, "
          "line noise none to 10 dB SNR")
    audios = [on_the_line(line, denoise=not args.raw, telephone=not args.wideband)
              for line in lines]
    await stt.transcribe(audios[0])  # warm-up, not measured
    hypotheses: list[str] = []
    latencies: list[float] = []
    for line, audio in zip(lines, audios, strict=True):
        started = time.perf_counter()
        context = "" if args.no_context else contexts[line.agent]
        hypotheses.append((await stt.transcribe(audio, context)).text)
        latencies.append(time.perf_counter() - started)
    report(lines, audios, hypotheses, latencies)


def report(lines: list[Line], audios: list[np.ndarray], hypotheses: list[str],
           latencies: list[float]) -> None:
    references = [normalise(line.text) for line in lines]
    heard = [normalise(text) for text in hypotheses]
    seconds = sum(len(audio) for audio in audios) / SAMPLE_RATE_HZ
    output = jiwer.process_words(references, [h or "<nothing>" for h in heard])
    names = proper_words([line.text for line in lines]) - {"i", "i'm", "i've", "i'd", "i'll"}
    key_wer, key_words = key_word_error_rate(references, heard, names)
    print(f"\n{len(lines)} lines, {seconds:.0f} s of audio")
    print(f"  WER {output.wer:.1%} (substitutions {output.substitutions}, deletions "
          f"{output.deletions}, insertions {output.insertions}); key words missed "
          f"{key_wer:.1%} of {key_words}; lines heard word for word "
          f"{sum(r == h for r, h in zip(references, heard, strict=True)) / len(lines):.0%}")
    groups: dict[str, list[int]] = defaultdict(list)
    for index, line in enumerate(lines):
        groups[line.voice.engine].append(index)
        snr = "clean" if line.voice.snr_db is None else f"{line.voice.snr_db:g} dB"
        groups[f"line {snr}"].append(index)
    for name in sorted(groups):
        chosen = groups[name]
        wer = jiwer.wer([references[i] for i in chosen], [heard[i] or "<nothing>" for i in chosen])
        print(f"    {name}: WER {wer:.1%} ({len(chosen)} lines)")
    scored = sorted(
        ((jiwer.wer(r, h or "<nothing>"), line, text)
         for r, h, line, text in zip(references, heard, lines, hypotheses, strict=True)),
        key=lambda item: -item[0],
    )
    print("  worst:")
    for wer, line, text in scored[:WORST_SHOWN]:
        print(f"    {wer:4.0%} [{line.voice.describe()}] {line.text!r} -> {text!r}")
    print(f"  latency ms per utterance: {percentiles(latencies)}")


if __name__ == "__main__":
    asyncio.run(main())
