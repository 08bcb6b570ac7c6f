"""Identity verification: who the caller is, before a task acts on their records.

The caller's phone number is tried once first where the agent file allows it; else the
verification's slots are asked for and its action run with them, `attempts` times at most.
The person found is kept for the whole call, and put in the slot values as `person`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from callwright.actions.registry import RunAction
from callwright.agent.dialogue.templates import render_params
from callwright.agent.spec.tasks import TaskSpec, VerificationSpec


@dataclass(frozen=True, slots=True)
class Unverified:
    """The caller is not verified yet: the slot to ask for next, or None when verification
    gave up; `say` comes first (the details did not match, or the giving up)."""

    ask: str | None
    say: str | None = None


class Verification:
    """One call's identity verification: its attempts so far and the person found."""

    def __init__(
        self, spec: VerificationSpec | None, run_action: RunAction, caller_phone: str | None
    ) -> None:
        self._spec = spec
        self._run_action = run_action
        self._caller_phone = caller_phone
        self.verified: dict[str, Any] | None = None  # the person the action found
        self._attempts = 0
        self._caller_id_tried = False

    def needed(self, task: TaskSpec | None) -> bool:
        """Whether `task` must verify the caller before it goes on."""
        return task is not None and task.verify and self.verified is None

    def wanted(self, task: TaskSpec | None) -> list[str]:
        """The verification's slots while `task` still needs them, else none."""
        return list(self._spec.slots) if self._spec and self.needed(task) else []

    async def verify(self, values: dict[str, Any], scope: dict[str, Any]) -> Unverified | None:
        """Try to verify the caller with `values` (their parameters rendered in `scope`);
        None once verified. A refused attempt forgets its slots, to be asked again."""
        spec = self._spec
        assert spec is not None
        if spec.caller_id_param and self._caller_phone and not self._caller_id_tried:
            self._caller_id_tried = True
            if await self._identify(values, {spec.caller_id_param: self._caller_phone}):
                return None
        for name in spec.slots:
            if name not in values:
                return Unverified(name)
        if await self._identify(values, render_params(spec.params, scope)):
            return None
        self._attempts += 1
        for name in spec.slots:
            values.pop(name, None)
        if self._attempts >= spec.attempts:
            return Unverified(None, spec.gave_up)
        return Unverified(spec.slots[0], spec.failed)

    async def _identify(self, values: dict[str, Any], params: dict[str, Any]) -> bool:
        """Run the verification's action; the person it finds is the verified caller."""
        assert self._spec is not None
        result = await self._run_action(self._spec.action, params)
        if result.ok:
            self.verified = result.data
            values["person"] = result.data
        return result.ok
