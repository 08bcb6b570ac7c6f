"""Agent evaluation: intent accuracy, entity accuracy and task success, per agent.

- Intent accuracy on held-out phrasings (bench/eval/<agent>.yaml, never in the agent
  file), counting out-of-scope requests as right only when no intent is guessed.
- Entity accuracy on the held-out speech-to-text style cases of tests/agent/entity_cases.py.
- Task success over scripted text conversations, each on a freshly seeded database with
  the real backends: a conversation succeeds when its task runs to its last step.
- Understanding time per utterance (intent matching plus every entity extractor).

Run: .venv/bin/python bench/agent_eval.py
"""

from __future__ import annotations

import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from callwright.actions.backends import AgentActions, built_in_registry  # noqa: E402
from callwright.actions.seed import seed_demo_data  # noqa: E402
from callwright.agent.conversation import CallerSaid  # noqa: E402
from callwright.agent.entities import extract  # noqa: E402
from callwright.agent.loader import load_agent  # noqa: E402
from callwright.store.database import open_database  # noqa: E402
from tests.agent.entity_cases import CASES, FRESH  # noqa: E402
from tests.agent.entity_cases import TODAY as ENTITY_TODAY  # noqa: E402

EVAL_DIR = ROOT / "bench" / "eval"
AGENTS_DIR = ROOT / "agents"
TODAY = date(2026, 11, 30)  # a Monday
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=ZoneInfo("UTC"))
ENTITY_KINDS = ("date", "time", "person_name", "phone_number", "number", "amount", "yes_no")


def intent_accuracy(agent, spec: dict) -> tuple[int, int, list[str]]:
    right, total, misses = 0, 0, []
    cases = [(phrase, name) for name, phrases in spec.get("intents", {}).items()
             for phrase in phrases]
    cases += [(phrase, None) for phrase in spec.get("out_of_scope", [])]
    for phrase, expected in cases:
        got = agent.matcher.understand(phrase).intent
        total += 1
        if got == expected:
            right += 1
        else:
            misses.append(f"{phrase!r}: expected {expected}, got {got}")
    return right, total, misses


async def task_success(name: str, conversations: list[dict]) -> tuple[int, list[str]]:
    succeeded, failures = 0, []
    for index, script in enumerate(conversations):
        with tempfile.TemporaryDirectory() as workdir:
            engine = open_database(f"sqlite:///{workdir}/eval.db")
            seed_demo_data(engine, AGENTS_DIR, today=TODAY)
            actions = AgentActions(built_in_registry(), engine, clock=lambda: NOW)
            agent = load_agent(AGENTS_DIR / f"{name}.yaml", actions)
            agent.today = lambda: TODAY
            conversation = agent.start_conversation(script.get("caller_id", ""))
            async for _ in conversation.greet():
                pass
            for line in script["lines"]:
                async for _ in conversation.respond(CallerSaid(line)):
                    pass
            completed = conversation.tasks.completed
            if script["expect_completed"] in completed:
                succeeded += 1
            else:
                failures.append(f"conversation {index + 1}: completed {completed}, "
                                f"state {conversation.tasks.state()['awaiting']}")
            engine.dispose()
    return succeeded, failures


def entity_accuracy() -> tuple[int, int]:
    right = total = 0
    for kind, text, expected, extra in [*CASES, *FRESH]:
        entity = extract(kind, text, today=ENTITY_TODAY, **extra)
        total += 1
        right += (entity.value if entity else None) == expected
    return right, total


def understanding_times(agent, phrases: list[str]) -> list[float]:
    times = []
    for phrase in phrases:
        started = time.perf_counter()
        agent.matcher.understand(phrase)
        for kind in ENTITY_KINDS:
            extract(kind, phrase, today=TODAY)
        times.append((time.perf_counter() - started) * 1000)
    return times


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in
                  Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    return f"{os.cpu_count()} cores, {model}, Python {platform.python_version()}"


async def main() -> None:
    print(f"machine: {machine()}")
    all_times: list[float] = []
    total_right = total_cases = total_tasks = total_success = 0
    for path in sorted(EVAL_DIR.glob("*.yaml")):
        name = path.stem
        spec = yaml.safe_load(path.read_text())
        agent = load_agent(AGENTS_DIR / f"{name}.yaml")
        right, total, misses = intent_accuracy(agent, spec)
        conversations = spec.get("conversations", [])
        succeeded, failures = await task_success(name, conversations)
        phrases = [p for ps in spec.get("intents", {}).values() for p in ps]
        all_times += understanding_times(agent, phrases)
        total_right, total_cases = total_right + right, total_cases + total
        total_tasks, total_success = total_tasks + len(conversations), total_success + succeeded
        tasks = f"{succeeded}/{len(conversations)}" if conversations else "n/a"
        print(f"{name:<9} intent accuracy {right}/{total} ({right / total:.0%})  "
              f"task success {tasks}")
        for line in misses + failures:
            print(f"    miss: {line}")
    right, total = entity_accuracy()
    print(f"all agents: intent accuracy {total_right}/{total_cases} "
          f"({total_right / total_cases:.0%}), task success {total_success}/{total_tasks}")
    print(f"entity accuracy (held-out STT-style cases): {right}/{total} ({right / total:.1%})")
    ordered = sorted(all_times)
    print(f"understanding per utterance (intent + {len(ENTITY_KINDS)} extractors): "
          f"p50 {statistics.median(ordered):.2f} ms, "
          f"p95 {ordered[round(0.95 * (len(ordered) - 1))]:.2f} ms, max {ordered[-1]:.2f} ms")


if __name__ == "__main__":
    asyncio.run(main())
