"""How fast callwright answers real multi-turn task calls, 1, 5, 10 and 20 calls at once.

One `callwright serve` for the whole run, every agent on the demo database (reseeded before
each level), warmed up by one call per transport. Per level of N, N calls start 0.3 s apart
over real SIP from pjsua2 phones (bench/calls/sip_phone.py; 4 calls per phone process,
bench/latency/phones.py), cycling through the agents; each speaks its fixed task dialogue
(bench/latency/dialogues.yaml, or heldout.yaml with --split heldout) in a caller voice of
bench/calls/caller_voices.py, waits for the end of each agent turn, barges in once, and
hangs up. tshark captures the RTP on loopback; the wire gives voice-to-voice and barge-in
stop at the caller's side (bench/latency/wire_turns.py). With --transport sip,twilio,webrtc
each level then makes the same calls (dialogues, voices) over Twilio Media Streams (this
process posts the TwiML webhook and plays Twilio on the WebSocket: stream_caller.py) and from
browsers (aiortc peer connections here, signalled as talk.html does: browser_caller.py), each
timed on the caller's own clock the same way. The server's turn marks give the stages, /proc
the server's CPU and memory, its /metrics how late its event loop ran ("loop late": the
share of its 50 ms ticks later than a 20 ms frame / the bucket bound of the latest tick,
ms). Admission control's refusals (486/503) are counted, not failures.

Run: .venv/bin/python bench/task_latency.py [--levels 1,5,10,20] [--split tune|heldout]
     [--transport sip|twilio|webrtc|sip,twilio,webrtc] [--max-calls N] [--refuse 486|503] [-v]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.calls.caller_voices import speak, voice_for  # noqa: E402
from bench.calls.judge import reseed  # noqa: E402
from bench.calls.text_run import AGENTS_DIR  # noqa: E402
from bench.calls.voice_run import handoff_variables  # noqa: E402
from bench.latency.browser_caller import run_browsers, time_browsers  # noqa: E402
from bench.latency.caller import (  # noqa: E402
    BARGE_IN_AFTER_S,
    DIALOGUE_FILES,
    END_OF_TURN_SILENCE_S,
    NO_REPLY_S,
    CallLog,
    Dialogue,
    load_dialogues,
)
from bench.latency.phones import CALLS_PER_PHONE, STAGGER_S, PlannedCall, run_calls  # noqa: E402
from bench.latency.report import (  # noqa: E402
    STAGES,
    LoopLag,
    RssSampler,
    call_turns,
    cpu_s,
    loop_lag_buckets,
    machine,
    quantile_ms,
    rss_mib,
    stage_values,
)
from bench.latency.stream_caller import run_streams, time_streams  # noqa: E402
from bench.latency.table import STAGE_COLUMNS, LevelResult, goal_lines, level_name, render  # noqa: E402
from bench.latency.wire_turns import time_calls  # noqa: E402
from bench.wire import Capture, read_rtp  # noqa: E402
from callwright.store.database import open_database  # noqa: E402
from tests.support.server import RunningServer, start_server  # noqa: E402

RECORD_TIMEOUT_S = 30.0  # for the server to finish a call's record after the hang-up
MIN_CALLS_PER_LEVEL = 6  # a level of fewer calls at once runs rounds, till every agent called
SYNTH_WORKERS = 2
TRANSPORTS = {  # --transport name -> how its calls are carried (the conditions line)
    "sip": f"SIP (G.711, {CALLS_PER_PHONE} calls per pjsua2 phone process; timed by tshark)",
    "twilio": "Twilio Media Streams (mu-law, a WebSocket per call, all from this process, "
    "marks echoed at a simulated playout; timed on its clock)",
    "webrtc": "WebRTC from browsers (Opus, an aiortc peer connection per call from this process;"
    " timed on its clock, after aiortc's decoder and untuned 4-packet (~80 ms) jitter buffer)",
}
STAGE_SHORT = ("eot", "stt", "stt_after_eot", "agent", "synth", "send", "total")  # -v, STAGES


def plan(levels: list[int], dialogues: list[Dialogue]) -> dict[int, list[list[PlannedCall]]]:
    """Each level's rounds of calls, cycling through the dialogues, their lines synthesized
    (each voice and line once); call k of every level sounds the same. Clean lines: with line
    noise every caller packet would be voiced, and the wire would not show where the caller's
    words end."""
    cast = {k: (dialogues[k % len(dialogues)], dataclasses.replace(
        voice_for(f"{dialogues[k % len(dialogues)].agent}-{k}"), snr_db=None, seed=0))
        for k in range(max(level * rounds(level) for level in levels))}  # fmt: skip
    wanted = sorted({(voice, line) for dialogue, voice in cast.values()
                     for line in dialogue.lines}, key=repr)  # fmt: skip
    with ThreadPoolExecutor(SYNTH_WORKERS) as pool:
        speech = dict(zip(wanted, pool.map(lambda item: speak(item[1], item[0]), wanted),
                          strict=True))  # fmt: skip
    calls = [PlannedCall(k, dialogue, voice, {line: speech[(voice, line)]
                                              for line in dialogue.lines})
             for k, (dialogue, voice) in cast.items()]  # fmt: skip
    return {level: [calls[r * level : (r + 1) * level] for r in range(rounds(level))]
            for level in levels}  # fmt: skip


def rounds(level: int) -> int:
    """Rounds of `level` calls at once a level runs (enough calls to reach every agent)."""
    return -(-MIN_CALLS_PER_LEVEL // level)


async def run_level(
    rounds_of_calls: list[list[PlannedCall]], server: RunningServer, workdir: Path,
    reseed_all: Callable[[], None], transport: str = "sip",
) -> LevelResult:
    """Each round's calls at once (staggered) over `transport`, the records reseeded before
    each round; measured on the wire (SIP) or the stream caller's clock, and from the server."""
    pid = server.process.pid
    level = len(rounds_of_calls[0])
    sip = transport == "sip"
    capture = await asyncio.to_thread(
        Capture, workdir / f"level{level}.pcap", f"udp and not port {server.sip_port}"
    ) if sip else None  # fmt: skip
    rss_before, cpu_before, started = rss_mib(pid), cpu_s(pid), time.monotonic()
    phones_before = _callers_cpu_s(sip)
    loop_before = await asyncio.to_thread(loop_lag_buckets, server.api)
    sampler = RssSampler(pid)
    sampler.start()
    try:
        logs: list[CallLog] = []
        for calls in rounds_of_calls:
            await asyncio.to_thread(reseed_all)
            logs += await (
                run_calls(calls, f"127.0.0.1:{server.sip_port}", workdir) if sip
                else run_streams(calls, server.api) if transport == "twilio"
                else run_browsers(calls, server.api, server.workdir / "var"))  # fmt: skip
        wall_s, cpu_used_s = time.monotonic() - started, cpu_s(pid) - cpu_before
        phones_cpu_s = _callers_cpu_s(sip) - phones_before
        loop_after = await asyncio.to_thread(loop_lag_buckets, server.api)
    finally:
        sampler.running = False
        if capture is not None:
            await asyncio.to_thread(capture.stop)
    ports = {log.rtp_port for log in logs if log.rtp_port}
    return LevelResult(
        calls=level,
        logs=logs,
        wire=time_calls(read_rtp(capture.path, ports), logs) if capture
        else time_streams(logs) if transport == "twilio" else time_browsers(logs),
        transport=transport,
        stages=await asyncio.to_thread(_stages, server.api, logs),
        cpu_percent=100 * cpu_used_s / wall_s,
        phones_cpu_percent=100 * phones_cpu_s / wall_s,
        mib_per_call=max(sampler.peak - rss_before, 0.0) / level,
        loop_lag=LoopLag.between(loop_before, loop_after),
    )


