"""The `outbound:` section of an agent file: how the agent opens a call it places itself.

Example (a campaign gives each person's `first_name` and `prescription_number`):

    outbound:
      greeting: Hello {first_name}, this is {business} with a reminder.
      contact_fields: [first_name, prescription_number]
      start_task: refill-reminder
      opt_out_key: "9"
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from callwright.agent.spec.yaml_lines import Location

OPT_OUT_KEYS = "0123456789*#"
OPT_OUT_SAY = "Understood, we won't call you again. Goodbye."

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class Outbound(BaseModel):
    """How the agent opens a call it places itself (`callwright dial`, a campaign)."""

    model_config = ConfigDict(extra="forbid")

    greeting: str
    """The opening; besides {business} it may name `contact_fields` ("Hello {first_name},
    ..."). A field the call was not given is left out, so write it to read well without."""
    contact_fields: list[str] = Field(default_factory=list)
    """The fields a campaign gives for each person called: tasks read them as
    `{contact.<field>}`, and one named like a slot fills that slot; a task that verifies
    says them only once the callee is verified, and the greeting may not name slots."""
    start_task: str | None = None
    """The task the call is for, begun right after the greeting (e.g. a refill reminder)."""
    opt_out_key: str | None = None
    """A keypad key that asks not to be called again (as do words such as "take me off
    your list"); not while the agent asks for digits."""
    opt_out_say: str = OPT_OUT_SAY
    """Said before hanging up on a callee who asked not to be called again."""

    @field_validator("opt_out_key", mode="before")
    @classmethod
    def _one_key(cls, key: Any) -> Any:
        if isinstance(key, int) and not isinstance(key, bool):
            key = str(key)
        if isinstance(key, str) and (len(key) != 1 or key not in OPT_OUT_KEYS):
            raise ValueError(f"opt_out_key must be one keypad key ({OPT_OUT_KEYS}), not '{key}'")
        return key

    @field_validator("opt_out_say")
    @classmethod
    def _said(cls, text: str) -> str:
        text = " ".join(text.split())
        if not text or _PLACEHOLDER.search(text):
            raise ValueError("opt_out_say is a plain sentence the agent says, without {fields}")
        return text

    @model_validator(mode="after")
    def _greeting_fields(self) -> Outbound:
        self.greeting = " ".join(self.greeting.split())
        if not self.greeting:
            raise ValueError("greeting is empty; write what the agent says when the callee answers")
        known = ["business", *self.contact_fields]
        for name in _PLACEHOLDER.findall(self.greeting):
            if name not in known:
                allowed = ", ".join("{" + field + "}" for field in known)
                raise ValueError(
                    f"unknown placeholder {{{name}}} in greeting; the ones you can use are "
                    f"{allowed} (list a contact's fields under contact_fields:)"
                )
        return self

    def problems(self, tasks: set[str], slots: set[str]) -> list[tuple[Location, str]]:
        """A start task that does not exist; a slot named in the greeting (a task's details
        are said in the task, once the callee is verified)."""
        problems: list[tuple[Location, str]] = []
        if self.start_task and self.start_task not in tasks:
            problems.append((("outbound", "start_task"), f"no task named '{self.start_task}'"))
        for name in sorted(set(_PLACEHOLDER.findall(self.greeting)) & slots):
            message = f"the greeting names the slot {{{name}}}; say it in the task, after verify:"
            problems.append((("outbound", "greeting"), message))
        return problems
