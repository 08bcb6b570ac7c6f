"""Agent evaluation: intent accuracy, entity accuracy and task success, per agent.

- Intent accuracy on held-out phrasings (bench/eval/<agent>.yaml, never in the agent
  file), counting out-of-scope requests as right only when no intent is guessed.
- Entity accuracy on the held-out speech-to-text style cases of tests/agent/entity_cases.py.
- Task success over scripted text conversations, each on a freshly seeded database with
  the real backends: a conversation succeeds when its task runs to its last step.
- Understanding time per utterance (intent matching plus every entity extractor).
- Escalation cue accuracy (asked for a human, frustration, emergency) on held-out caller
  phrasings written here, never in tests/agent/escalation_cases.py, and time per utterance.

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
from callwright.agent.spec.loader import load_agent  # noqa: E402
from callwright.agent.understanding.entities import extract  # noqa: E402
from callwright.agent.understanding.escalation import Cue, cues  # noqa: E402
from callwright.store.database import open_database  # noqa: E402
from tests.agent.entity_cases import CASES, FRESH  # noqa: E402
from tests.agent.entity_cases import TODAY as ENTITY_TODAY  # noqa: E402

EVAL_DIR = ROOT / "bench" / "eval"
AGENTS_DIR = ROOT / "agents"
TODAY = date(2026, 11, 30)  # a Monday
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=ZoneInfo("UTC"))
ENTITY_KINDS = ("date", "time", "person_name", "phone_number", "number", "amount", "yes_no")
HUMAN, ANGER, EMERGENCY = Cue.HUMAN, Cue.ANGER, Cue.EMERGENCY
ESCALATION_CASES: list[tuple[str, set[Cue]]] = [
    # held out, written as callers say them. First run: exact 43/57 (asked_for_human 54,
    # frustration 53, emergency 50); the general gaps it showed were fixed in the escalation
    # module (with other wordings in tests/agent/escalation_cases.py), so ESCALATION_FRESH
    # holds phrasings written after that fix and not tuned against.
    ("yeah hi can you get me over to someone in billing", {HUMAN}),
    ("I'd really prefer to deal with an actual human if that's possible", {HUMAN}),
    ("i just want to speak to somebody please", {HUMAN}),
    ("could I be put through to the office manager", {HUMAN}),
    ("hey um is there like a real person there", {HUMAN}),
    ("press zero operator", {HUMAN}),
    ("I need to speak with the pharmacist about a side effect", {HUMAN}),
    ("live person", {HUMAN}),
    ("Can I speak to someone in Spanish?", {HUMAN}),
    ("uh yeah transfer please", {HUMAN}),
    ("I'd like to talk to somebody who actually knows what they're doing", {HUMAN, ANGER}),
    ("this is a joke, put a manager on the phone", {HUMAN, ANGER}),
    ("Can I have someone from your team call me?", set()),
    ("no I don't need anyone, I'm all set", set()),
    ("I don't wanna talk to a person, I just need my balance", set()),
    ("is this an automated system", set()),
    ("My sales rep Jessica said she'd email me the quote", set()),
    ("I'll call back and speak to someone later", set()),
    ("what time does the front desk open", set()),
    ("Hi, this is Sarah the office manager at Brightsmile, returning your call", set()),
    ("are you deaf", {ANGER}),
    ("Oh come on, that's the third time I've said it", {ANGER}),
    ("no no no that's not it at all, you keep getting it wrong", {ANGER}),
    ("this stupid thing keeps hanging up on me", {ANGER}),
    ("I've been on hold for forty minutes this is absurd", {ANGER}),
    ("Jesus, what is wrong with this thing", {ANGER}),
    ("screw this I'm calling someone else", {ANGER}),
    ("goddamn it not again", {ANGER}),
    ("you people are impossible", {ANGER}),
    ("Oh that's great thanks so much", set()),
    ("I'm a little confused about the bill", set()),
    ("I need to book a class for my son, he's at Shelton Elementary", set()),
    ("Could you assess whether my insurance covers it", set()),
    ("no worries, take your time", set()),
    ("I'm not upset, I just want to understand the charge", set()),
    ("sorry I'm a bit frazzled today", set()),
    ("my wife collapsed on the kitchen floor", {EMERGENCY}),
    ("he's turning blue and I don't think he's breathing", {EMERGENCY}),
    ("there's so much blood I can't make it stop", {EMERGENCY}),
    ("my kid drank some bleach", {EMERGENCY}),
    ("I'm having really bad chest pains right now", {EMERGENCY}),
    ("I need an ambulance at 22 Maple Drive", {EMERGENCY}),
    ("my face and lips are swelling and I can barely breathe", {EMERGENCY}),
    ("I don't see the point in living anymore", {EMERGENCY}),
    ("my ex is outside banging on the door threatening me", {EMERGENCY}),
    ("the garage is full of smoke", {EMERGENCY}),
    ("please help, my dad fell and he's not responding", {EMERGENCY}),
    ("oh my god he's having a seizure somebody help", {EMERGENCY}),
    ("what's the number for your after hours emergency line", set()),
    ("my son chipped his tooth, is that an emergency", set()),
    ("I had chest pain last month and the doctor wants a follow up", set()),
    ("I'd like to book an emergency exam", set()),
    ("we had a small kitchen fire last year and the claim is still open", set()),
    ("how do I add someone as my emergency contact", set()),
    ("can someone look at my car brakes this week", set()),
    ("I'm dying to get this haircut done before the wedding", set()),
    ("this is urgent, I need my prescription today", set()),
]
ESCALATION_FRESH: list[tuple[str, set[Cue]]] = [
    ("can I please just get a hold of an actual person", {HUMAN}),
    ("I wanna talk to a real live human being", {HUMAN}),
    ("hi I'm trying to reach someone in the billing department", {HUMAN}),
    ("Hello? Operator?", {HUMAN}),
    ("put a real person on", {HUMAN}),
    ("Yeah can you connect me to the nurse line", {HUMAN}),
    ("I'd like to be transferred to the pharmacy counter", {HUMAN}),
    ("I don't want to deal with a machine right now", {HUMAN}),
    ("speak to a human", {HUMAN}),
    ("can I talk to whoever handles billing", {HUMAN}),
    ("Rep.", {HUMAN}),
    ("no I don't think I need to speak to anyone thanks", set()),
    ("who am I speaking with", set()),
    ("are you a real person or a computer", set()),
    ("my agent Tom set up the policy", set()),
    ("I need to know who my doctor is", set()),
    ("how many people can I bring", set()),
    ("my supervisor at work needs a note", set()),
    ("unbelievable, you hung up on me last time too", {ANGER}),
    ("that's the dumbest thing I've ever heard", {ANGER}),
    ("oh for Pete's sake", {ANGER}),
    ("omg you are so slow", {ANGER}),
    ("I've been going in circles for twenty minutes", {ANGER}),
    ("Can you just shut up and listen", {ANGER}),
    ("this is the third time I'm calling about this", {ANGER}),
    ("piece of junk", {ANGER}),
    ("sorry, my kids are screaming in the background", set()),
    ("no that's fine, whatever works", set()),
    ("I'm calling from Hell's Kitchen Deli", set()),
    ("I'd like to cancel the class on Thursday", set()),
    ("could you repeat that please", set()),
    ("I said Friday, not Thursday", set()),
    ("my husband's having a really hard time breathing", {EMERGENCY}),
    ("she hit her head and she's out cold", {EMERGENCY}),
    ("I think my son took a bunch of my sleeping pills", {EMERGENCY}),
    ("there's a man with a knife outside my door", {EMERGENCY}),
    ("I'm thinking about ending my life", {EMERGENCY}),
    ("my chest feels really tight and my left arm is numb", {EMERGENCY}),
    ("the baby is not breathing please help", {EMERGENCY}),
    ("we need the police right now someone is breaking into the house", {EMERGENCY}),
    ("do you have emergency hours on the weekend", set()),
    ("my wife's allergic to penicillin, can you note that", set()),
    ("he had a seizure as a kid, is the anesthesia okay", set()),
    ("it's not urgent, whenever you have time", set()),
    ("my smoke detector keeps beeping", set()),
    ("I need a prescription for my inhaler, I have asthma", set()),
    ("I'm bleeding a little after the cleaning is that normal", set()),
    ("this is stupid just get me someone", {ANGER, HUMAN}),
    ("my dad is having chest pains and this stupid machine won't transfer me",
     {EMERGENCY, ANGER, HUMAN}),
]


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


def cue_names(found: set[Cue] | frozenset[Cue]) -> str:
    return "{" + ", ".join(sorted(cue.value for cue in found)) + "}"


def escalation_accuracy(
    cases: list[tuple[str, set[Cue]]],
) -> tuple[dict[Cue, int], list[str], list[float]]:
    """Right answers per cue (present or absent as expected), misses, ms per call."""
    right = dict.fromkeys(Cue, 0)
    misses, times = [], []
    for text, expected in cases:
        started = time.perf_counter()
        got = cues(text)
        times.append((time.perf_counter() - started) * 1000)
        for cue in Cue:
            right[cue] += (cue in got) == (cue in expected)
        if got != expected:
            misses.append(f"{text!r}: expected {cue_names(expected)}, got {cue_names(got)}")
    return right, misses, times


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
    cue_times = []
    for label, cases in (("held-out", ESCALATION_CASES), ("fresh", ESCALATION_FRESH)):
        right_per_cue, misses, times = escalation_accuracy(cases)
        cue_times += times
        count = len(cases)
        per_cue = ", ".join(f"{cue.value} {right}/{count} ({right / count:.0%})"
                            for cue, right in right_per_cue.items())
        print(f"escalation cues ({label} phrasings): {per_cue}; "
              f"exact {count - len(misses)}/{count}")
        for line in misses:
            print(f"    miss: {line}")
    ordered = sorted(cue_times)
    print(f"escalation cues per utterance: p50 {statistics.median(ordered) * 1000:.0f} us, "
          f"p95 {ordered[round(0.95 * (len(ordered) - 1))] * 1000:.0f} us, "
          f"max {ordered[-1] * 1000:.0f} us")


if __name__ == "__main__":
    asyncio.run(main())
