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
    """The reply's actions, each `Say` added to the reply's history entry as it is yielded.
    A reply word for word the same as the last one is said as a repeat, never as if new
    (the caller asked the same thing twice, or the same question is asked again)."""
    actions = await decision
    said = " ".join(action.text for action in actions if isinstance(action, Say))
    if said and said == last_said(state):
        actions = [Say(SAID_AGAIN), *actions]
    entry: HistoryEntry | None = None
    for action in actions:
        if isinstance(action, Say):
            if entry is None:
                entry = HistoryEntry("agent", action.text)
                state.history.append(entry)
            else:
                entry.text = f"{entry.text} {action.text}"
        yield action


REPEAT_LEAD_INS = ("Sure.", "Of course.")  # before the agent's last words, said again
SAID_AGAIN = "Let me say that again."  # before a reply the same as the last one


def said_again(last: str) -> str:
    """The agent's last words said again for "sorry, what?", after a lead-in they did not
    already start with."""
    lead_in = next(words for words in REPEAT_LEAD_INS if not last.startswith(words))
    said_before = next((w for w in REPEAT_LEAD_INS if last.startswith(f"{w} ")), "")
    return f"{lead_in} {last.removeprefix(said_before).lstrip()}"


TASK_REPROMPTS = ("Sorry, I didn't hear anything.", "Are you still there?")


def reprompt(count: int, reprompts: list[str], pending: str | None) -> str:
    """What the agent says after the caller's `count`th silence: mid-task, the task's
    question again, never in the same words; else the agent file's reprompt."""
    if pending:
        return f"{TASK_REPROMPTS[(count - 1) % len(TASK_REPROMPTS)]} {pending}"
    return reprompts[count - 1]


def not_back_to_back(
    prompt: str, prompts: list[str], state: ConversationState, fallback: str
) -> str:
    """`prompt`, or another of `prompts` (else `fallback`) when it was the agent's last
    words: an agent file may repeat a prompt, but it is never said twice in a row."""
    if prompt != last_said(state):
        return prompt
    others = [other for other in prompts if other != prompt]
    return others[0] if others else fallback
