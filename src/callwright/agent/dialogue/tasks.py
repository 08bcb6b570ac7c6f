"""Running tasks for a conversation: start one, hear the caller's answers, ask again.

`TaskRunner` is one call's tasks as the conversation sees them. It starts a task (pushing an
unfinished one aside), hears what the caller says or keys while one runs (a slot's value,
yes or no to a read-back, one of the options offered, a correction) and, when the words do
not fit, asks again, explains how to answer, then hands the caller to a person.

The task state and the walk through a flow's steps are the `Flow`'s (flow.py), reading words
into slot values is `SlotFilling`'s (slot_filling.py) and who the caller is, `Verification`'s
(verification.py). Numbers gathered across turns are kept by a `NumberEntry`, answers about
items given before their question by `ItemQuestions`; what a task says besides its flow's own
texts is in task_texts.py, and the ladder after a missed answer in misses.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from callwright.actions.registry import RunAction
from callwright.agent.dialogue import task_texts
from callwright.agent.dialogue.flow import Awaiting, Flow, TaskReply
from callwright.agent.dialogue.misses import missed
from callwright.agent.dialogue.number_entry import (
    NumberEntry,
    digit_group,
    gives_number,
    keyable,
    keyed_value,
)
from callwright.agent.dialogue.slot_filling import SlotFilling, corrects, strip_negated, torn
from callwright.agent.dialogue.templates import render
from callwright.agent.dialogue.verification import Verification
from callwright.agent.spec.tasks import SlotSpec, TaskSpec, VerificationSpec
from callwright.agent.understanding.entities import extract
from callwright.agent.understanding.questions import (
    calls_off,
    declines,
    is_question,
    leaves_open,
)
from callwright.agent.understanding.slot_reading import numbers_named

UNSURE_MIN_WORDS = 4  # an `unsure_ok` question answered in this many words, none of them a value


class TaskRunner:
    """One call's tasks: started, answered and asked again on the caller's words."""

    def __init__(
        self,
        tasks: list[TaskSpec],
        slots: dict[str, SlotSpec],
        verification: VerificationSpec | None,
        run_action: RunAction | None,
        today: Callable[[], date],
        caller_phone: str | None = None,
    ) -> None:
        run = run_action if run_action is not None else task_texts.systems_unreachable
        self._tasks = {task.name: task for task in tasks}
        self._slots = slots
        self._verification = Verification(verification, run, caller_phone)
        self._flow = Flow(slots, self._verification, run)
        self._filling = SlotFilling(slots, today, caller_phone)
        self._number = NumberEntry()  # digits keyed or said in groups, across turns

    @property
    def active(self) -> bool:
        return self._flow.task is not None

    @property
    def task(self) -> TaskSpec | None:
        """The task running now, if any."""
        return self._flow.task

    @property
    def values(self) -> dict[str, Any]:
        """The slots filled so far, remembered for the whole call."""
        return self._flow.values

    @property
    def verified(self) -> dict[str, Any] | None:
        """The verified caller's details, once verification found them."""
        return self._verification.verified

    @property
    def done_actions(self) -> list[str]:
        """The actions run successfully, in order."""
        return self._flow.done_actions

    @property
    def completed(self) -> list[str]:
        """The tasks that ran to their last step."""
        return self._flow.completed

    @property
    def failed(self) -> list[str]:
        """The tasks ended by a failing action or by confusion."""
        return self._flow.failed

    def is_task(self, intent: str | None) -> bool:
        return intent in self._tasks

    def hears_awaited(self, text: str) -> bool | None:
        """Whether `text` gives the number asked for (see `gives_number`)."""
        awaiting = self._flow.awaiting
        if awaiting is None or awaiting.kind != "slot":
            return None
        spec = self._slots[awaiting.name]
        return gives_number(spec, text, self._number.so_far, self._filling.value)

    def awaiting_yes_no(self) -> bool:
        """Whether the task asked a yes-or-no question (so "yeah" is an answer, not a
        backchannel, even when said over the end of the question)."""
        awaiting = self._flow.awaiting
        if awaiting is None:
            return False
        return awaiting.kind == "confirm" or (
            awaiting.kind == "slot" and self._slots[awaiting.name].type == "yes_no"
        )

    @property
    def awaiting_kind(self) -> str | None:
        """What the task waits for: "slot", "confirm", "choose", "change", or None."""
        return self._flow.awaiting.kind if self._flow.awaiting else None

    def awaiting_free_text(self) -> bool:
        """Whether any words would do as the answer (so a side question must be checked first)."""
        awaiting = self._flow.awaiting
        return awaiting is not None and awaiting.kind == "slot" and (
            self._slots[awaiting.name].type == "text"
        )

    @property
    def number_pending(self) -> bool:
        """Whether part of a number was said and the rest is awaited."""
        return bool(self._number.so_far)

    def takes_keys(self) -> bool:
        """Whether keyed digits now enter a number (asked for, or begun), not a menu."""
        awaiting = self._flow.awaiting
        asked = awaiting.name if awaiting is not None and awaiting.kind == "slot" else None
        return self.number_pending or (asked is not None and keyable(self._slots[asked]))

    def pending_prompt(self) -> str | None:
        """What the task is waiting for, to ask again after a side question."""
        awaiting = self._flow.awaiting
        if awaiting is None:
            return None
        if awaiting.kind == "slot" and self._number.so_far:  # part of a number: all of it
            ask = render(self._slots[awaiting.name].ask, self._flow.scope())
            return task_texts.DIGITS_WAITING.format(digits=" ".join(self._number.so_far), ask=ask)
        if awaiting.kind == "slot":
            return render(self._slots[awaiting.name].ask, self._flow.scope())
        if awaiting.kind == "confirm":
            return awaiting.name
        if awaiting.kind == "change":
            return task_texts.CHANGE_PROMPT
        return self._flow.choose_prompt(self._flow.current_step())

    def state(self) -> dict[str, Any]:
        """The dialogue state recorded on the call."""
        return self._flow.state()

    # ---- starting and switching ----

    async def start(self, name: str, text: str, *, instead: bool = False) -> TaskReply:
        """Begin task `name` with the caller's words, pushing an unfinished one aside (or
        dropping it, `instead`)."""
        self._flow.begin(self._tasks[name], instead=instead)
        self._flow.hearing(text, opening=True)
        for slot in self._filling.task_slots(self.task):  # free text belongs to one question
            if self._slots[slot].type == "text":
                self.values.pop(slot, None)
        # values said now win over ones remembered from earlier in the call
        self._fill_mentioned(text, only_missing=False, overwrite=True)
        self._flow.further = self._more_items(text)
        return await self._flow.walk()

    def _more_items(self, text: str) -> list[tuple[str, Any]]:
        """Numbers beyond the first named for the task's number slot, one round each."""
        for name in self._filling.task_slots(self.task):
            named = numbers_named(self._slots[name], text)
            if len(named) > 1 and self.values.get(name) == named[0]:
                return [(name, value) for value in named[1:]]
        return []

    async def resume(self) -> TaskReply:
        """Go back to a task that a topic switch pushed aside."""
        return await self._flow.walk()

    def cancel(self) -> None:
        self._flow.cancel()

    # ---- hearing answers ----

    async def hear(self, text: str) -> TaskReply:
        """The caller said something while a task is active."""
        awaiting = self._flow.awaiting
        if awaiting is None:
            return TaskReply(handled=False)
        self._flow.hearing(text)
        if awaiting.kind == "confirm":
            return await self._hear_confirmation(text, awaiting)
        if awaiting.kind == "choose":
            return await self._hear_choice(text, awaiting)
        if awaiting.kind == "change":  # whatever they name now replaces what was read back
            if self._fill_mentioned(text, only_missing=False, overwrite=True):
                return await self._flow.walk()
            if calls_off(text):  # "no, just don't do it"
                return self._called_off()
            return self._missed(awaiting, task_texts.CHANGE_QUESTION)
        spec = self._slots[awaiting.name]
        if spec.about:
            about_items = await self._hear_about_items(awaiting, spec, text)
            if about_items is not None:
                return about_items
        value = self._filling.value(spec, text)
        said_otherwise = value is None and len(text.split()) >= UNSURE_MIN_WORDS
        if spec.unsure_ok and (
            (leaves_open(text) and (value is None or spec.type == "yes_no"))
            or (said_otherwise and not is_question(text))  # "the board signs off on it"
        ):
            self._flow.unsure.add(awaiting.name)  # "no real deadline", "any time": left out
            return await self._flow.walk()
        if value is None and spec.type != "yes_no" and declines(text):
            task = self._flow.task  # never asked again and again
            return self._flow.fail([task_texts.DECLINED, task.done if task else ""])
        if spec.type == "yes_no" and torn(text):
            awaiting.torn += 1
            if awaiting.torn > 1:  # torn again: the ladder's help, then a person
                return self._missed(awaiting, spec.ask)
            return TaskReply([f"{task_texts.YES_OR_NO} {render(spec.ask, self._flow.scope())}"])
        if value is not None:
            self._number.clear()
            self.values[awaiting.name] = value
            further = self._flow.further  # "sixty-two thirty and seventy twelve": both
            further += [item for item in self._more_items(text) if item not in further]
            # what else the answer names is newer than what was said before ("Wednesday?
            # late morning", asked the time after "Tuesday")
            self._fill_mentioned(text, only_missing=False, update=True)
            return await self._flow.walk()
        group = digit_group(text, spec)
        if group is not None:  # digits said in groups with pauses add up to one number
            return await self._hear_number_group(awaiting, spec, group)
        before = dict(self.values)
        if self._fill_mentioned(text, only_missing=False, update=True):
            reply = await self._flow.walk()
            if self._flow.awaiting is awaiting:  # the same question again: say what was taken
                awaiting.noted += 1
                noted = task_texts.noted(self.values, before, self._slots, awaiting.noted)
                reply.texts.insert(0, noted)
            return reply
        return TaskReply(handled=False)

    async def hear_digit(self, digit: str) -> TaskReply:
        """A keypad digit: numbers and dates can be keyed, 1/2 answer yes/no."""
        awaiting = self._flow.awaiting
        if awaiting is None:
            return TaskReply(handled=False)
        if self.awaiting_yes_no() and digit in "12":
            answer = "yes" if digit == "1" else "no"
            if awaiting.kind == "confirm":
                return await self._hear_confirmation(answer, awaiting)
            return await self.hear(answer)
        target = self._keyed_target()
        if target is None or digit == "*":
            return TaskReply(handled=False)
        spec = self._slots[target]
        keyed = self._number.key(digit, spec)
        if keyed is None:
            return TaskReply()  # more digits to come: say nothing yet
        value = keyed_value(spec, keyed)
        if value is None:
            return self._missed(awaiting, self.pending_prompt() or spec.ask)
        self.values[target] = value
        reply = await self._flow.walk()
        if target != awaiting.name:  # keyed ahead of the question: kept, and said so
            reply.texts.insert(0, task_texts.KEYED_AHEAD)
        return reply

    def _keyed_target(self) -> str | None:
        """The slot keyed digits are for: the one asked for if it can be keyed, else the
        first still-missing slot of the task that can (a prescription number keyed while
        the agent asks for the name)."""
        awaiting = self._flow.awaiting
        asked = self._slots[awaiting.name] if awaiting and awaiting.kind == "slot" else None
        if asked is not None and asked.type in ("number", "phone_number", "date"):
            return awaiting.name
        for name in self._candidate_slots():
            spec = self._slots[name]
            if name not in self.values and keyable(spec) and spec.type != "phone_number":
                return name
        return None

    async def _hear_about_items(
        self, awaiting: Awaiting, spec: SlotSpec, text: str
    ) -> TaskReply | None:
        """Answers about several items at once; each kept until its question comes up. Not
        sure which item a yes or no was for: ask about the one in question again, then down
        the fallback ladder."""
        heard = self._flow.items.hear(text, spec, self._flow.scope())
        if heard is None:
            return None
        ask = render(spec.ask, self._flow.scope())
        if heard.unclear:
            awaiting.torn += 1
            if awaiting.torn > 1:  # unclear again: the ladder's help, then a person
                return self._missed(awaiting, spec.ask)
            return TaskReply([f"{task_texts.UNSURE_WHICH_ITEM} {ask}"])
        if 0 in heard.answers:
            self.values[awaiting.name] = heard.answers[0]
            return await self._flow.walk()
        if heard.answers:
            return TaskReply([f"{task_texts.NOTED} {ask}"])
        return None

    async def _hear_number_group(self, awaiting: Awaiting, spec: SlotSpec, group: str) -> TaskReply:
        """A group of digits ("four eight", "two one") said towards the number asked for."""
        number = self._number.said(group, spec)
        if number is None:  # more digits to come: what was heard, read back
            so_far = " ".join(self._number.so_far)
            return TaskReply([task_texts.DIGITS_SO_FAR.format(digits=so_far)])
        if len(number) != spec.digits:
            return self._missed(awaiting, spec.ask)
        self.values[awaiting.name] = number
        return await self._flow.walk()

    async def _hear_confirmation(self, text: str, awaiting: Awaiting) -> TaskReply:
        changed = self._fill_mentioned(strip_negated(text), only_missing=False)
        answer = extract("yes_no", text)
        if changed:
            return await self._flow.walk()
        if calls_off(text) and (answer is None or answer.value is False or torn(text)):
            return self._called_off()
        if torn(text):
            awaiting.torn += 1
            if awaiting.torn > 1:  # still torn: nothing the caller did not clearly want is done
                return self._flow.fail([task_texts.LEFT_AS_IS])
            return TaskReply([f"{task_texts.YES_OR_NO} {self.pending_prompt() or ''}".strip()])
        if answer is not None and answer.value is True:
            self._flow.confirmed.add(awaiting.name)
            return await self._flow.walk()
        if answer is not None and answer.value is False:
            self._flow.awaiting = Awaiting("change")
            return TaskReply([task_texts.CHANGE_PROMPT])
        return TaskReply(handled=False)

    def _called_off(self) -> TaskReply:
        """The caller does not want what was read back at all: nothing is done."""
        task = self._flow.task
        return self._flow.fail([task_texts.CALLED_OFF, task.done if task else ""])

    async def _hear_choice(self, text: str, awaiting: Awaiting) -> TaskReply:
        if corrects(text) and self._fill_mentioned(text, only_missing=False):  # "no, Friday"
            return await self._flow.walk()
        step = self._flow.current_step()
        if self._flow.pick(step, self._flow.offered(step), text):
            return await self._flow.walk()
        if self._fill_mentioned(text, only_missing=False):  # "anything later?"
            return await self._flow.walk()
        # "eleven, please": a time none of the offered ones
        if self._filling.time_named(text, self._candidate_slots(), self.values):
            return await self._flow.walk()
        return TaskReply(handled=False)

    # ---- words that do not fit ----

    def _missed(self, awaiting: Awaiting, ask: str) -> TaskReply:
        return missed(self._flow, self._slots, awaiting, ask)

    def missed_current(self) -> TaskReply:
        """The caller's words fit neither the task nor anything else: ask again, or give up."""
        awaiting = self._flow.awaiting or Awaiting("slot")
        return self._missed(awaiting, self.pending_prompt() or "")

    # ---- reading slot values ----

    def _fill_mentioned(
        self, text: str, *, only_missing: bool, overwrite: bool = False, update: bool = False
    ) -> bool:
        """Fill every slot the words give that the agent can use now, but the one asked for
        (see `SlotFilling.fill`); True if any value changed."""
        awaiting = self._flow.awaiting
        awaited = awaiting.name if awaiting and awaiting.kind == "slot" else None
        names = [name for name in self._candidate_slots() if name != awaited]
        return self._filling.fill(
            text, names, self.values, only_missing=only_missing, overwrite=overwrite,
            update=update,
        )

    def _candidate_slots(self) -> list[str]:
        """The slots the caller's words may fill now: the active task's, and the
        verification's until the caller is verified."""
        task = self.task
        names = [*self._verification.wanted(task), *self._filling.task_slots(task)]
        return list(dict.fromkeys(names))

