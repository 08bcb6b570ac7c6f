"""The table of bench/task_latency.py: one row per level of calls at once, each beside the
1-call figures of the same run, and the goals checked against them; with calls over more than
one transport (SIP, Twilio Media Streams), a block of rows per transport, and each level's
figures against the first transport's."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from bench.latency.caller import CallLog
from bench.latency.report import LoopLag, quantile_ms
from bench.latency.wire_turns import WireTimes

# table column -> the stage of bench.latency.report.STAGES it shows
STAGE_COLUMNS = {
    "end of turn": "end-of-turn wait",
    "stt": "speech-to-text",
    "agent": "agent",
    "synth": "first audio synthesized",
}
GOALS_TEXT = ("goals: 1 call p50 <= 250 ms, p95 <= 400 ms; 10 calls p50 <= 300 ms, "
              "p95 <= 500 ms; barge-in p50 <= 100 ms")
# (calls at once, measure, quantile, bound in ms); barge-in on every level
GOALS = [(1, "voice-to-voice", 0.5, 250), (1, "voice-to-voice", 0.95, 400),
         (10, "voice-to-voice", 0.5, 300), (10, "voice-to-voice", 0.95, 500),
         (None, "barge-in stop", 0.5, 100)]
HEADER = ("calls  refused   turns  no reply   voice-to-voice ms     barge-in ms  "
          "end of turn ms  stt  agent  synth    cpu  callers  MiB/call  loop late  "
          "p50 vs 1 call")
RULE = "-" * len(HEADER)


@dataclass(slots=True)
class LevelResult:
    """One level: its calls, their wire times, stage marks and the server's load."""

    calls: int
    logs: list[CallLog]
    wire: WireTimes  # for Twilio, from the stream caller's own clock (stream_caller.py)
    transport: str = "sip"  # "sip", "twilio" or "webrtc": what carried the calls
    stages: dict[str, list[float]] = field(default_factory=dict)  # STAGES name -> seconds
    cpu_percent: float = 0.0  # of one core: 200 % is both of two
    phones_cpu_percent: float = 0.0  # the callers (phone processes and tshark, or the stream
    # callers' process), same cores
    mib_per_call: float = 0.0  # peak RSS during the level above the RSS before it, per call
    loop_lag: LoopLag = LoopLag(0.0, 0.0)  # the server's event loop during the level


def render(results: list[LevelResult]) -> list[str]:
    """The table's lines (a block per transport), then one line per level that has 1-call
    figures to compare, and per level over another transport, its figures against the
    first transport's."""
    lines = [HEADER, RULE]
    transports = list(dict.fromkeys(result.transport for result in results))
    compared = []
    for transport in transports:
        block = [result for result in results if result.transport == transport]
        single = next((result for result in block if result.calls == 1), None)
        if len(transports) > 1:
            lines.append(transport)
        lines.extend(_row(result, single) for result in block)
        if single is not None:
            compared.extend(_against(result, single, f"   {level_name(result, results)}, of 1 call")
                            for result in block if result.calls > 1)  # fmt: skip
    for result in results:
        first = next((base for base in results if base.transport == transports[0]
                      and base.calls == result.calls), None)  # fmt: skip
        if result.transport != transports[0] and first is not None:
            compared.append(_against(result, first, f"   {level_name(result, results)}, "
                                     f"of {first.transport}"))  # fmt: skip
    return lines + ([""] + compared if compared else [])


def level_name(result: LevelResult, results: list[LevelResult]) -> str:
    """ "5 calls" (right-aligned to 2 digits), "twilio  5 calls" where `results` span several
    transports."""
    name = f"{result.calls:>2} calls"
    several = len({other.transport for other in results}) > 1
    return f"{result.transport:<6} {name}" if several else name


def _row(result: LevelResult, single: LevelResult | None) -> str:
    """One level's row."""
    wire = result.wire
    refused = Counter(log.status for log in result.logs if log.refused)
    refusals = ", ".join(f"{n}x{status}" for status, n in sorted(refused.items())) or "0"
    return (
        f"{result.calls:>5}  {refusals:>7}  {wire.turns:>6}  {wire.unreplied:>8}  "
        f"{_ms(wire.replies, 0.5)}/{_ms(wire.replies, 0.95)}/{_ms(wire.replies, 1.0)}  "
        f"{_ms(wire.barge_ins, 0.5)}/{_ms(wire.barge_ins, 0.95)}  "
        f"{_ms(_stage(result, 'end of turn'), 0.5)}/"
        f"{_ms(_stage(result, 'end of turn'), 0.95)}  "
        f"{_ms(_stage(result, 'stt'), 0.5, 4)} {_ms(_stage(result, 'agent'), 0.5, 6)} "
        f"{_ms(_stage(result, 'synth'), 0.5, 6)}  {result.cpu_percent:4.0f} %  "
        f"{result.phones_cpu_percent:5.0f} %  {result.mib_per_call:8.1f}  "
        f"{result.loop_lag.late_percent:3.1f}%/{result.loop_lag.worst_bound_ms:<4.0f}  "
        f"{_ratio(result, single, 0.5):>13}"
    )


def goal_lines(results: list[LevelResult]) -> list[str]:
    """Each goal that a level of this run can be held to: met or missed."""
    lines = [GOALS_TEXT]
    for result in results:
        for calls, measure, q, bound_ms in GOALS:
            if calls not in (None, result.calls):
                continue
            values = result.wire.replies if measure == "voice-to-voice" else result.wire.barge_ins
            got = quantile_ms(values, q)
            verdict = "no data" if got is None else "met" if got <= bound_ms else "MISSED"
            label = "p50" if q == 0.5 else "p95"
            shown = "-" if got is None else f"{got:.0f}"
            lines.append(f"  {level_name(result, results)} {measure} {label} {shown} ms "
                         f"(goal <= {bound_ms}): {verdict}")
    return lines


def _against(result: LevelResult, other: LevelResult, label: str) -> str:
    """`result`'s medians as multiples of `other`'s (x1.34), after `label`."""
    parts = []
    for name, mine, base in [
        ("voice-to-voice p50", result.wire.replies, other.wire.replies),
        ("p95", result.wire.replies, other.wire.replies),
        ("barge-in p50", result.wire.barge_ins, other.wire.barge_ins),
        ("end of turn p50", _stage(result, "end of turn"), _stage(other, "end of turn")),
        ("agent p50", _stage(result, "agent"), _stage(other, "agent")),
    ]:
        q = 0.95 if name == "p95" else 0.5
        got, one = quantile_ms(mine, q), quantile_ms(base, q)
        ratio = f"x{got / one:.2f}" if got is not None and one else "-"
        parts.append(f"{name} {ratio}")
    return f"{label}: " + ", ".join(parts)


def _ratio(result: LevelResult, single: LevelResult | None, q: float) -> str:
    """`result`'s voice-to-voice quantile `q` against the 1-call level's ("x1.34")."""
    if single is None:
        return "-"
    got, one = quantile_ms(result.wire.replies, q), quantile_ms(single.wire.replies, q)
    return f"x{got / one:.2f}" if got is not None and one else "-"


def _stage(result: LevelResult, column: str) -> list[float]:
    return result.stages.get(STAGE_COLUMNS[column], [])


def _ms(values_s: list[float], q: float, width: int = 5) -> str:
    """The `q` quantile in whole ms (1.0: the maximum), right-aligned; "-" without values."""
    if not values_s:
        return "-".rjust(width)
    value = max(values_s) * 1000 if q == 1.0 else quantile_ms(values_s, q)
    return f"{value:{width}.0f}"
