"""The conversation's history: who said what, as the caller heard it.

The agent gets one history entry per reply, grown as each `Say` is yielded, so a caller
who barges in can have the whole reply replaced by the part they heard (`keep_heard`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable

from callwright.agent.conversation import AgentAction, ConversationState, HistoryEntry, Say


def add_caller(state: ConversationState, text: str) -> None:
    """The caller said or keyed `text`: any caller input ends the no-input ladder."""
    state.no_input_count = 0
    state.history.append(HistoryEntry("caller", text))


def last_said(state: ConversationState) -> str | None:
    """The agent's last reply as the caller heard it."""
    for entry in reversed(state.history):
        if entry.role == "agent":
            return entry.text
    return None


def keep_heard(state: ConversationState, heard_text: str) -> None:
    """Keep only what the caller heard of the agent's last reply; drop it if nothing."""
    for index in range(len(state.history) - 1, -1, -1):
        if state.history[index].role == "agent":
            if heard_text.strip():
                state.history[index].text = heard_text.strip()
            else:
                del state.history[index]
            return


async def recorded(
    state: ConversationState, decision: Awaitable[list[AgentAction]]
) -> AsyncIterator[AgentAction]:
    """The reply's actions, each `Say` added to the reply's history entry as it is yielded."""
    entry: HistoryEntry | None = None
    for action in await decision:
        if isinstance(action, Say):
            if entry is None:
                entry = HistoryEntry("agent", action.text)
                state.history.append(entry)
            else:
                entry.text = f"{entry.text} {action.text}"
        yield action
