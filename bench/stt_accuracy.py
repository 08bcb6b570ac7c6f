"""Speech-to-text accuracy and latency on telephone-band audio.

Run: .venv/bin/python bench/stt_accuracy.py

Every clip goes through what a phone call does to it: down to 8 kHz, G.711 mu-law
encode and decode, back up to 16 kHz. Two sets:
  librivox  real human read speech (Debian's pocketsphinx-testdata), with its transcription;
  phone     bench/phone_phrases.txt spoken by several espeak-ng voices.
Prints word error rate per set (lowercase, punctuation stripped, digits spelled out;
the same audio without the telephone channel for comparison), the worst utterances,
and STT latency percentiles per utterance over the telephone channel on this machine.
"""

from __future__ import annotations

import asyncio
import os
import platform
import re
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import jiwer
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.support

from callwright.agent.spec.loader import load_agent  # noqa: E402
from callwright.audio import g711  # noqa: E402
from callwright.audio.frames import SAMPLE_RATE_HZ  # noqa: E402
from callwright.audio.resample import resample  # noqa: E402
from callwright.audio.wav import read_wav  # noqa: E402
from callwright.speech.stt.whisper import WhisperStt  # noqa: E402
from tests.support.voices import speak  # noqa: E402

LIBRIVOX_DIR = Path("/usr/share/pocketsphinx/test/data/librivox")
PHRASES_PATH = Path(__file__).with_name("phone_phrases.txt")
DEMO_AGENT = Path(__file__).resolve().parent.parent / "agents" / "demo.yaml"
PHONE_VOICES = ("en-us", "en-gb", "en-us+f3")
WORST_SHOWN = 5

_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
         "fourteen fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


@dataclass(frozen=True, slots=True)
class Utterance:
    name: str
    reference: str
    pcm: np.ndarray


def telephone_channel(pcm: np.ndarray) -> np.ndarray:
    """16 kHz -> 8 kHz G.711 mu-law round trip -> 16 kHz."""
    narrow = resample(pcm, SAMPLE_RATE_HZ, g711.SAMPLE_RATE_HZ)
    decoded = g711.ulaw_decode(g711.ulaw_encode(narrow))
    return resample(decoded, g711.SAMPLE_RATE_HZ, SAMPLE_RATE_HZ)


