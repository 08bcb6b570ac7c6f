"""Reading the caller's words into slot values.

`SlotFilling` knows the agent's slots and today's date; the task state (which slots may be
filled now, the values held so far) is passed in by the task flow that owns it. Words that
reject a value ("Thursday, not Tuesday") or say yes and no at once are read here too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from callwright.agent.spec.tasks import SlotSpec, TaskSpec
from callwright.agent.understanding.entities import extract
from callwright.agent.understanding.entities_durations import extract_months
from callwright.agent.understanding.entities_yes_no import CONFIDENCE_YES_NO_MIXED
from callwright.agent.understanding.slot_reading import read_slots

CHOSEN_TIME_MIN_CONFIDENCE = 0.6  # a bare hour said when times are offered
UPDATED_TYPES = frozenset({"date", "time", "choice"})  # said again later, the newer one counts
_CORRECTION_CUES = re.compile(r"\b(no|not|actually|instead|change|wrong|rather|make it|sorry)\b")
_PLACEHOLDER_ROOT = re.compile(r"\{([a-zA-Z_]\w*)")
_THIS_NUMBER = re.compile(
    r"\b(?:this|that|same|the same|my) (?:number|one|phone|line)\b|\b(?:calling|phoning|ringing)"
    r" (?:you |in )?(?:from|on)\b|\bcaller id\b",
    re.I,
)
"""A phone number given as the one the caller is calling from."""
_NEGATED = re.compile(r"\bnot\s+(?:on\s+|at\s+|the\s+)?[\w'-]+(?:\s+\d+)?")


class SlotFilling:
    """The agent's slots, read from the caller's words."""

    def __init__(
        self, slots: dict[str, SlotSpec], today: Callable[[], date], caller_phone: str | None = None
    ) -> None:
        self._slots = slots
        self._today = today
        self._caller_phone = caller_phone

    def task_slots(self, task: TaskSpec | None) -> list[str]:
        """Slots `task` collects or passes to its actions."""
        names: list[str] = []
        if task is not None:
            for step in task.steps:
                names += step.collect or []
                for value in step.params.values():
                    names += [n for n in _PLACEHOLDER_ROOT.findall(str(value)) if n in self._slots]
        return list(dict.fromkeys(names))

    def value(self, spec: SlotSpec, text: str) -> Any:
        """The value the words give for the slot asked about, or None."""
        if spec.type == "text":
            return text.strip() or None
        if spec.unit == "months":
            months = extract_months(text, self._today())
            if months is not None:
                return months.value
        entity = extract(
            spec.type,
            text,
            today=self._today(),
            options=spec.options,
            digits=spec.digits,
            past=spec.past,
        )
        if entity is None and spec.type == "phone_number" and _THIS_NUMBER.search(text):
            entity = extract("phone_number", self._caller_phone or "")  # the caller id
        return None if entity is None else entity.value

    def fill(
        self,
        text: str,
        names: list[str],
        values: dict[str, Any],
        *,
        only_missing: bool,
        overwrite: bool = False,
        update: bool = False,
    ) -> bool:
        """Fill in `values` every slot of `names` the words give, asked or not; True if any
        value changed. A value already held is only replaced when the caller corrects it,
        `overwrite` (the words that start a task win over older ones) or, with `update`, when
        it is a day, time or option named again (numbers are not: a birth year is no card's
        last four digits)."""
        correcting = corrects(text)
        candidates = {
            name: self._slots[name] for name in names if not (only_missing and name in values)
        }
        changed = False
        for name, value in read_slots(strip_negated(text), candidates, self._today()).items():
            updated = update and self._slots[name].type in UPDATED_TYPES
            if name in values and not (correcting or overwrite or updated):
                continue
            if value != values.get(name):
                values[name] = value
                changed = True
        return changed

    def time_named(self, text: str, names: list[str], values: dict[str, Any]) -> bool:
        """While choosing among times, a bare hour ("eleven") is a time to look for: set in
        the first time slot of `names` that held another; True if one was."""
        named = extract("time", text)
        if named is None or named.confidence < CHOSEN_TIME_MIN_CONFIDENCE:
            return False
        for name in names:
            if self._slots[name].type == "time" and values.get(name) != named.value:
                values[name] = named.value
                return True
        return False


def corrects(text: str) -> bool:
    """Whether the words correct something ("no, Friday", "actually ...")."""
    return _CORRECTION_CUES.search(text.lower()) is not None


def torn(text: str) -> bool:
    """Whether the words say both yes and no ("no, wait, yes"): never acted on."""
    answer = extract("yes_no", text)
    return answer is not None and answer.confidence <= CONFIDENCE_YES_NO_MIXED


def strip_negated(text: str) -> str:
    """'Thursday, not Tuesday' -> 'Thursday,': the value after "not" is the one rejected."""
    return _NEGATED.sub(" ", text)
