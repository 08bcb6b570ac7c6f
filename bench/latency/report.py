"""What the latency benchmarks report besides the wire: percentiles, the machine, the serving
process's memory and CPU, and the stages of a turn from callwright's own turn marks."""

from __future__ import annotations

import math
import os
import platform
import statistics
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

RSS_SAMPLE_S = 0.2
LOOP_LATE_S = 0.02  # an event loop this late has delayed a 20 ms frame
CLOCK_TICKS_PER_S = os.sysconf("SC_CLK_TCK")
# stage name -> (earlier mark, later mark), both seconds since the call started
STAGES = {
    "end-of-turn wait": ("speech_end", "end_of_turn"),
    "speech-to-text": ("transcript_started", "transcript_ready"),
    "transcript after end of turn": ("end_of_turn", "transcript_ready"),
    "agent": ("transcript_ready", "first_reply_text"),
    "first audio synthesized": ("first_reply_text", "first_audio_synth"),
    "first packet sent": ("first_audio_synth", "first_audio_sent"),
    "total (callwright marks)": ("speech_end", "first_audio_sent"),
}


def quantile_ms(values_s: list[float], q: float) -> float | None:
    """The `q` quantile (nearest rank; 0.5 is the median) of `values_s`, in ms."""
    if not values_s:
        return None
    if q == 0.5:
        return statistics.median(values_s) * 1000
    ordered = sorted(values_s)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


def percentiles(name: str, values_s: list[float]) -> str:
    """One line: `name`, count, p50, p95 and max of `values_s`."""
    if not values_s:
        return f"{name:<28} n=0"
    return (f"{name:<28} n={len(values_s):<3} p50={quantile_ms(values_s, 0.5):6.0f} ms  "
            f"p95={quantile_ms(values_s, 0.95):6.0f} ms  max={max(values_s) * 1000:6.0f} ms")


def rss_mib(pid: int) -> float:
    """Resident memory of process `pid`."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_s(pid: int) -> float:
    """CPU time (user + system, all threads) process `pid` has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS_PER_S  # utime, stime


class RssSampler(threading.Thread):
    """The peak resident memory of a process while it runs (until `running` is cleared)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0.0, True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, rss_mib(self.pid))
            time.sleep(RSS_SAMPLE_S)


def loop_lag_buckets(api: str) -> dict[float, float]:
    """The server's event-loop lag histogram: bucket bound (s, inf last) -> ticks at most that
    late, counted since the server started."""
    buckets = {}
    for line in httpx.get(f"{api}/metrics").text.splitlines():
        if line.startswith("callwright_event_loop_lag_seconds_bucket{"):
            bound = line.split('le="', 1)[1].split('"', 1)[0]
            buckets[float(bound)] = float(line.rsplit(" ", 1)[1])
    return buckets


@dataclass(frozen=True, slots=True)
class LoopLag:
    """The event loop's lateness over a stretch of time, from two histogram readings."""

    late_percent: float  # of the ticks, those later than LOOP_LATE_S (a 20 ms frame's time)
    worst_bound_ms: float  # the smallest bucket bound that holds the latest tick

    @classmethod
    def between(cls, before: dict[float, float], after: dict[float, float]) -> LoopLag:
        counts = {bound: after[bound] - before.get(bound, 0.0) for bound in sorted(after)}
        total = counts.get(math.inf, 0.0)
        if not total:
            return cls(0.0, 0.0)
        late = total - counts.get(LOOP_LATE_S, total)
        worst = next(bound for bound, count in counts.items() if count == total)
        return cls(100 * late / total, worst * 1000)


def machine() -> str:
    """Cores, CPU model and Python version of this machine."""
    model = next((line.split(":", 1)[1].strip() for line in
                  Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    return f"{os.cpu_count()} cores, {model}, Python {platform.python_version()}"


def call_turns(api: str, call_id: str) -> list[dict]:
    """The turns (with their marks) of call `call_id` from the server at `api`."""
    return httpx.get(f"{api}/api/calls/{call_id}").json()["turns"]


def stage_values(turns: list[dict], earlier: str, later: str) -> list[float]:
    """Per turn that has both marks: `later` - `earlier`, in seconds."""
    return [turn["marks"][later] - turn["marks"][earlier] for turn in turns
            if turn["marks"].get(earlier) is not None and turn["marks"].get(later) is not None]


def stage_breakdown(http_port: int) -> list[str]:
    """Percentile lines per stage of the latest call on the server at `http_port`."""
    api = f"http://127.0.0.1:{http_port}"
    turns = call_turns(api, httpx.get(f"{api}/api/calls").json()[0]["id"])
    return [percentiles(name, stage_values(turns, *marks)) for name, marks in STAGES.items()]
