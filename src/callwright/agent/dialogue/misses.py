"""The fallback ladder of one question: ask again, then explain how to answer (the options,
the keypad), then hand the caller to a person with what was collected."""

from __future__ import annotations

from callwright.agent.dialogue import task_texts
from callwright.agent.dialogue.flow import Awaiting, Flow, TaskReply
from callwright.agent.dialogue.templates import render
from callwright.agent.spec.handoff import NOT_UNDERSTOOD
from callwright.agent.spec.tasks import SlotSpec

MAX_SLOT_MISSES = 2  # misses a question survives: asked again, then explained; then a person


def missed(flow: Flow, slots: dict[str, SlotSpec], awaiting: Awaiting, ask: str) -> TaskReply:
    """The next rung of the ladder for `awaiting`, whose question is `ask`."""
    awaiting.misses += 1
    if awaiting.misses > MAX_SLOT_MISSES:
        return flow.fail([], NOT_UNDERSTOOD)
    if awaiting.misses == MAX_SLOT_MISSES:
        return TaskReply([_help(flow, slots, awaiting)])
    return TaskReply([task_texts.NOT_CAUGHT.format(ask=render(ask, flow.scope()))])


def _help(flow: Flow, slots: dict[str, SlotSpec], awaiting: Awaiting) -> str:
    """How to answer what the task is waiting for, said after the second miss."""
    if awaiting.kind == "choose":
        return f"{task_texts.CHOOSE_HELP} {flow.choose_prompt(flow.current_step())}"
    return task_texts.how_to_answer(awaiting.kind, slots.get(awaiting.name), flow.scope())
