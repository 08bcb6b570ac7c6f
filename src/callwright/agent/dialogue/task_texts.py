"""What a task says when it asks again, explains how to answer or acknowledges an answer.

The fixed caller-facing sentences of `TaskRunner` (tasks.py) and `Flow` (flow.py), kept
together so they read as one voice, and `how_to_answer`, the explanation picked for a
question missed twice.
`{ask}` is the task's question, `{options}` a spoken list, filled where said.
"""

from __future__ import annotations

from typing import Any

from callwright.actions.registry import ActionResult
from callwright.agent.dialogue.templates import render, spoken, spoken_list
from callwright.agent.spec.tasks import SlotSpec

KEYED_AHEAD = "Got that number, thanks."
TAKEN = "{values}, got it."  # details given before their question, then the question again
NOTED_LEAD_INS = ("Noted.", "Got it.")  # the same, when what was given is not read back
UNSURE_WHICH_ITEM = "Sorry, I want to get this exactly right, so one at a time."
NOTED = "Thanks, noted."
NEXT_ONE = "Now the next one."  # a task done again for another number named at its start
YES_OR_NO = "Sorry, was that a yes or a no?"
DECLINED = "No problem, we can leave that."  # a question the caller would rather not answer
LEFT_AS_IS = "All right, I'll leave that as it is for now."  # a read-back torn twice
CALLED_OFF = "All right, I won't go ahead with that."  # a read-back the caller calls off
CHANGE_QUESTION = "What would you like to change?"
CHANGE_PROMPT = f"No problem. {CHANGE_QUESTION}"
NOT_CAUGHT = "Sorry, I didn't catch that. {ask}"
DIGITS_SO_FAR = "{digits}, okay."  # a group of a number said: read back, more to come
DIGITS_WAITING = "I have {digits} so far. {ask}"  # then silence, or "what was that?"
OPTIONS_OFFERED = "I have {options}. Which would you like?"
NO_OPTIONS = "I'm sorry, I don't have any options for that."
ACTION_FAILED = "Sorry, that didn't work."  # when the action gave no message of its own
SYSTEMS_UNREACHABLE = "I can't reach our systems right now."  # no way to run actions at all

YES_NO_HELP = "Please say yes or no. You can also press 1 for yes, or 2 for no."
CHOOSE_HELP = "You can say the first one or the second one, or name the one you'd like."
OPTIONS_HELP = "You can say {options}."
COUNT_HELP = "A rough number is fine, for example three."
CHANGE_HELP = "Please tell me the new detail, for example a different day or time."
TYPE_HELP = {
    "date": "You can say a day, like next Tuesday or March fourth.",
    "time": "You can say a time, like ten thirty in the morning.",
    "person_name": "Please say your first name and then your last name.",
    "phone_number": "Please say the number one digit at a time, or type it on your keypad.",
    "number": "Please say the number one digit at a time, or type it on your keypad.",
    "amount": "Please say the amount in dollars, for example fifty dollars.",
    "yes_no": YES_NO_HELP,
    "text": "In a few words, please.",
}
"""How to answer a question by the type of its slot, said after the second miss."""

SPOKEN_TEXTS = (
    KEYED_AHEAD, TAKEN, *NOTED_LEAD_INS, UNSURE_WHICH_ITEM, NOTED, NEXT_ONE, YES_OR_NO, DECLINED,
    LEFT_AS_IS, CALLED_OFF, CHANGE_PROMPT, NOT_CAUGHT, DIGITS_WAITING, OPTIONS_OFFERED,
    NO_OPTIONS, ACTION_FAILED, SYSTEMS_UNREACHABLE, YES_NO_HELP, CHOOSE_HELP, COUNT_HELP,
    CHANGE_HELP, *TYPE_HELP.values(),
)
"""Every text above, for pre-synthesis (texts.py `task_prompts`)."""


def how_to_answer(kind: str, spec: SlotSpec | None, scope: dict[str, Any]) -> str:
    """How to answer a confirmation, a change or a slot's question (`spec`, None if unknown),
    said after the second miss; `scope` fills the slot's own help and question."""
    if kind == "confirm":
        return YES_NO_HELP
    if kind == "change":
        return CHANGE_HELP
    if spec is None:
        return TYPE_HELP["text"]
    if spec.help:
        return render(spec.help, scope)
    if spec.type == "choice":
        return OPTIONS_HELP.format(options=spoken_list(spec.options))
    if spec.type == "number" and spec.digits is None:  # a count, not a reference
        return f"{COUNT_HELP} {render(spec.ask, scope)}"
    return TYPE_HELP[spec.type]


def noted(
    values: dict[str, Any], before: dict[str, Any], slots: dict[str, SlotSpec], times: int
) -> str:
    """Words before a question asked again after other details were given: those details
    read back (not a time of day, whose value is only the part's first hour), or a short
    acknowledgement that is not the last one (`times`: how often this question noted)."""
    taken = [spoken(value) for name, value in values.items() if name in slots
             and before.get(name) != value and slots[name].type != "time"]  # fmt: skip
    if taken:
        return TAKEN.format(values=" and ".join(taken))
    return NOTED_LEAD_INS[times % len(NOTED_LEAD_INS)]


async def systems_unreachable(name: str, params: dict[str, Any]) -> ActionResult:
    """Stands in for running actions where the agent has no systems to run them on: every
    action fails with SYSTEMS_UNREACHABLE, which the task says."""
    return ActionResult.failure("backend_error", SYSTEMS_UNREACHABLE)
