"""A fast slice of the simulated-call bench in CI: scripted callers of the tune half, through
a phone line's speech-to-text errors, against the real agents and backends, judged on the
records. Each is one failure kind the dialogue once had."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bench.calls.mishear import PHONE_LINE
from bench.calls.scenario import Reply, load_scenarios
from bench.calls.text_run import load_agents, run_text_call
from callwright.store.database import open_database

SLICE = (
    "bank-laptop-mine-coffee-not-t2",  # a vague opening, two charges answered at once
    "bank-three-charges-one-sentence-t4",  # three charges in one breath
    "dental-cancel-then-keep-t9",  # a polite no to the read-back writes nothing
    "pharmacy-authorization-decline-t4",  # "no, that's okay" asks no doctor
    "pharmacy-refill-closing-time-t7",  # a side question answered mid-task
    "retail-return-lamp-allinone-t4",  # everything given in the first sentence
    "sales-everything-up-front-t6",  # a prospect's details given before they are asked
    "demo-kids-cut-t6",
)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    scenarios = {s.id: s for s in load_scenarios(("tune",)) if s.id in SLICE}
    engine = open_database(f"sqlite:///{tmp_path_factory.mktemp('calls') / 'calls.db'}")
    agents = load_agents(engine, {s.agent for s in scenarios.values()})
    yield scenarios, agents, engine
    engine.dispose()


@pytest.mark.parametrize("scenario_id", SLICE)
async def test_the_caller_gets_what_they_asked_for_and_nothing_else(world, scenario_id):
    scenarios, agents, engine = world
    scenario = scenarios[scenario_id]
    result = await run_text_call(scenario, agents[scenario.agent], engine, PHONE_LINE)
    verdict = result.verdict
    assert verdict.success, (verdict.failures, verdict.contrary, result.transcript)
    assert not verdict.contrary and verdict.silent_turns == 0


async def test_a_write_the_caller_did_not_ask_for_fails_the_call_as_a_contrary_action(world):
    """The judge itself: the same caller, but saying yes to the cancellation it wanted kept."""
    scenarios, agents, engine = world
    keep = scenarios["dental-cancel-then-keep-t9"]
    says_yes = Reply(when=("just to check", "shall i", "is that right"), say=("yes",))
    scenario = replace(keep, replies=(says_yes, *keep.replies[1:]))
    result = await run_text_call(scenario, agents["dental"], engine, PHONE_LINE)
    assert not result.verdict.success
    assert any("status=cancelled" in write for write in result.verdict.contrary)
