"""Voice-to-voice and barge-in latency, measured at the caller's side of the wire.

Starts `callwright serve` with the demo agent, captures loopback RTP with tshark,
and calls it with baresip (a real SIP phone) speaking a script of varied
questions (espeak-ng voice) with pauses long enough for each answer, plus
interruptions spoken over the agent. From the capture's packet timestamps:

- voice-to-voice: last voiced caller packet of a question -> first voiced agent
  packet after it;
- barge-in: first voiced caller packet of an interruption -> last voiced agent
  packet before the agent falls silent.

Then prints the per-stage breakdown from callwright's own turn marks, and the
serving process's memory idle, during one call, and per additional call.

Run: .venv/bin/python bench/voice_latency.py [--questions N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.latency.report import (  # noqa: E402
    RssSampler,
    machine,
    percentiles,
    rss_mib,
    stage_breakdown,
)
from bench.wire import Capture, WirePacket, read_rtp  # noqa: E402
from callwright.audio.frames import SAMPLE_RATE_HZ  # noqa: E402
from callwright.audio.wav import read_wav, write_wav  # noqa: E402
from tests.support.baresip import call_with_baresip  # noqa: E402
from tests.support.server import start_server  # noqa: E402
from tests.support.voices import speak, voiced_span  # noqa: E402

CALLER_RTP_PORTS = range(41000, 41999)
ANSWER_GAP_S = 9.0  # silence after a question: room for the whole answer
BARGE_AFTER_S = 2.2  # an interruption starts this long after its question ends

QUESTIONS = [
    "What are your opening hours?",
    "Where are you located?",
    "How much is a haircut?",
    "Are you open on Sunday?",
    "Is there parking nearby?",
    "Do you take credit cards?",
    "How do I book an appointment?",
    "What time do you close on Saturday?",
    "How much does hair colouring cost?",
    "Do you do beard trims?",
    "What is your cancellation policy?",
    "What's your address?",
    "When do you open tomorrow?",
    "Can I pay with cash?",
    "What services do you offer?",
    "How much is a kids haircut?",
    "Where can I park my car?",
    "Are you open late on Thursdays?",
    "Do I need an appointment or can I walk in?",
    "What happens if I cancel late?",
    "How much for a beard trim?",
    "Do you sell gift cards?",
]
INTERRUPTIONS = [
    ("What services do you offer?", "Sorry, where are you located?"),
    ("What are your opening hours?", "Actually, how much is a haircut?"),
    ("What services do you offer?", "Wait, do you take credit cards?"),
    ("What is your cancellation policy?", "Hold on, is there parking?"),
    ("How do I book an appointment?", "Sorry, what's your address?"),
]


def build_script(workdir: Path, questions: int) -> tuple[Path, list[dict]]:
    """The caller's WAV and, per phrase, its voiced span and role."""
    pieces: list[np.ndarray] = [np.zeros(int(4.0 * SAMPLE_RATE_HZ), np.int16)]  # greeting
    phrases: list[dict] = []
    cursor = len(pieces[0])

    def add(text: str, role: str, gap_s: float) -> None:
        nonlocal cursor
        pcm, _ = read_wav(speak(text, workdir / f"p{len(phrases)}.wav"))
        first, end = voiced_span(pcm)
        voiced = pcm[first:end]
        phrases.append({
            "text": text,
            "role": role,
            "start_s": cursor / SAMPLE_RATE_HZ,
            "end_s": (cursor + len(voiced)) / SAMPLE_RATE_HZ,
        })
        pieces.append(voiced)
        pieces.append(np.zeros(int(gap_s * SAMPLE_RATE_HZ), np.int16))
        cursor += len(voiced) + int(gap_s * SAMPLE_RATE_HZ)

    for text in (QUESTIONS * 2)[:questions]:
        add(text, "question", ANSWER_GAP_S)
    for question, interruption in INTERRUPTIONS:
        add(question, "question", BARGE_AFTER_S)
        add(interruption, "interruption", ANSWER_GAP_S)
    add("Thanks, goodbye.", "question", 4.0)
    path = workdir / "caller.wav"
    write_wav(path, np.concatenate(pieces), SAMPLE_RATE_HZ)
    return path, phrases


