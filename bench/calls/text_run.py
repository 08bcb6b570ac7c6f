"""Simulated calls in text: each scenario's caller against its agent, on the real backends.

The caller's words pass through a `Mishearer` first (speech-to-text errors of a phone line),
so the dialogue meets what it meets on a call, hundreds of times faster than by voice. Keys
go in one digit at a time, as DTMF does. No person takes transfers here: a hand-off becomes
a message for a callback, as on a line with nobody at the desk.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from bench.calls.judge import CallEvidence, Verdict, judge, reseed, snapshot
from bench.calls.mishear import CLEAN, Mishearer, MishearProfile
from bench.calls.scenario import CallerTurn, Scenario, ScriptedCaller
from callwright.actions.backends import AgentActions, built_in_registry
from callwright.agent.conversation import (
    AgentAction,
    CallerInput,
    CallerKeyed,
    CallerSaid,
    CallerSilent,
    Conversation,
    EndCall,
    Say,
    Transfer,
    TransferFailed,
)
from callwright.agent.dialogue.front_desk_agent import FrontDeskAgent
from callwright.agent.spec.loader import load_agent

AGENTS_DIR = Path(__file__).resolve().parents[2] / "agents"
NO_ONE_THERE = "no answer"  # what a transfer meets in the bench: nobody at the desk


@dataclass(slots=True)
class TextResult:
    scenario: Scenario
    verdict: Verdict
    transcript: list[tuple[str, str]] = field(default_factory=list)  # (caller heard, agent)
    understanding_ms: list[float] = field(default_factory=list)  # per caller turn


def load_agents(engine: Engine, names: set[str]) -> dict[str, FrontDeskAgent]:
    actions = AgentActions(built_in_registry(), engine)
    return {name: load_agent(AGENTS_DIR / f"{name}.yaml", actions) for name in sorted(names)}


async def run_text_call(
    scenario: Scenario,
    agent: FrontDeskAgent,
    engine: Engine,
    profile: MishearProfile = CLEAN,
) -> TextResult:
    """Play `scenario` against `agent` on freshly seeded records and judge the end state."""
    reseed(engine, AGENTS_DIR, scenario.agent)
    before = snapshot(engine, scenario.agent)
    conversation = agent.start_conversation(
        caller=scenario.caller_id, call_id=f"sim-{uuid.uuid4().hex[:12]}"
    )
    mishearer = Mishearer(profile, seed=scenario.id)
    caller = ScriptedCaller(scenario)
    result = TextResult(scenario, Verdict(False))
    evidence = CallEvidence([])
    agent_text, ended = await _agent_turn(conversation, None)
    evidence.turns.append(("", agent_text))
    turn: CallerTurn = caller.opening()
    while True:
        heard, agent_text, ended, took_ms = await _caller_turn(conversation, turn, mishearer)
        if heard or turn.keys:
            result.understanding_ms.append(took_ms)
        evidence.turns.append((heard or f"[keys {turn.keys}]", agent_text))
        if conversation.state.intent:
            evidence.intents.append(conversation.state.intent)
        following = caller.next_turn(turn, agent_text, ended)
        if following is None:
            break
        turn = following
    evidence.handoffs = list(conversation.state.handoffs)
    evidence.intents += conversation.state.asked
    result.transcript = evidence.turns
    result.verdict = judge(scenario, before, snapshot(engine, scenario.agent), evidence)
    return result


async def _caller_turn(
    conversation: Conversation, turn: CallerTurn, mishearer: Mishearer
) -> tuple[str, str, bool, float]:
    """Carry out one caller turn; (what was heard, the agent's reply, call ended, ms)."""
    started = time.perf_counter()
    if turn.keys:
        replies, ended = [], False
        for digit in turn.keys:
            text, ended = await _agent_turn(conversation, CallerKeyed(digit))
            replies.append(text)
            if ended:
                break
        return "", " ".join(r for r in replies if r), ended, _ms_since(started)
    if not turn.text:
        reply, ended = await _agent_turn(conversation, CallerSilent(10.0))
        return "", reply, ended, 0.0
    said = f"{turn.text} {turn.then}".strip()
    heard = mishearer.hear(said)
    reply, ended = await _agent_turn(conversation, CallerSaid(heard))
    return heard, reply, ended, _ms_since(started)


async def _agent_turn(
    conversation: Conversation, caller_input: CallerInput | None
) -> tuple[str, bool]:
    """The agent's whole reply to one input (its greeting for None); a transfer meets no one
    and the agent's answer to that is part of the same turn."""
    texts: list[str] = []
    ended = False
    pending: list[CallerInput | None] = [caller_input]
    while pending:
        next_input = pending.pop(0)
        stream = conversation.greet() if next_input is None else conversation.respond(next_input)
        action: AgentAction
        async for action in stream:
            if isinstance(action, Say):
                texts.append(action.text)
            elif isinstance(action, EndCall):
                ended = True
            elif isinstance(action, Transfer):
                conversation.handoff_result(False, NO_ONE_THERE)
                pending.append(TransferFailed(NO_ONE_THERE))
    return " ".join(texts), ended


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000
