"""Simulated-call evaluation: scripted callers against every agent, judged on the records.

Each scenario in bench/scenarios/{tune,heldout}/ is a caller written without looking at the
agent files (several phrasings per task, corrections, information out of order, several
items answered at once, side questions, keypad use, mumbling, asking for a person). A call
succeeds when the business's records end as the caller wanted and nothing else was written
(bench/calls/judge.py). `tune` is what the dialogue may be tuned on; `heldout` is only
measured: report the two apart.

Text (default): the caller's words pass through speech-to-text errors of a phone line
(`--line clean|phone|noisy`), on the real backends and a fresh database, in seconds.
Voice (`--voice`): real SIP calls to `callwright serve` from a pjsua2 phone, synthetic
voices that are not the agent's (espeak-ng, flite), telephone band and line noise.

Run: .venv/bin/python bench/call_eval.py [--split heldout] [--voice] [--agent dental] [-v]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.calls.judge import Verdict  # noqa: E402
from bench.calls.mishear import CLEAN, NOISY_LINE, PHONE_LINE  # noqa: E402
from bench.calls.scenario import SPLITS, Scenario, load_scenarios  # noqa: E402
from bench.calls.text_run import TextResult, load_agents, run_text_call  # noqa: E402
from callwright.store.database import open_database  # noqa: E402

LINES = {"clean": CLEAN, "phone": PHONE_LINE, "noisy": NOISY_LINE}
FAILURE_KINDS = ("contrary", "silent_turns", "repeated_prompts", "loops", "not_understood")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=[*SPLITS, "all"], default="all")
    parser.add_argument("--agent", action="append", default=[], help="only these agents")
    parser.add_argument("--scenario", action="append", default=[], help="only these ids")
    parser.add_argument("--line", choices=sorted(LINES), default="phone")
    parser.add_argument("--voice", action="store_true", help="real SIP calls with audio")
    parser.add_argument("--concurrency", type=int, default=3, help="voice calls at once")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="print failed calls, and successful ones with a flaw")
    args = parser.parse_args()
    splits = SPLITS if args.split == "all" else (args.split,)
    scenarios = load_scenarios(splits, tuple(args.agent))
    if args.scenario:
        scenarios = [s for s in scenarios if s.id in args.scenario]
    if not scenarios:
        sys.exit("no scenarios match")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}")
    if args.voice:
        from bench.calls.voice_run import run_voice_calls

        by_id = {s.id: s for s in scenarios}

        def voice_report(results: list) -> None:
            print(f"conditions: real SIP (pjsua2, G.711), {args.concurrency} calls at once, "
                  "voices and noise per scenario (bench/calls/caller_voices.py)")
            report([(by_id[r.scenario_id], r.verdict, r.transcript) for r in results], [],
                   args.verbose)
            sys.stdout.flush()

        asyncio.run(run_voice_calls(scenarios, args.concurrency, voice_report))
        # pjsua2's SWIG objects crash the interpreter's own clean-up after the library was
        # destroyed; everything is printed and the phone is stopped: leave without it
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    results = asyncio.run(_run_text(scenarios, LINES[args.line]))
    print(f"conditions: text, speech-to-text errors of a {args.line} line injected")
    report(
        [(r.scenario, r.verdict, r.transcript) for r in results],
        [ms for r in results for ms in r.understanding_ms],
        args.verbose,
    )


async def _run_text(scenarios: list[Scenario], profile) -> list[TextResult]:
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_database(f"sqlite:///{tmp}/eval.db")
        agents = load_agents(engine, {s.agent for s in scenarios})
        results = [await run_text_call(s, agents[s.agent], engine, profile) for s in scenarios]
        engine.dispose()
    return results


def report(
    results: list[tuple[Scenario, Verdict, list[tuple[str, str]]]],
    understanding_ms: list[float],
    verbose: bool,
) -> None:
    """Task success per split and agent, turns per call, failure kinds, failed calls."""
    for split in SPLITS:
        rows = [(s, v, t) for s, v, t in results if s.split == split]
        if not rows:
            continue
        print(f"\n== {split}: {_share(sum(v.success for _, v, _ in rows), len(rows))} succeeded")
        per_agent: dict[str, list[Verdict]] = defaultdict(list)
        for scenario, verdict, _ in rows:
            per_agent[scenario.agent].append(verdict)
        for agent, verdicts in sorted(per_agent.items()):
            turns = [v.turns for v in verdicts]
            print(f"  {agent:<9} {_share(sum(v.success for v in verdicts), len(verdicts)):>14}"
                  f"   caller turns p50 {statistics.median(turns):.0f} max {max(turns)}")
        kinds = Counter()
        for _, verdict, _ in rows:
            kinds["contrary"] += len(verdict.contrary)
            for kind in FAILURE_KINDS[1:]:
                kinds[kind] += getattr(verdict, kind)
        print("  failure kinds: " + ", ".join(f"{k} {kinds[k]}" for k in FAILURE_KINDS))
        tags = Counter(k for s, v, _ in rows for k in s.kinds if not v.success)
        if tags:
            print("  failed calls by scenario kind: "
                  + ", ".join(f"{k} {n}" for k, n in tags.most_common()))
        if verbose:
            for scenario, verdict, transcript in rows:
                flawed = verdict.contrary or verdict.repeated_prompts or verdict.loops
                if not verdict.success or flawed:  # a success with a flaw is printed too
                    _print_failure(scenario, verdict, transcript)
    if understanding_ms:
        print("\nagent time per caller turn (text, backends included): "
              + _percentiles(understanding_ms))


def _print_failure(scenario: Scenario, verdict: Verdict, transcript: list) -> None:
    flaws = [f"{kind} {getattr(verdict, kind)}" for kind in ("repeated_prompts", "loops")
             if getattr(verdict, kind)]
    outcome = "" if verdict.success else "FAILED "
    print(f"\n  -- {outcome}{scenario.id}: "
          f"{'; '.join(verdict.failures + verdict.contrary + flaws)}")
    for caller, agent in transcript:
        if caller:
            print(f"     caller: {caller}")
        print(f"     agent:  {agent}")


def _share(count: int, total: int) -> str:
    return f"{count}/{total} ({100 * count / total:.0f} %)"


def _percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms, max {ordered[-1]:.1f} ms"


if __name__ == "__main__":
    main()
