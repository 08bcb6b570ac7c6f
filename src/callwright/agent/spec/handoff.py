"""The `handoff:` part of an agent file: where people are, when, and how a caller reaches them.

Example:

    handoff:
      target: sip:frontdesk@192.0.2.7        # or "${DENTAL_FRONT_DESK}" from the environment
      mode: warm                             # warm: we call the person first; blind: SIP REFER
      hours: {days: [mon, tue, wed, thu, fri], open: "08:00", close: "17:00"}
      webhook: https://crm.example/hooks/handoff
      reasons:
        qualified_lead: {target: sip:sales-rep@192.0.2.8, say: "Let me get you a rep."}

A hand-off happens for a reason (`REASONS`); each reason may override the target, the mode
and what the agent says. With no target, outside the hours, or when nobody answers, the agent
takes a message and a callback number instead, and it becomes a ticket with the summary.
"""

from __future__ import annotations

import os
import re
from datetime import datetime
from datetime import time as time_of_day
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from callwright.agent.dialogue.templates import spoken

Mode = Literal["blind", "warm"]

ASKED_FOR_HUMAN = "asked_for_human"
FRUSTRATION = "frustration"
NOT_UNDERSTOOD = "not_understood"
NO_INPUT = "no_input"
BACKEND_FAILURE = "backend_failure"
EMERGENCY = "emergency"
REASONS = (ASKED_FOR_HUMAN, FRUSTRATION, NOT_UNDERSTOOD, NO_INPUT, BACKEND_FAILURE, EMERGENCY)
"""Built-in reasons; agent files add their own (`policy`, `specialist`, `qualified_lead`)."""

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DEFAULT_RING_S = 20.0
_ENVIRONMENT = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)\}")
_REASON_NAME = re.compile(r"[a-z][a-z0-9_]*")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BusinessHours(_Section):
    """When people answer transfers, in the agent's time zone."""

    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = Field(
        default_factory=lambda: list(WEEKDAYS[:5]), min_length=1
    )
    open: time_of_day = time_of_day(9, 0)
    close: time_of_day = time_of_day(17, 0)

    @model_validator(mode="after")
    def _opens_before_closing(self) -> BusinessHours:
        if self.close <= self.open:
            raise ValueError(f"close ({self.close:%H:%M}) must be after open ({self.open:%H:%M})")
        return self

    def spoken(self) -> str:
        """E.g. "Monday to Friday, from 8 AM to 5 PM"."""
        names = [DAY_NAMES[WEEKDAYS.index(day)] for day in WEEKDAYS if day in self.days]
        indexes = [WEEKDAYS.index(day) for day in WEEKDAYS if day in self.days]
        consecutive = indexes == list(range(indexes[0], indexes[-1] + 1)) if indexes else False
        if len(names) > 2 and consecutive:
            days = f"{names[0]} to {names[-1]}"
        else:
            days = ", ".join(names[:-1]) + (" and " if len(names) > 1 else "") + names[-1]
        return f"{days}, from {spoken(self.open)} to {spoken(self.close)}"

    def covers(self, moment: datetime) -> bool:
        """Whether `moment` (in the agent's zone) is inside the hours."""
        day = WEEKDAYS[moment.weekday()]
        return day in self.days and self.open <= moment.time() < self.close


class HandoffRoute(_Section):
    """Overrides for one reason; unset fields come from the `handoff:` section."""

    target: str | None = None
    mode: Mode | None = None
    say: str | None = None
    """What the agent says just before it transfers for this reason."""


class MessageTexts(_Section):
    """What the agent says while it takes a message instead of transferring."""

    offer: str = "I can take a message and have someone from our team call you back."
    ask_phone: str = "What's the best phone number to reach you?"
    ask_message: str = "What would you like me to pass on?"
    confirm: str = "I'll have someone call you back at {callback_phone:phone}. Is that right?"
    done: str = (
        "Thanks. I've passed your message on as ticket {ticket.number:digits}, and someone "
        "will call you back at {callback_phone:phone}."
    )