def spell_number(value: int) -> str:
    """Cardinal number in words, e.g. 45 -> "forty five" (below one million)."""
    if value < 20:
        return _ONES[value]
    if value < 100:
        return _TENS[value // 10] + ("" if value % 10 == 0 else " " + _ONES[value % 10])
    if value < 1000:
        rest = value % 100
        return _ONES[value // 100] + " hundred" + ("" if rest == 0 else " " + spell_number(rest))
    rest = value % 1000
    thousands = spell_number(value // 1000) + " thousand"
    return thousands + ("" if rest == 0 else " " + spell_number(rest))


def normalise(text: str) -> str:
    """Lowercase words only, numbers spelled out the way a caller says them."""
    text = text.lower().replace("mr.", "mister").replace("mrs.", "missus").replace("dr.", "doctor")
    text = re.sub(r"\$(\d+)(?:\.00)?", r"\1 dollars", text)
    text = re.sub(r"\b(\d{1,2}):00\b", r"\1", text)
    text = re.sub(r"\b(\d{1,2}):(\d{2})\b", r"\1 \2", text)
    # Digit strings of a phone number (555-1234, 555 1234) are read digit by digit.
    text = re.sub(
        r"\b\d{3}[-. ]\d{4}\b|\b\d{5,}\b",
        lambda match: " ".join(_ONES[int(d)] for d in re.sub(r"\D", "", match.group())),
        text,
    )
    text = re.sub(r"\d+", lambda match: spell_number(int(match.group())), text)
    text = re.sub(r"[-_/]", " ", text)
    text = re.sub(r"[^a-z' ]", "", text)
    return " ".join(text.replace("' ", " ").split())


def librivox_set() -> list[Utterance]:
    references: dict[str, str] = {}
    for line in (LIBRIVOX_DIR / "transcription").read_text().splitlines():
        words, _, name = line.rpartition("(")
        references[name.strip(" )")] = words.replace("<s>", "").replace("</s>", "").strip()
    return [
        Utterance(name, references[name], read_wav(LIBRIVOX_DIR / f"{name}.wav", SAMPLE_RATE_HZ)[0])
        for name in sorted(references)
    ]


def phone_set(workdir: Path) -> list[Utterance]:
    phrases = [
        line.strip()
        for line in PHRASES_PATH.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    utterances = []
    for voice in PHONE_VOICES:
        for index, phrase in enumerate(phrases):
            path = speak(phrase, workdir / f"{voice}-{index}.wav", voice=voice)
            utterances.append(Utterance(f"{voice}#{index}", phrase, read_wav(path)[0]))
    return utterances


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


async def transcribe_all(
    stt: WhisperStt,
    utterances: list[Utterance],
    channel: Callable[[np.ndarray], np.ndarray],
    context: str = "",
) -> tuple[list[str], list[float]]:
    hypotheses: list[str] = []
    latencies: list[float] = []
    for utterance in utterances:
        audio = channel(utterance.pcm)
        started = time.perf_counter()
        transcript = await stt.transcribe(audio, context)
        latencies.append(time.perf_counter() - started)
        hypotheses.append(transcript.text)
    return hypotheses, latencies


def word_error_rate(utterances: list[Utterance], hypotheses: list[str]) -> jiwer.WordOutput:
    return jiwer.process_words(
        [normalise(u.reference) for u in utterances], [normalise(h) for h in hypotheses]
    )


async def run_set(
    stt: WhisperStt, name: str, utterances: list[Utterance], context: str = ""
) -> list[float]:
    """Print WER over the telephone channel (with clean 16 kHz for comparison); return latencies."""
    hypotheses, latencies = await transcribe_all(stt, utterances, telephone_channel, context)
    clean_hypotheses, _ = await transcribe_all(stt, utterances, lambda pcm: pcm, context)
    output = word_error_rate(utterances, hypotheses)
    words = sum(len(normalise(u.reference).split()) for u in utterances)
    seconds = sum(len(u.pcm) for u in utterances) / SAMPLE_RATE_HZ
    print(f"\n[{name}] {len(utterances)} utterances, {words} words, {seconds:.1f} s of audio")
    print(f"  WER {output.wer:.1%} over G.711  (substitutions {output.substitutions}, "
          f"deletions {output.deletions}, insertions {output.insertions}); "
          f"same audio clean at 16 kHz: {word_error_rate(utterances, clean_hypotheses).wer:.1%}")
    speakers = sorted({u.name.split("#")[0] for u in utterances if "#" in u.name})
    for speaker in speakers:
        chosen = [i for i, u in enumerate(utterances) if u.name.startswith(f"{speaker}#")]
        wer = word_error_rate([utterances[i] for i in chosen], [hypotheses[i] for i in chosen]).wer
        print(f"    {speaker}: WER {wer:.1%}")
    scored = [
        (jiwer.wer(normalise(u.reference), normalise(text) or "<nothing>"), u, text)
        for u, text in zip(utterances, hypotheses, strict=True)
    ]
    print("  worst:")
    for wer, utterance, text in sorted(scored, key=lambda item: -item[0])[:WORST_SHOWN]:
        print(f"    {wer:5.0%} {utterance.name}: {utterance.reference!r} -> {text!r}")
    print(f"  latency ms over G.711: {percentiles(latencies)}")
    return latencies


def percentiles(latencies: list[float]) -> str:
    values = np.array(latencies) * 1000
    return (f"p50 {np.percentile(values, 50):.0f}  p95 {np.percentile(values, 95):.0f}  "
            f"max {values.max():.0f}  (n={len(values)})")


async def main() -> None:
    print(f"machine: {os.cpu_count()} cores, {cpu_model()}, Python {platform.python_version()}")
    started = time.perf_counter()
    stt = WhisperStt()
    print(f"Whisper tiny.en int8 loaded in {time.perf_counter() - started:.2f} s; "
          "telephone channel: 8 kHz G.711 mu-law")
    await stt.transcribe(telephone_channel(librivox_set()[0].pcm))  # warm-up, not measured
    with tempfile.TemporaryDirectory() as workdir:
        latencies = await run_set(stt, "librivox (human)", librivox_set())
        phrases = phone_set(Path(workdir))
        voices = ", ".join(PHONE_VOICES)
        latencies += await run_set(stt, f"phone phrases ({voices})", phrases)
        context = load_agent(DEMO_AGENT).speech_context
        latencies += await run_set(
            stt, f"phone phrases ({voices}), demo agent's speech context", phrases, context
        )
    print(f"\nall utterances latency ms: {percentiles(latencies)}")


if __name__ == "__main__":
    asyncio.run(main())
