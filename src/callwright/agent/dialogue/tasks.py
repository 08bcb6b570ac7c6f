"""Running a task's flow: collect, verify, act, choose, confirm, report.

`TaskRunner` is one call's task state: the active task, the slots filled so far
(remembered for the whole call, so a name given turns ago is not asked again),
the results of actions, the verified caller and tasks suspended by a topic switch.

The flow is re-walked from its first step after every change. Steps are written
so that walking them again is harmless: `collect` skips filled slots, `act`
reuses its result while its parameters are unchanged, `confirm` is not asked
again for a text the caller already said yes to. So a correction ("no, Thursday,
not Tuesday") only needs to change a slot: the next walk re-searches, re-offers
and reads the new details back before anything is written.

Numbers gathered across turns are kept by a `NumberEntry`, answers about items given
before their question by `ItemQuestions`; what a task says besides its flow's own texts
is in task_texts.py.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from callwright.actions.registry import ActionResult
from callwright.agent.dialogue import task_texts
from callwright.agent.dialogue.item_questions import ItemQuestions
from callwright.agent.dialogue.number_entry import (
    NumberEntry,
    digit_group,
    keyable,
    keyed_value,
)
from callwright.agent.dialogue.templates import (
    holds,
    lookup,
    plain,
    render,
    render_params,
    spoken_list,
)
from callwright.agent.spec.handoff import BACKEND_FAILURE, NOT_UNDERSTOOD
from callwright.agent.spec.tasks import SlotSpec, Step, TaskSpec, VerificationSpec
from callwright.agent.understanding.entities import extract
from callwright.agent.understanding.entities_values import CONFIDENCE_YES_NO_MIXED
from callwright.agent.understanding.questions import does_not_know
from callwright.agent.understanding.slot_reading import read_slots

log = logging.getLogger("callwright.agent")

RunAction = Callable[[str, dict[str, Any]], Awaitable[ActionResult]]

MAX_SLOT_MISSES = 2  # misses a question survives: asked again, then explained; then a person
ANSWER_WAS_RIGHT = ("no_request",)
"""Failures that another answer cannot mend (the prescription is right, it has no request):
the caller is not asked again for `retry_slots`."""
BACKEND_ERRORS = ("timeout", "backend_error")  # failures of our systems, not of the request
MAX_REPETITIONS = 20  # passes of a repeating task in one reply
CHOSEN_TIME_MIN_CONFIDENCE = 0.6  # a bare hour said when times are offered
_CORRECTION_CUES = re.compile(r"\b(no|not|actually|instead|change|wrong|rather|make it|sorry)\b")
_PLACEHOLDER_ROOT = re.compile(r"\{([a-zA-Z_]\w*)")
_NEGATED = re.compile(r"\bnot\s+(?:on\s+|at\s+|the\s+)?[\w'-]+(?:\s+\d+)?")


@dataclass(slots=True)
class _Awaiting:
    kind: str  # "slot", "confirm", "choose", "change"
    name: str = ""  # the slot, or the confirm text
    misses: int = 0


@dataclass(slots=True)
class TaskReply:
    texts: list[str] = field(default_factory=list)
    handled: bool = True  # False: the task could not use the input (a side question?)
    finished: bool = False  # the task ended (done, or gave up) with this reply
    handoff: str | None = None  # the task hands the caller to a person, for this reason


class TaskRunner:
    """One call's task state and the interpreter of task flows."""

    def __init__(
        self,
        tasks: list[TaskSpec],
        slots: dict[str, SlotSpec],
        verification: VerificationSpec | None,
        run_action: RunAction | None,
        today: Callable[[], date],
        caller_phone: str | None = None,
    ) -> None:
        self._tasks = {task.name: task for task in tasks}
        self._slots = slots
        self._verification = verification
        self._run_action = run_action
        self._today = today
        self._caller_phone = caller_phone
        self.values: dict[str, Any] = {}
        self.verified: dict[str, Any] | None = None
        self.task: TaskSpec | None = None
        self.done_actions: list[str] = []
        self.completed: list[str] = []  # tasks that ran to their last step
        self.failed: list[str] = []  # tasks ended by a failing action or by confusion
        self._awaiting: _Awaiting | None = None
        self._results: dict[int, tuple[str, ActionResult]] = {}
        self._confirmed: set[str] = set()
        self._said: set[tuple[int, str]] = set()
        self._last_heard = ""  # the caller's latest words, which may already pick an option
        self._suspended: list[TaskSpec] = []
        self._verify_attempts = 0
        self._caller_id_tried = False
        self._failed_inputs: set[tuple[str, ...]] = set()  # retry-slot values an action refused
        self._unsure: set[str] = set()  # `unsure_ok` slots the caller could not answer
        self._number = NumberEntry()  # digits keyed or said in groups, across turns
        self._items = ItemQuestions()

    @property
    def active(self) -> bool:
        return self.task is not None

    def is_task(self, intent: str | None) -> bool:
        return intent in self._tasks

    def awaiting_yes_no(self) -> bool:
        """Whether the task asked a yes-or-no question (so "yeah" is an answer, not a
        backchannel, even when said over the end of the question)."""
        awaiting = self._awaiting
        if awaiting is None:
            return False
        return awaiting.kind == "confirm" or (
            awaiting.kind == "slot" and self._slots[awaiting.name].type == "yes_no"
        )

    @property
    def awaiting_kind(self) -> str | None:
        """What the task waits for: "slot", "confirm", "choose", "change", or None."""
        return self._awaiting.kind if self._awaiting else None

    def awaiting_free_text(self) -> bool:
        """Whether any words would do as the answer (so a side question must be checked first)."""
        awaiting = self._awaiting
        return (
            awaiting is not None
            and awaiting.kind == "slot"
            and (self._slots[awaiting.name].type == "text")
        )

    def pending_prompt(self) -> str | None:
        """What the task is waiting for, to ask again after a side question."""
        awaiting = self._awaiting
        if awaiting is None:
            return None
        if awaiting.kind == "slot":
            return render(self._slots[awaiting.name].ask, self._scope())
        if awaiting.kind == "confirm":
            return awaiting.name
        if awaiting.kind == "change":
            return task_texts.CHANGE_PROMPT
        return self._choose_prompt(self._current_step())

    def state(self) -> dict[str, Any]:
        """The dialogue state recorded on the call."""
        return {
            "task": self.task.name if self.task else None,
            "awaiting": self._awaiting.kind + ":" + self._awaiting.name if self._awaiting else None,
            "slots": {name: _jsonable(value) for name, value in self.values.items()},
            "verified": self.verified is not None,
            "done": list(self.done_actions),
            "completed": list(self.completed),
            "failed": list(self.failed),
            "suspended": [task.name for task in self._suspended],
        }

    # ---- starting and switching ----

    async def start(self, name: str, text: str) -> TaskReply:
        """Begin task `name` (pushing an unfinished one aside) with the caller's words."""
        if self.task is not None and self.task.name != name:
            self._suspended.append(self.task)
        self.task = self._tasks[name]
        self._awaiting = None
        self._said.clear()
        self._confirmed.clear()
        self._last_heard = text
        for slot in self._task_slots():  # free-text answers belong to one task's question
            if self._slots[slot].type == "text":
                self.values.pop(slot, None)
        # values said now win over ones remembered from earlier in the call
        self._fill_mentioned(text, only_missing=False, overwrite=True)
        return await self._walk()

    async def hear(self, text: str) -> TaskReply:
        """The caller said something while a task is active."""
        awaiting = self._awaiting
        if awaiting is None:
            return TaskReply(handled=False)
        self._last_heard = text
        if awaiting.kind == "confirm":
            return await self._hear_confirmation(text, awaiting)
        if awaiting.kind == "choose":
            return await self._hear_choice(text, awaiting)
        if awaiting.kind == "change":  # whatever they name now replaces what was read back
            if self._fill_mentioned(text, only_missing=False, overwrite=True):
                return await self._walk()
            return self._missed(awaiting, task_texts.CHANGE_QUESTION)
        spec = self._slots[awaiting.name]
        if spec.about:
            about_items = await self._hear_about_items(awaiting, spec, text)
            if about_items is not None:
                return about_items
        if spec.unsure_ok and does_not_know(text):  # "no real deadline": left out
            self._unsure.add(awaiting.name)
            return await self._walk()
        if spec.type == "yes_no" and _torn(text):
            return TaskReply([f"{task_texts.YES_OR_NO} {render(spec.ask, self._scope())}"])
        value = self._extract(awaiting.name, spec, text)
        if value is not None:
            self._number.clear()
            self.values[awaiting.name] = value
            self._fill_mentioned(text, only_missing=True)
            return await self._walk()
        group = digit_group(text, spec)
        if group is not None:  # digits said in groups with pauses add up to one number
            return await self._hear_number_group(awaiting, spec, group)
        if self._fill_mentioned(text, only_missing=False):
            return await self._walk()
        return TaskReply(handled=False)

    async def hear_digit(self, digit: str) -> TaskReply:
        """A keypad digit: numbers and dates can be keyed, 1/2 answer yes/no."""
        awaiting = self._awaiting
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
        reply = await self._walk()
        if target != awaiting.name:  # keyed ahead of the question: kept, and said so
            reply.texts.insert(0, task_texts.KEYED_AHEAD)
        return reply

    def _keyed_target(self) -> str | None:
        """The slot keyed digits are for: the one asked for if it can be keyed, else the
        first still-missing slot of the task that can (a prescription number keyed while
        the agent asks for the name)."""
        awaiting = self._awaiting
        asked = self._slots[awaiting.name] if awaiting and awaiting.kind == "slot" else None
        if asked is not None and asked.type in ("number", "phone_number", "date"):
            return awaiting.name
        for name in self._candidate_slots():
            spec = self._slots[name]
            if name not in self.values and keyable(spec) and spec.type != "phone_number":
                return name
        return None

    async def _hear_about_items(
        self, awaiting: _Awaiting, spec: SlotSpec, text: str
    ) -> TaskReply | None:
        """Answers about several items at once; each kept until its question comes up. Not
        sure which item a yes or no was for: ask about the one in question again."""
        heard = self._items.hear(text, spec, self._scope())
        if heard is None:
            return None
        ask = render(spec.ask, self._scope())
        if heard.unclear:
            return TaskReply([f"{task_texts.UNSURE_WHICH_ITEM} {ask}"])
        if 0 in heard.answers:
            self.values[awaiting.name] = heard.answers[0]
            return await self._walk()
        if heard.answers:
            return TaskReply([f"{task_texts.NOTED} {ask}"])
        return None

    def _answered_before(self, name: str) -> bool:
        """Fill a question about an item from what the caller already said about it."""
        answer = self._items.answered(self._slots[name], self._scope())
        if answer is not None:
            self.values[name] = answer
        return answer is not None

    async def _hear_number_group(
        self, awaiting: _Awaiting, spec: SlotSpec, group: str
    ) -> TaskReply:
        """A group of digits ("four eight", "two one") said towards the number asked for."""
        number = self._number.said(group, spec)
        if number is None:
            return TaskReply()  # more digits to come: say nothing yet
        if len(number) != spec.digits:
            return self._missed(awaiting, spec.ask)
        self.values[awaiting.name] = number
        return await self._walk()

    def cancel(self) -> None:
        self.task = None
        self._awaiting = None

    # ---- hearing answers ----

    async def _hear_confirmation(self, text: str, awaiting: _Awaiting) -> TaskReply:
        changed = self._fill_mentioned(_strip_negated(text), only_missing=False)
        answer = extract("yes_no", text)
        if changed:
            return await self._walk()
        if _torn(text):
            return TaskReply([f"{task_texts.YES_OR_NO} {self.pending_prompt() or ''}".strip()])
        if answer is not None and answer.value is True:
            self._confirmed.add(awaiting.name)
            return await self._walk()
        if answer is not None and answer.value is False:
            self._awaiting = _Awaiting("change")
            return TaskReply([task_texts.CHANGE_PROMPT])
        return TaskReply(handled=False)

    async def _hear_choice(self, text: str, awaiting: _Awaiting) -> TaskReply:
        correcting = _CORRECTION_CUES.search(text.lower()) is not None
        if correcting and self._fill_mentioned(text, only_missing=False):  # "no, Friday"
            return await self._walk()
        step = self._current_step()
        items = lookup(self._scope(), step.from_ or "") or []
        labels = _labels(step, items)
        choice = extract("choice", _strip_negated(text), options=labels)
        if choice is not None:
            self.values[step.choose] = items[labels.index(choice.value)]
            return await self._walk()
        if self._fill_mentioned(text, only_missing=False):  # "anything later?"
            return await self._walk()
        if self._time_named(text):  # "eleven, please": a time none of the offered ones
            return await self._walk()
        return TaskReply(handled=False)

    def _time_named(self, text: str) -> bool:
        """While choosing among times, a bare hour ("eleven") is a time to look for."""
        named = extract("time", text)
        if named is None or named.confidence < CHOSEN_TIME_MIN_CONFIDENCE:
            return False
        for name in self._candidate_slots():
            if self._slots[name].type == "time" and self.values.get(name) != named.value:
                self.values[name] = named.value
                return True
        return False

    def _missed(self, awaiting: _Awaiting, ask: str) -> TaskReply:
        """The fallback ladder of one question: ask again, then explain how to answer (the
        options, the keypad), then hand the caller to a person with what was collected."""
        awaiting.misses += 1
        if awaiting.misses > MAX_SLOT_MISSES:
            self.failed.append(self.task.name if self.task is not None else "")
            reply = self._finish([])
            reply.handoff = NOT_UNDERSTOOD
            return reply
        if awaiting.misses == MAX_SLOT_MISSES:
            return TaskReply([self._help(awaiting)])
        return TaskReply([task_texts.NOT_CAUGHT.format(ask=render(ask, self._scope()))])

    def _help(self, awaiting: _Awaiting) -> str:
        """How to answer what the task is waiting for, said after the second miss."""
        if awaiting.kind == "choose":
            return f"{task_texts.CHOOSE_HELP} {self._choose_prompt(self._current_step())}"
        return task_texts.how_to_answer(
            awaiting.kind, self._slots.get(awaiting.name), self._scope()
        )

    def missed_current(self) -> TaskReply:
        """The caller's words fit neither the task nor anything else: ask again, or give up."""
        awaiting = self._awaiting or _Awaiting("slot")
        return self._missed(awaiting, self.pending_prompt() or "")

    def _fill_mentioned(self, text: str, *, only_missing: bool, overwrite: bool = False) -> bool:
        """Fill every slot the words give that the agent can use now (the task's, and the
        verification's while the caller is not verified), asked or not; True if any value
        changed. A value already held is only replaced when the caller corrects it or
        `overwrite` (the words that start a task win over older ones)."""
        awaited = self._awaiting.name if self._awaiting and self._awaiting.kind == "slot" else None
        correcting = _CORRECTION_CUES.search(text.lower()) is not None
        candidates = {
            name: self._slots[name]
            for name in self._candidate_slots()
            if name != awaited and not (only_missing and name in self.values)
        }
        changed = False
        for name, value in read_slots(_strip_negated(text), candidates, self._today()).items():
            if name in self.values and not (correcting or overwrite):
                continue
            if value != self.values.get(name):
                self.values[name] = value
                changed = True
        return changed

    def _candidate_slots(self) -> list[str]:
        """The slots the caller's words may fill now: the active task's, and the
        verification's until the caller is verified."""
        names = self._task_slots()
        if self.task is not None and self.task.verify and self.verified is None:
            names = [*(self._verification.slots if self._verification else []), *names]
        return list(dict.fromkeys(names))

    def _extract(self, name: str, spec: SlotSpec, text: str) -> Any:
        if spec.type == "text":
            return text.strip() or None
        entity = extract(
            spec.type,
            text,
            today=self._today(),
            options=spec.options,
            digits=spec.digits,
            past=spec.past,
        )
        return None if entity is None else entity.value

    def _task_slots(self) -> list[str]:
        """Slots the active task collects or passes to its actions."""
        names: list[str] = []
        if self.task is not None:
            for step in self.task.steps:
                names += step.collect or []
                for value in step.params.values():
                    names += [n for n in _PLACEHOLDER_ROOT.findall(str(value)) if n in self._slots]
        return list(dict.fromkeys(names))

    # ---- walking the flow ----

    async def _walk(self) -> TaskReply:
        task = self.task
        if task is None:
            return TaskReply(handled=False)
        texts: list[str] = []
        if task.verify and self.verified is None:
            reply = await self._verify(texts)
            if reply is not None:
                return reply
        for _ in range(MAX_REPETITIONS):
            reply = await self._walk_steps(task, texts)
            if reply is not None:
                return reply
            if not (task.repeat_while and holds(task.repeat_while, self._scope())):
                break
            self._results.clear()  # read again: the last round changed the records
            self._said.clear()
            for name in task.reset:
                self.values.pop(name, None)
        self.completed.append(task.name)
        return self._finish([*texts, task.done])

    async def _walk_steps(self, task: TaskSpec, texts: list[str]) -> TaskReply | None:
        """One pass over the steps; a reply when the caller must answer or the task ends."""
        for index, step in enumerate(task.steps):
            if step.when and not holds(step.when, self._scope()):
                continue
            kind = step.kind
            if kind == "collect":
                for name in step.collect or []:
                    if name in self.values or self._slots[name].optional or name in self._unsure:
                        continue
                    if not self._answered_before(name):
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
                text = render(step.confirm or "", self._scope())
                if text not in self._confirmed:
                    self._awaiting = _Awaiting("confirm", text)
                    return TaskReply([*texts, text])
            elif kind == "say":
                text = render(step.say or "", self._scope())
                if (index, text) not in self._said:  # said once, not on every later pass
                    self._said.add((index, text))
                    texts.append(text)
                if step.end_task:
                    return self._finish(texts)
            if kind == "handoff":
                self.completed.append(task.name)
                reply = self._finish(texts)
                reply.handoff = step.handoff
                return reply
        return None

    def _ask_slot(self, name: str, texts: list[str]) -> TaskReply:
        if self._awaiting is None or self._awaiting.name != name:
            self._awaiting = _Awaiting("slot", name)
        return TaskReply([*texts, render(self._slots[name].ask, self._scope())])

    async def _act(self, index: int, step: Step) -> ActionResult:
        params = render_params(step.params, self._scope())
        key = json.dumps([step.act, params], sort_keys=True, default=str)
        cached = self._results.get(index)
        if cached is not None and cached[0] == key:
            return cached[1]
        result = await self._run(step.act or "", params)
        self._results[index] = (key, result)
        if result.ok:
            if step.as_:
                self.values[step.as_] = result.data
            self.done_actions.append(step.act or "")
        return result

    def _action_failed(self, step: Step, result: ActionResult, texts: list[str]) -> TaskReply:
        """Say the failure plainly; our systems failing (after the registry's safe retry)
        hands the caller to a person with what was collected."""
        message = render(step.failure, self._scope()) if step.failure else result.message
        texts.append(message or task_texts.ACTION_FAILED)
        if result.error in BACKEND_ERRORS:
            self.failed.append(self.task.name if self.task is not None else "")
            reply = self._finish(texts)
            reply.handoff = BACKEND_FAILURE
            return reply
        tried = tuple(repr(self.values.get(name)) for name in step.retry_slots)
        retry = result.error not in ANSWER_WAS_RIGHT and tried not in self._failed_inputs
        if step.retry_slots and retry:
            self._failed_inputs.add(tried)  # the same words again will not be asked again
            for name in step.retry_slots:
                self.values.pop(name, None)
            return self._ask_slot(step.retry_slots[0], texts)
        done = self.task.done if self.task is not None else ""
        self.failed.append(self.task.name if self.task is not None else "")
        return self._finish([*texts, done])

    def _offer(self, step: Step, texts: list[str]) -> TaskReply | None:
        items = lookup(self._scope(), step.from_ or "") or []
        chosen = self.values.get(step.choose or "")
        if chosen is not None and chosen in items:
            return None
        self.values.pop(step.choose or "", None)
        if not items:
            return self._finish([*texts, task_texts.NO_OPTIONS])
        if len(items) == 1:  # nothing to choose; a later confirm step reads it back
            self.values[step.choose or ""] = items[0]
            return None
        labels = _labels(step, items)
        already = extract("choice", _strip_negated(self._last_heard), options=labels)
        if already is not None:  # "Friday at two" names one of the options outright
            self.values[step.choose or ""] = items[labels.index(already.value)]
            return None
        self._awaiting = _Awaiting("choose", step.choose or "")
        return TaskReply([*texts, self._choose_prompt(step)])

    def _choose_prompt(self, step: Step | None) -> str:
        if step is None:
            return ""
        items = lookup(self._scope(), step.from_ or "") or []
        labels = _labels(step, items)
        return task_texts.OPTIONS_OFFERED.format(options=spoken_list(labels))

    def _current_step(self) -> Step | None:
        if self.task is None or self._awaiting is None:
            return None
        for step in self.task.steps:
            if step.choose == self._awaiting.name:
                return step
        return None

    async def _verify(self, texts: list[str]) -> TaskReply | None:
        spec = self._verification
        assert spec is not None
        if spec.caller_id_param and self._caller_phone and not self._caller_id_tried:
            self._caller_id_tried = True
            result = await self._run(spec.action, {spec.caller_id_param: self._caller_phone})
            if result.ok:
                self.verified = result.data
                self.values["person"] = result.data
                return None
        for name in spec.slots:
            if name not in self.values:
                return self._ask_slot(name, texts)
        result = await self._run(spec.action, render_params(spec.params, self._scope()))
        if result.ok:
            self.verified = result.data
            self.values["person"] = result.data
            return None
        self._verify_attempts += 1
        for name in spec.slots:
            self.values.pop(name, None)
        if self._verify_attempts >= spec.attempts:
            return self._finish([*texts, spec.gave_up])
        texts.append(spec.failed)
        return self._ask_slot(spec.slots[0], texts)

    async def _run(self, name: str, params: dict[str, Any]) -> ActionResult:
        if self._run_action is None:
            return ActionResult.failure("backend_error", task_texts.SYSTEMS_UNREACHABLE)
        return await self._run_action(name, params)

    def _finish(self, texts: list[str]) -> TaskReply:
        self._awaiting = None
        self.task = None
        if self._suspended:
            self.task = self._suspended.pop()
        return TaskReply(texts, finished=True)

    async def resume(self) -> TaskReply:
        """Go back to a task that a topic switch pushed aside."""
        return await self._walk()

    def _scope(self) -> dict[str, Any]:
        return {**self.values, "person": self.verified or self.values.get("person")}


def _torn(text: str) -> bool:
    """Whether the words say both yes and no ("no, wait, yes"): never acted on."""
    answer = extract("yes_no", text)
    return answer is not None and answer.confidence <= CONFIDENCE_YES_NO_MIXED


def _strip_negated(text: str) -> str:
    """'Thursday, not Tuesday' -> 'Thursday,': the value after "not" is the one rejected."""
    return _NEGATED.sub(" ", text)


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