class HandoffSpec(_Section):
    target: str | None = None
    """SIP URI of the people who take calls over; ``${VAR}`` reads it from the environment
    (unset: no transfer, the agent takes a message)."""
    mode: Mode = "warm"
    """warm: callwright calls the person, tells them about the caller, then connects both;
    blind: SIP REFER sends the caller's phone straight to the target."""
    hours: BusinessHours | None = None
    """When people answer; outside them the agent takes a message. Unset: always."""
    ring_s: float = Field(default=DEFAULT_RING_S, gt=0, le=120)
    """How long a transfer may ring before the agent comes back to the caller."""
    say: str = "Let me connect you with someone from our team."
    hold: str = "Please hold while I connect you."
    """Said to the caller before the hold audio of a warm transfer."""
    failed: str = "I'm sorry, I couldn't reach anyone right now."
    closed: str = "Our team isn't available right now."
    emergency: str = (
        "If this is a medical emergency or anyone is in danger, please hang up and call nine "
        "one one right away."
    )
    """Said first when a caller describes an emergency; then the hand-off."""
    apology: str = "I'm sorry this has been frustrating."
    """Said once, before a hand-off the caller's frustration asked for."""
    trouble: str = "I'm sorry, I'm having trouble understanding."
    """Said before a hand-off because the agent could not understand the caller."""
    unavailable: str = (
        "Nobody can take the call right now, but your message will reach our team."
    )
    """Said when the caller asks for a person again after a message was taken."""
    message_failed: str = (
        "I'm sorry I couldn't take your message. Please call back during business hours. "
        "Goodbye!"
    )
    webhook: str | None = None
    """URL that receives each hand-off as JSON (the summary and what was collected);
    ``${VAR}`` reads it from the environment."""
    message: MessageTexts = Field(default_factory=MessageTexts)
    reasons: dict[str, HandoffRoute] = Field(default_factory=dict)

    @field_validator("target")
    @classmethod
    def _sip_target(cls, target: str | None) -> str | None:
        return None if target is None else _check_target(target)

    @field_validator("webhook")
    @classmethod
    def _http_webhook(cls, url: str | None) -> str | None:
        if url is not None and not url.startswith(("http://", "https://", "${")):
            raise ValueError(
                f"webhook '{url}' must start with http:// or https://, or be ${{VARIABLE}}"
            )
        return url

    @field_validator("reasons")
    @classmethod
    def _reason_names(cls, reasons: dict[str, HandoffRoute]) -> dict[str, HandoffRoute]:
        for name, route in reasons.items():
            if not _REASON_NAME.fullmatch(name):
                raise ValueError(f"'{name}' is not a reason name; use lowercase and '_'")
            if route.target is not None:
                _check_target(route.target)
        return reasons

    def closed_text(self) -> str:
        """What the agent says when nobody can answer now, with the hours when set."""
        if self.hours is None:
            return self.closed
        return f"{self.closed} Our team is available {self.hours.spoken()}."

    def route(self, reason: str) -> ResolvedRoute:
        """Where and how a hand-off for `reason` goes, environment variables read now."""
        override = self.reasons.get(reason, HandoffRoute())
        return ResolvedRoute(
            reason=reason,
            target=resolve_environment(override.target or self.target),
            mode=override.mode or self.mode,
            say=override.say or self.say,
        )


class ResolvedRoute(BaseModel):
    reason: str
    target: str | None
    mode: Mode
    say: str


def resolve_environment(value: str | None) -> str | None:
    """``${VAR}`` replaced from the environment; None when a named variable is unset or empty."""
    if value is None:
        return None
    missing = [name for name in _ENVIRONMENT.findall(value) if not os.environ.get(name)]
    if missing:
        return None
    return _ENVIRONMENT.sub(lambda match: os.environ[match.group(1)], value)


def _check_target(target: str) -> str:
    if not _ENVIRONMENT.fullmatch(target) and not target.startswith(("sip:", "sips:")):
        raise ValueError(
            f"target '{target}' must be a SIP URI such as sip:frontdesk@192.0.2.7, or "
            "${VARIABLE} naming one in the environment"
        )
    return target