def analyse(packets: list[WirePacket], phrases: list[dict]) -> tuple[list[float], list[float]]:
    caller = [p for p in packets if p.from_caller]
    agent = [p for p in packets if not p.from_caller]
    voiced_caller = [p.at for p in caller if p.voiced]
    voiced_agent = [p.at for p in agent if p.voiced]
    origin = caller[0].at  # the phone starts its file with its first packet
    # align the script to the wire on the first voiced caller packet
    origin = voiced_caller[0] - phrases[0]["start_s"] if voiced_caller else origin
    replies, barge_ins = [], []
    for phrase in phrases:
        lo, hi = origin + phrase["start_s"] - 0.15, origin + phrase["end_s"] + 0.3
        own = [t for t in voiced_caller if lo <= t <= hi]
        if not own:
            continue
        speech_end = own[-1] + 0.02
        after = [t for t in voiced_agent if speech_end < t < speech_end + 4.0]
        if after:
            replies.append(after[0] - speech_end)
        if phrase["role"] == "interruption":
            onset = own[0]
            talking = [t for t in voiced_agent if onset - 0.1 <= t <= onset + 2.0]
            if not talking or talking[0] > onset:
                continue  # the agent was not speaking when the caller began
            stop = talking[0]
            for t in talking[1:]:
                if t - stop > 0.12:
                    break
                stop = t
            barge_ins.append(stop + 0.02 - onset)
    return replies, barge_ins


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=22)
    parser.add_argument("--concurrent", type=int, default=4,
                        help="extra simultaneous calls for the per-call memory figure")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="callwright-bench-"))
    script, phrases = build_script(workdir, args.questions)
    server = start_server(workdir / "server")
    sip_port, http_port = server.sip_port, server.http_port
    try:
        idle_rss = rss_mib(server.process.pid)
        capture = Capture(workdir / "rtp.pcap",
                          f"udp portrange {CALLER_RTP_PORTS.start}-{CALLER_RTP_PORTS.stop}")
        sampler = RssSampler(server.process.pid)
        sampler.start()
        call = call_with_baresip(f"sip:demo@127.0.0.1:{sip_port}", script, workdir / "phone",
                                 timeout_s=900)
        sampler.running = False
        capture.stop()
        one_call_rss = sampler.peak
        replies, barge_ins = analyse(read_rtp(capture.path, CALLER_RTP_PORTS), phrases)
        breakdown = stage_breakdown(http_port)
        extra_rss = concurrent_calls_rss(server.process.pid, sip_port, workdir, args.concurrent)
    finally:
        server.stop()
    print(f"machine: {machine()}")
    print(f"call: {len(phrases)} caller phrases, phone exit code {call.returncode}")
    print(percentiles("voice-to-voice (wire)", replies))
    print(percentiles("barge-in stop (wire)", barge_ins))
    print("per-stage breakdown from turn marks:")
    for line in breakdown:
        print("  " + line)
    print(f"memory: idle with engines loaded {idle_rss:.0f} MiB; peak during one call "
          f"{one_call_rss:.0f} MiB; {args.concurrent} simultaneous calls: "
          f"{(extra_rss - idle_rss) / max(args.concurrent, 1):.1f} MiB per call")


def concurrent_calls_rss(pid: int, sip_port: int, workdir: Path, count: int) -> float:
    """Peak RSS while `count` short calls run at once."""
    short = workdir / "short.wav"
    pcm, _ = read_wav(speak("What are your opening hours?", workdir / "q.wav"))
    write_wav(short, np.concatenate([np.zeros(3 * SAMPLE_RATE_HZ, np.int16), pcm,
                                     np.zeros(8 * SAMPLE_RATE_HZ, np.int16)]), SAMPLE_RATE_HZ)
    sampler = RssSampler(pid)
    sampler.start()
    threads = [
        threading.Thread(target=call_with_baresip, args=(
            f"sip:demo@127.0.0.1:{sip_port}", short, workdir / f"phone{i}"),
            kwargs={"rtp_ports": f"{42000 + 20 * i}-{42018 + 20 * i}"})
        for i in range(count)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sampler.running = False
    return sampler.peak


if __name__ == "__main__":
    main()