def _callers_cpu_s(sip: bool) -> float:
    """CPU seconds of the callers: over SIP this process's finished children, the phone
    processes and tshark (the server still runs, so it is not counted); over Twilio and
    WebRTC this process, whose event loop (and aiortc's codec threads) runs the callers."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN if sip else resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _stages(api: str, logs: list[CallLog]) -> dict[str, list[float]]:
    """Per stage of the table, its values over every turn of the answered calls in `logs`."""
    turns: list[dict] = []
    for log in logs:
        if log.answered():
            turns.extend(_finished_turns(api, log.call_id))
    return {stage: stage_values(turns, *STAGES[stage]) for stage in STAGE_COLUMNS.values()}


def _finished_turns(api: str, call_id: str) -> list[dict]:
    """The turns of `call_id` once the server has ended its record (or after the timeout)."""
    deadline = time.monotonic() + RECORD_TIMEOUT_S
    while time.monotonic() < deadline:
        response = httpx.get(f"{api}/api/calls/{call_id}")
        if response.status_code == 200 and response.json()["ended_at"] is not None:
            return response.json()["turns"]
        time.sleep(0.2)
    return call_turns(api, call_id)


def conditions(
    args: argparse.Namespace, dialogues: list[Dialogue], voices: set[str], transports: list[str]
) -> list[str]:
    """What the table was measured under."""
    lines_per_call = sorted({len(dialogue.lines) for dialogue in dialogues})
    admission = f"max {args.max_calls} calls" if args.max_calls else "the server's default"
    refuse = f", refused with {args.refuse}" if args.refuse else ""
    return [
        f"machine: {machine()}",
        f"dialogues ({args.split}): {', '.join(d.agent for d in dialogues)}; "
        f"{lines_per_call[0]}-"
        f"{lines_per_call[-1]} caller lines per call, one spoken over the agent "
        f"{BARGE_IN_AFTER_S:g} s into its reply",
        f"voices ({len(voices)}): {'; '.join(sorted(voices))}",
        f"conditions: on loopback over {' and '.join(TRANSPORTS[t] for t in transports)}"
        f" (the callers share the cores with the server), calls started {STAGGER_S:g} s apart,"
        f" agent turn over at {END_OF_TURN_SILENCE_S:g} s of silence, no reply after"
        f" {NO_REPLY_S:g} s; admission: {admission}{refuse}; one server, warmed up by one call"
        f" per transport, records reseeded per round; a level of fewer than"
        f" {MIN_CALLS_PER_LEVEL} calls runs rounds until that many calls",
    ]


def problem_lines(results: list[LevelResult]) -> list[str]:
    """Calls that broke, lines the wire lost, and the capture-clock check."""
    lines = []
    for result in results:
        wire = result.wire
        lags = quantile_ms(wire.onset_lags, 0.5)
        lines.append(
            f"{level_name(result, results)}: {wire.talked_over} lines ended over the agent, "
            f"{wire.missing} not on the wire, {wire.barge_ins_missed} barge-ins after the agent "
            f"had stopped; line queued -> on the wire p50 "
            f"{'-' if lags is None else f'{lags:.0f}'} ms"
        )
        lines.extend(f"   {log.agent} {log.call_id}: {log.problem}"
                     for log in result.logs if log.problem)
    return lines


def turn_lines(api: str, results: list[LevelResult]) -> list[str]:
    """Every answered call: its lines with voice-to-voice on the wire, then the turns the
    server heard with their stages (ms)."""
    lines = []
    for result in results:
        for log in result.logs:
            if log.refused or not log.call_id:
                continue
            lines.append(f"{level_name(result, results).strip()}, {log.agent} {log.call_id} "
                         f"({log.voice})")
            for phrase in log.phrases:
                wire = "-" if phrase.wire_reply_s is None else f"{phrase.wire_reply_s * 1000:.0f}"
                lines.append(f"  said  {phrase.text[:50]!r:52} wire={wire}")
            for turn in call_turns(api, log.call_id):
                stages = " ".join(
                    f"{short}={value[0] * 1000:.0f}"
                    for short, marks in zip(STAGE_SHORT, STAGES.values(), strict=True)
                    if (value := stage_values([turn], *marks)))  # fmt: skip
                lines.append(f"  heard {turn['caller_text'][:50]!r:52} {stages}")
    return lines


async def run(args: argparse.Namespace) -> None:
    levels = [int(level) for level in args.levels.split(",")]
    transports = args.transport.split(",")
    dialogues = load_dialogues(DIALOGUE_FILES[args.split])
    print(f"synthesizing caller lines for {max(levels)} calls...", file=sys.stderr, flush=True)
    plans = await asyncio.to_thread(plan, levels, dialogues)
    env = {name: "" for name in handoff_variables()}
    if args.max_calls:
        env["CALLWRIGHT_MAX_CALLS"] = str(args.max_calls)
    if args.refuse:
        env["CALLWRIGHT_REFUSE_WITH"] = str(args.refuse)
    workdir = Path(tempfile.mkdtemp(prefix="callwright-task-latency-"))
    print(f"starting callwright serve in {workdir}...", file=sys.stderr, flush=True)
    server = await asyncio.to_thread(start_server, workdir / "server", AGENTS_DIR, env)
    try:
        database = open_database(f"sqlite:///{workdir}/server/callwright.db")

        def reseed_all() -> None:
            for agent in sorted({d.agent for d in dialogues}):
                reseed(database, AGENTS_DIR, agent)

        results = []
        for transport in transports:
            print(f"warm-up call over {transport} (not measured)...", file=sys.stderr, flush=True)
            await run_level([plans[levels[0]][0][:1]], server, workdir, reseed_all, transport)
        for level in levels:
            for transport in transports:
                print(f"level: {level} calls at once over {transport}, {rounds(level)} round(s)...",
                      file=sys.stderr, flush=True)  # fmt: skip
                results.append(await run_level(plans[level], server, workdir, reseed_all,
                                               transport))  # fmt: skip
        voices = {call.voice.describe() for rounds_of_calls in plans.values()
                  for calls in rounds_of_calls for call in calls}
        report = [*conditions(args, dialogues, voices, transports), "", *render(results), "",
                  *goal_lines(results), "", *problem_lines(results)]
        if args.verbose:
            report += ["", *await asyncio.to_thread(turn_lines, server.api, results)]
        print("\n".join(report), flush=True)
        database.dispose()
    finally:
        await asyncio.to_thread(server.stop)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="1,5,10,20", help="calls at once, comma-separated")
    parser.add_argument("--split", choices=sorted(DIALOGUE_FILES), default="tune",
                        help="caller scripts: tune (dialogues.yaml) or heldout (never tuned on)")
    parser.add_argument("--max-calls", type=int, help="the server's admission limit")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="every call's lines: wire time, what the server heard, its stages")
    parser.add_argument("--refuse", type=int, choices=(486, 503),
                        help="the server's answer to a call over the limit")
    parser.add_argument("--transport", default="sip",
                        help="what carries the calls: sip, twilio, webrtc or a list (sip,webrtc)")
    args = parser.parse_args()
    if not set(args.transport.split(",")) <= set(TRANSPORTS):
        parser.error(f"--transport: a comma-separated list of {', '.join(TRANSPORTS)}")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
