"""Hand-off latency on real SIP phones: how long a caller who asks for a person waits.

Starts `callwright serve` on a copy of agents/ (the demo and retail agents, transfers ringing
RING_S) with the people's phones set in the server's environment, as an operator would: the
demo front desk (warm transfer: callwright calls the person, briefs them while the caller
hears hold audio, then bridges the two) and retail customer care (blind transfer: a SIP REFER
sends the caller's phone to the person). Each person is a baresip phone on loopback that
answers at once. Then, one call after another, a baresip caller (espeak-ng voice) waits out
the greeting, asks for a person and stays on the line a while after being connected.

Each call is read back from the HTTP API, and the figures come from callwright's own turn
marks and call events (seconds since call start, on the call's monotonic clock):

- request to reply: caller's speech_end of the turn that asked -> first_audio_sent of the
  agent's reply to it;
- request to connected: that speech_end -> the "handoff_result" event with connected true;
- dialing + briefing (warm only): the "handoff" event -> that "handoff_result".

A call whose hand-off did not connect is a failure: counted, and its reason printed.

Run: .venv/bin/python bench/handoff_latency.py [--calls N]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.latency.report import machine, percentiles  # noqa: E402
from callwright.audio.frames import SAMPLE_RATE_HZ  # noqa: E402
from callwright.audio.wav import write_wav  # noqa: E402
from tests.support.baresip import answering_phone, call_with_baresip  # noqa: E402
from tests.support.server import RunningServer, free_port, start_server  # noqa: E402
from tests.support.voices import spoken_script  # noqa: E402

RING_S = 10  # how long a transfer rings before it counts as unanswered
PERSON_ON_LINE_S = 120  # the person's phone quits after this (it is stopped sooner)
CALL_TIMEOUT_S = 120  # the most one caller's phone may take, beyond its own stop
RECORD_TIMEOUT_S = 30.0  # how long the call may take to show as ended in the API
PHONE_STOP_TIMEOUT_S = 10.0
API_TIMEOUT_S = 5.0
POLL_S = 0.5


@dataclass(frozen=True, slots=True)
class Mode:
    name: str  # "warm" or "blind"
    agent: str
    variable: str  # the environment variable holding the person's SIP URI
    user: str  # SIP user of the person's phone
    ask: str
    greeting_s: float  # the caller's silence while the greeting plays
    after_ask_s: float  # silence after asking: reply, transfer, then time with the person


MODES = (
    Mode("warm", "demo", "DEMO_FRONT_DESK", "desk",
         "Can I talk to a real person please?", 8.0, 32.0),
    # the caller's phone replays its whole WAV on the call to the person, and quits a fixed
    # time after it started: what follows the transfer is the time spent with the person
    Mode("blind", "retail", "RETAIL_CUSTOMER_CARE", "care",
         "I need to speak to a representative please.", 9.0, 16.0),
)


@dataclass(slots=True)
class Handoff:
    """One call's figures (seconds); `failure` says why it did not connect, if it did not."""

    reply_s: float | None = None
    connected_s: float | None = None
    dialing_s: float | None = None
    failure: str | None = None


def agents_for(directory: Path) -> Path:
    """The modes' agent files (and demo data), their transfers ringing RING_S."""
    directory.mkdir(parents=True)
    for mode in MODES:
        text = (ROOT / "agents" / f"{mode.agent}.yaml").read_text()
        text = text.replace("\nhandoff:\n", f"\nhandoff:\n  ring_s: {RING_S}\n", 1)
        (directory / f"{mode.agent}.yaml").write_text(text)
        data = ROOT / "agents" / f"{mode.agent}.data.yaml"
        if data.exists():
            shutil.copy(data, directory / data.name)
    return directory


def api_get(server: RunningServer, path: str) -> list | dict:
    response = httpx.get(f"{server.api}{path}", timeout=API_TIMEOUT_S)
    response.raise_for_status()
    return response.json()


def ended_call(server: RunningServer, agent: str, known: set[str]) -> dict | None:
    """The agent's new call, once the API shows it ended; None if it never does."""
    deadline = time.monotonic() + RECORD_TIMEOUT_S
    while time.monotonic() < deadline:
        for call in api_get(server, "/api/calls"):
            if call["agent"] == agent and call["id"] not in known and call["ended_at"]:
                return api_get(server, f"/api/calls/{call['id']}")
        time.sleep(POLL_S)
    return None


