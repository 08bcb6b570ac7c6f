"""What the dialogue knows about a call, for the summary a person reads and for hand-offs."""

from __future__ import annotations

from typing import Any

from callwright.agent.conversation import ConversationState
from callwright.agent.dialogue.tasks import TaskRunner
from callwright.agent.spec.agent_file import AgentSpec


def call_facts(tasks: TaskRunner, state: ConversationState, spec: AgentSpec) -> dict[str, Any]:
    """The caller, whether verified, the intent, the tasks done and the slots collected."""
    task = tasks.state()
    person = tasks.verified or {}
    name = person.get("full_name") or " ".join(
        str(person.get(key, "")) for key in ("first_name", "last_name")
    ).strip()
    return {
        "caller": name,
        "verified": tasks.verified is not None if spec.verification else None,
        "intent": task["task"] or state.intent,
        "done": task["completed"],
        "slots": {name: value for name, value in task["slots"].items() if name in spec.slots},
    }


def transcript(state: ConversationState) -> list[tuple[str, str]]:
    """The call so far as (role, words) pairs."""
    return [(entry.role, entry.text) for entry in state.history]
