"""Walking a task's flow: verify, collect, act, choose, confirm, say, hand off.

`Flow` is one call's task state (the active task, the slots filled so far, remembered for
the whole call so a name given turns ago is not asked again, the results of actions, the
tasks suspended by a topic switch) and the interpreter of its steps. What the caller says is
heard by `TaskRunner` (tasks.py), which fills the state and walks the flow again.

The flow is re-walked from its first step after every change. Steps are written
so that walking them again is harmless: `collect` skips filled slots, `act`
reuses its result while its parameters are unchanged, `confirm` is not asked
again for a text the caller already said yes to. So a correction ("no, Thursday,
not Tuesday") only needs to change a slot: the next walk re-searches, re-offers
and reads the new details back before anything is written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from callwright.actions.registry import ActionResult, RunAction
from callwright.agent.dialogue import task_texts
from callwright.agent.dialogue.item_questions import ItemQuestions
from callwright.agent.dialogue.slot_filling import strip_negated
from callwright.agent.dialogue.templates import (
    holds,
    lookup,
    plain,
    render,
    render_params,
    spoken_list,
)
from callwright.agent.dialogue.verification import Verification
from callwright.agent.spec.handoff import BACKEND_FAILURE
from callwright.agent.spec.tasks import SlotSpec, Step, TaskSpec
from callwright.agent.understanding.calendar_dates import day_of, same_day_named
from callwright.agent.understanding.entities import extract

ANSWER_WAS_RIGHT = ("no_request",)
"""Failures that another answer cannot mend (the prescription is right, it has no request):
the caller is not asked again for `retry_slots`."""
BACKEND_ERRORS = ("timeout", "backend_error")  # failures of our systems, not of the request
MAX_REPETITIONS = 20  # passes of a repeating task in one reply


@dataclass(slots=True)
class Awaiting:
    kind: str  # "slot", "confirm", "choose", "change"
    name: str = ""  # the slot, or the confirm text
    misses: int = 0
    torn: int = 0  # answers that said both yes and no
    noted: int = 0  # answers that gave other details, each followed by this question again


@dataclass(slots=True)
class TaskReply:
    texts: list[str] = field(default_factory=list)
    handled: bool = True  # False: the task could not use the input (a side question?)
    finished: bool = False  # the task ended (done, or gave up) with this reply
    handoff: str | None = None  # the task hands the caller to a person, for this reason


class Flow:
    """One call's task state and the interpreter of task flows."""

    def __init__(
        self, slots: dict[str, SlotSpec], verification: Verification, run_action: RunAction
    ) -> None:
        self._slots = slots
        self._verification = verification
        self._run_action = run_action
        self.values: dict[str, Any] = {}
        self.task: TaskSpec | None = None
        self.awaiting: Awaiting | None = None
        self.done_actions: list[str] = []
        self.completed: list[str] = []  # tasks that ran to their last step
        self.failed: list[str] = []  # tasks ended by a failing action or by confusion
        self.confirmed: set[str] = set()  # read-backs the caller said yes to
        self.unsure: set[str] = set()  # `unsure_ok` slots the caller could not answer
        self.outcomes: list[str] = []  # the `outcome:` of each step run, in order
        self.heard = ""  # the caller's latest words, which may already pick an option
        self.before_items: list[str] = []
        """What the caller said in this task before its items were known (while being
        verified), read for answers about them once they are."""
        self.items = ItemQuestions()
        self.further: list[tuple[str, Any]] = []
        """(slot, value) of more items named when the task began, each done in a round."""
        self._results: dict[tuple[str, int], tuple[str, ActionResult]] = {}
        """Each (task, step)'s last action: its call and result, reused while unchanged."""
        self._said: set[tuple[int, str]] = set()
        self._suspended: list[tuple[TaskSpec, dict[str, Any]]] = []
        """Tasks a topic switch set aside, each with the values it had collected."""
        self._failed_inputs: set[tuple[str, ...]] = set()  # retry-slot values an action refused
        self._handoff_after_items: str | None = None
        """A hand-off waiting while the items already answered about are done first."""

    def state(self) -> dict[str, Any]:
        """The dialogue state recorded on the call."""
        return {
            "task": self.task.name if self.task else None,
            "awaiting": self.awaiting.kind + ":" + self.awaiting.name if self.awaiting else None,
            "slots": {name: _jsonable(value) for name, value in self.values.items()},
            "verified": self._verification.verified is not None,
            "done": list(self.done_actions),
            "completed": list(self.completed),
            "failed": list(self.failed),
            "outcomes": list(self.outcomes),
            "suspended": [task.name for task, _ in self._suspended],
        }

    def begin(self, task: TaskSpec, *, instead: bool = False) -> None:
        """Make `task` the active one, pushing an unfinished other one aside, or dropping it
        when the caller wants this one `instead`."""
        if self.task is not None and self.task.name != task.name and not instead:
            self._suspended.append((self.task, self._own_values(self.task)))
        self.task = task
        self.awaiting = None
        self._handoff_after_items = None
        self.before_items.clear()
        self._said.clear()
        self.confirmed.clear()

    def hearing(self, text: str, opening: bool = False) -> None:
        """The caller's latest words; the task's `opening` ones, or words said while being
        verified, are kept to be read for items once those are known."""
        self.heard = text
        if opening or self._verification.needed(self.task):
            self.before_items.append(text)

    def cancel(self) -> None:
        self.task = None
        self.awaiting = None

    async def walk(self) -> TaskReply:
        """Walk the active task from its first step to what the caller must answer next, or
        to its end."""
        task = self.task
        if task is None:
            return TaskReply(handled=False)
        texts: list[str] = []
        if self._verification.needed(task):
            reply = await self._verify(texts)
            if reply is not None:
                return reply
        for _ in range(MAX_REPETITIONS):
            reply = await self._walk_steps(task, texts)
            if reply is not None:
                return reply
            if self.further:  # "both, 4417 and 5521": the same task for the next one
                name, value = self.further.pop(0)
                self._next_round(task)
                self.values[name] = value
                texts.append(task_texts.NEXT_ONE)
                continue
            if not (task.repeat_while and holds(task.repeat_while, self.scope())):
                break
            self._results.clear()  # read again: the last round changed the records
            self._said.clear()
            for name in task.reset:
                self.values.pop(name, None)
        if self._handoff_after_items is not None:
            return self._hand_off(task, texts, self._handoff_after_items)
        self.completed.append(task.name)
        return self.finish([*texts, task.done])

    async def _walk_steps(self, task: TaskSpec, texts: list[str]) -> TaskReply | None:
        """One pass over the steps; a reply when the caller must answer or the task ends."""
        for index, step in enumerate(task.steps):
            if step.when and not holds(step.when, self.scope()):
                continue
            kind = step.kind
            if kind == "collect":
                for name in step.collect or []:
                    if name in self.values or self._slots[name].optional or name in self.unsure:
                        continue
                    if self._answered_before(name):
                        continue
                    if self._handoff_after_items is not None:  # the answered ones are done
                        return self._hand_off(task, texts, self._handoff_after_items)
                    return self._ask_slot(name, texts)
            elif kind == "act":
                result = await self._act(index, step)
                if not result.ok:
                    return self._action_failed(step, result, texts)
            elif kind == "choose":
                reply = self._offer(step, texts)
                if reply is not None:
                    return reply
            elif kind == "confirm":
                text = render(step.confirm or "", self.scope())
                if text not in self.confirmed:
                    self.awaiting = Awaiting("confirm", text)
                    return TaskReply([*texts, text])
            elif kind == "say":
                text = render(step.say or "", self.scope())
                if (index, text) not in self._said:  # said once, not on every later pass
                    self._said.add((index, text))
                    texts.append(text)
                    self.outcomes += [step.outcome] if step.outcome else []
                if step.end_task:  # this one can't be done: on to the next one named, if any
                    return None if self.further else self.finish(texts)
            if kind == "handoff":
                if task.repeat_while and self._answered_ahead(task):
                    # "ElectroMart isn't mine, the coffee is": the coffee is marked first
                    self._handoff_after_items = step.handoff
                    return None
                return self._hand_off(task, texts, step.handoff)
        return None

    def _hand_off(self, task: TaskSpec, texts: list[str], reason: str | None) -> TaskReply:
        """End `task` at a hand-off step: a person takes over for `reason`."""
        self._handoff_after_items = None
        self.completed.append(task.name)
        reply = self.finish(texts)
        reply.handoff = reason
        return reply

    def _answered_ahead(self, task: TaskSpec) -> bool:
        """Whether the caller already answered about an item after the one in question."""
        about = [
            self._slots[name] for step in task.steps for name in step.collect or []
            if self._slots[name].about
        ]  # fmt: skip
        return any(self.items.answered_ahead(spec, self.scope()) for spec in about)

    def _own_values(self, task: TaskSpec) -> dict[str, Any]:
        """The values `task`'s steps collected or chose."""
        names = [n for step in task.steps for n in [*(step.collect or []), step.choose or ""]]
        return {name: self.values[name] for name in names if name in self.values}

    def _next_round(self, task: TaskSpec) -> None:
        """Forget what one round of `task` collected, chose and confirmed."""
        self._results.clear()
        self._said.clear()
        self.confirmed.clear()
        for step in task.steps:
            for name in [*(step.collect or []), step.choose or ""]:
                self.values.pop(name, None)

    def _answered_before(self, name: str) -> bool:
        """Fill a question about an item from what the caller already said about it, also
        in the words that began the task."""
        spec = self._slots[name]
        if spec.about and lookup(self.scope(), spec.about):
            for text in self.before_items:
                self.items.hear(text, spec, self.scope(), asked=False)
            self.before_items.clear()
        answer = self.items.answered(spec, self.scope())
        if answer is not None:
            self.values[name] = answer
        return answer is not None

    def _ask_slot(self, name: str, texts: list[str]) -> TaskReply:
        if self.awaiting is None or self.awaiting.name != name:
            self.awaiting = Awaiting("slot", name)
        return TaskReply([*texts, render(self._slots[name].ask, self.scope())])

    async def _verify(self, texts: list[str]) -> TaskReply | None:
        """Ask for what verification needs, or give up; None once the caller is verified."""
        unverified = await self._verification.verify(self.values, self.scope())
        if unverified is None:
            return None
        if unverified.say is not None:
            texts.append(unverified.say)
        if unverified.ask is None:
            return self.finish(texts)
        return self._ask_slot(unverified.ask, texts)

    async def _act(self, index: int, step: Step) -> ActionResult:
        params = render_params(step.params, self.scope())
        key = json.dumps([step.act, params], sort_keys=True, default=str)
        step_of = (self.task.name if self.task is not None else "", index)  # not another task's
        cached = self._results.get(step_of)
        if cached is not None and cached[0] == key:
            if cached[1].ok and step.as_:  # back from another task that named a result alike
                self.values[step.as_] = cached[1].data
            return cached[1]
        result = await self._run_action(step.act or "", params)
        self._results[step_of] = (key, result)
        if result.ok:
            if step.as_:
                self.values[step.as_] = result.data
            self.done_actions.append(step.act or "")
            self.outcomes += [step.outcome] if step.outcome else []
        return result

    def _action_failed(
        self, step: Step, result: ActionResult, texts: list[str]
    ) -> TaskReply | None:
        """Say the failure plainly; our systems failing (after the registry's safe retry)
        hands the caller to a person with what was collected. None: on to the next item
        the caller named ("the coffee maker and the lamp": the first is too old)."""
        message = render(step.failure, self.scope()) if step.failure else result.message
        texts.append(message or task_texts.ACTION_FAILED)
        if result.error in BACKEND_ERRORS:
            return self.fail(texts, BACKEND_FAILURE)
        tried = tuple(repr(self.values.get(name)) for name in step.retry_slots)
        retry = result.error not in ANSWER_WAS_RIGHT and tried not in self._failed_inputs
        if step.retry_slots and retry:
            self._failed_inputs.add(tried)  # the same words again will not be asked again
            for name in step.retry_slots:
                self.values.pop(name, None)
            return self._ask_slot(step.retry_slots[0], texts)
        if self.further:
            return None
        done = self.task.done if self.task is not None else ""
        return self.fail([*texts, done])

    def _offer(self, step: Step, texts: list[str]) -> TaskReply | None:
        items = self.offered(step)
        chosen = self.values.get(step.choose or "")
        if chosen is not None and chosen in items:
            return None
        self.values.pop(step.choose or "", None)
        if not items:
            return self.finish([*texts, task_texts.NO_OPTIONS])
        if len(items) == 1:  # nothing to choose; a later confirm step reads it back
            self._choose(step, items[0])
            return None
        if self.pick(step, items, self.heard):  # "Friday at two" names one option outright
            return None
        self.awaiting = Awaiting("choose", step.choose or "")
        return TaskReply([*texts, self.choose_prompt(step)])

    def offered(self, step: Step) -> list[Any]:
        """The items a choose step offers."""
        return lookup(self.scope(), step.from_ or "") or []

    def pick(self, step: Step, items: list[Any], text: str) -> bool:
        """Choose the one of `items` that the words name, if they name one."""
        labels = _labels(step, items)
        named = extract("choice", strip_negated(text), options=labels)
        if named is None:
            return False
        self._choose(step, items[labels.index(named.value)])
        return True

    def _choose(self, step: Step, item: Any) -> None:
        """Take `item`; a day said before it was chosen that is the item's own day ("my
        cleaning on Tuesday, I need to push it back") is no answer to a later "what day?"."""
        self.values[step.choose or ""] = item
        if self.task is None or not isinstance(item, dict):
            return
        days = {day for day in map(day_of, item.values()) if day is not None}
        later = self.task.steps[self.task.steps.index(step) + 1 :]
        for name in (name for later_step in later for name in later_step.collect or []):
            said = self.values.get(name)
            if self._slots[name].type == "date" and same_day_named(said, days):
                del self.values[name]

    def choose_prompt(self, step: Step | None) -> str:
        if step is None:
            return ""
        labels = _labels(step, self.offered(step))
        return task_texts.OPTIONS_OFFERED.format(options=spoken_list(labels))

    def current_step(self) -> Step | None:
        """The choose step the task waits on, if any."""
        if self.task is None or self.awaiting is None:
            return None
        for step in self.task.steps:
            if step.choose == self.awaiting.name:
                return step
        return None

    def fail(self, texts: list[str], handoff: str | None = None) -> TaskReply:
        """End the task unfinished, handing the caller to a person for `handoff` if given."""
        self.failed.append(self.task.name if self.task is not None else "")
        reply = self.finish(texts)
        reply.handoff = handoff
        return reply

    def finish(self, texts: list[str]) -> TaskReply:
        """End the task with `texts`, going back to a task a topic switch set aside."""
        self.awaiting = None
        self.task = None
        if self._suspended:  # its own values back: "where's my other order?" took another
            self.task, own = self._suspended.pop()
            self.values.update(own)
        return TaskReply(texts, finished=True)

    def scope(self) -> dict[str, Any]:
        """What placeholders and conditions are read against: the slots and the person."""
        return {**self.values, "person": self._verification.verified or self.values.get("person")}


def _labels(step: Step, items: list[Any]) -> list[str]:
    """How the options of a choose step are named: each item's `label` field, or the item."""
    return [
        str(item.get(step.label, "")) if isinstance(item, dict) else str(item) for item in items
    ]


def _jsonable(value: Any) -> Any:
    value = plain(value)
    if isinstance(value, dict | list | str | int | float | bool) or value is None:
        return value
    return str(value)