def stop_phone(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=PHONE_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def place_call(server: RunningServer, mode: Mode, port: int, workdir: Path) -> dict | None:
    """One call to `mode`'s agent with its person's phone listening; the call's record."""
    workdir.mkdir(parents=True)
    known = {call["id"] for call in api_get(server, "/api/calls")}
    silence = workdir / "person.wav"  # the phone hangs up when its WAV ends: make it last
    write_wav(silence, np.zeros(PERSON_ON_LINE_S * SAMPLE_RATE_HZ, np.int16), SAMPLE_RATE_HZ)
    caller = spoken_script(workdir, [mode.greeting_s, mode.ask, mode.after_ask_s])
    person = answering_phone(silence, workdir / "person", port=port,
                             seconds=PERSON_ON_LINE_S, user=mode.user)
    try:
        call_with_baresip(server.uri(mode.agent), caller, workdir / "caller",
                          timeout_s=CALL_TIMEOUT_S)
        return ended_call(server, mode.agent, known)
    finally:
        stop_phone(person.process)


def measure(record: dict | None) -> Handoff:
    if record is None:
        return Handoff(failure="the call never showed as ended in the API")
    events = record["events"]
    handoff = next((e for e in events if e["kind"] == "handoff"), None)
    result = next((e for e in events if e["kind"] == "handoff_result"), None)
    asked_by = handoff["at"] if handoff else float("inf")
    asked = [turn["marks"] for turn in record["turns"]
             if turn["marks"]["speech_end"] is not None
             and turn["marks"]["speech_end"] <= asked_by]
    figures = Handoff()
    if asked:
        marks = asked[-1]
        if marks["first_audio_sent"] is not None:
            figures.reply_s = marks["first_audio_sent"] - marks["speech_end"]
        if result and result["data"]["connected"]:
            figures.connected_s = result["at"] - marks["speech_end"]
    if handoff and result and result["data"]["connected"]:
        figures.dialing_s = result["at"] - handoff["at"]
    if handoff is None:
        figures.failure = f"no hand-off (outcome {record['outcome']})"
    elif result is None:
        figures.failure = f"no hand-off result (outcome {record['outcome']})"
    elif not result["data"]["connected"]:
        figures.failure = result["data"]["detail"]
    elif not asked:
        figures.failure = "connected, but no caller turn before the hand-off"
    return figures


def seconds_percentiles(name: str, values_s: list[float]) -> str:
    """percentiles() in seconds, for figures too long for milliseconds."""
    if not values_s:
        return f"{name:<28} n=0"
    ordered = sorted(values_s)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (f"{name:<28} n={len(ordered):<3} p50={np.median(ordered):6.2f} s   "
            f"p95={p95:6.2f} s   max={ordered[-1]:6.2f} s")


def report(mode: Mode, results: list[Handoff]) -> list[str]:
    failures = [r.failure for r in results if r.failure]
    how = "call, brief, bridge" if mode.name == "warm" else "SIP REFER"
    lines = [f"{mode.name} transfer ({mode.agent}, {how}): {len(results)} calls, "
             f"{len(results) - len(failures)} connected, {len(failures)} failed"]
    lines.append("  " + percentiles("request to reply", [
        r.reply_s for r in results if r.reply_s is not None]))
    lines.append("  " + seconds_percentiles("request to connected", [
        r.connected_s for r in results if r.connected_s is not None]))
    if mode.name == "warm":
        lines.append("  " + seconds_percentiles("dialing + briefing", [
            r.dialing_s for r in results if r.dialing_s is not None]))
    lines += [f"  failed: {failure}" for failure in failures]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3, help="calls per mode, one at a time")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="callwright-bench-"))
    ports = {mode.name: free_port() for mode in MODES}
    env = {mode.variable: f"sip:{mode.user}@127.0.0.1:{ports[mode.name]}" for mode in MODES}
    server = start_server(workdir / "server", agents_for(workdir / "agents"), env)
    results: dict[str, list[Handoff]] = {mode.name: [] for mode in MODES}
    try:
        for mode in MODES:
            for index in range(args.calls):
                record = place_call(server, mode, ports[mode.name],
                                    workdir / f"{mode.name}{index}")
                results[mode.name].append(measure(record))
    finally:
        server.stop()
    print(f"machine: {machine()}")
    for mode in MODES:
        for line in report(mode, results[mode.name]):
            print(line)
    if any(r.failure for mode_results in results.values() for r in mode_results):
        print(f"server log and phones' folders: {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
