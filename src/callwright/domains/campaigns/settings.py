"""A campaign's settings: who talks, when and how often to call, and what to do on a machine.

The same model reads a campaign file (YAML, `callwright campaigns create`) and the API's body,
so both give the same error for the same mistake."""

from __future__ import annotations

import re
from datetime import time
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class CampaignSettings(BaseModel):
    """Everything about a campaign but its contacts."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=255, pattern=r"^[A-Za-z0-9][\w.-]*$")
    agent: str = Field(min_length=1)
    """The agent that talks (its file's name under agents/); it needs an `outbound:` opening."""
    window_start: str = "09:00"
    """Earliest local time a contact is called, in the contact's own time zone."""
    window_end: str = "20:00"
    """Latest local time a call may start."""
    days: list[str] = Field(default_factory=lambda: list(DAY_NAMES[:5]))
    """Days a contact may be called, in their own time zone: mon ... sun."""
    timezone: str = "America/New_York"
    """The zone of contacts whose list gives none."""
    max_attempts: int = Field(default=3, ge=1, le=20)
    retry_after_s: float = Field(default=3600.0, ge=1.0)
    """Wait before the second attempt; it doubles for each later one."""
    max_concurrent: int = Field(default=2, ge=1, le=500)
    """Calls of this campaign at once, at most."""
    pace_per_minute: float = Field(default=10.0, gt=0, le=6000)
    """Calls started per minute, at most."""
    caller_id: str | None = None
    """The number the callee sees; else the trunk's."""
    trunk: str | None = None
    """The SIP trunk to call through (its name in the SIP settings); else direct SIP URIs."""
    ring_timeout_s: float = Field(default=30.0, ge=5.0, le=120.0)
    on_machine: Literal["leave_message", "hang_up"] = "hang_up"
    """On an answering machine: leave `voicemail` after its beep, or hang up (and call again
    while attempts are left)."""
    voicemail: str = ""
    """Message left on a machine, with {field} placeholders from the contact; no private
    details (a machine is no verified person)."""
    opt_out_scope: Literal["business", "campaign"] = "business"
    """Where a callee who asks not to be called again is listed: for every campaign, or this one."""
    detection_deadline_s: float = Field(default=3.0, ge=0.5, le=10.0)
    """Person or machine is decided by then; when unsure, the call goes on as with a person."""

    @field_validator("window_start", "window_end")
    @classmethod
    def _clock(cls, value: str) -> str:
        if not CLOCK.match(value):
            raise ValueError(f"{value!r} is not a 24-hour time like 09:00")
        return value

    @field_validator("days")
    @classmethod
    def _days(cls, value: list[str]) -> list[str]:
        days = [day.strip().lower()[:3] for day in value]
        unknown = [day for day in days if day not in DAY_NAMES]
        if unknown or not days:
            raise ValueError(f"days must be among {', '.join(DAY_NAMES)}; got {value!r}")
        return days

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return checked_zone(value)

    @model_validator(mode="after")
    def _window(self) -> CampaignSettings:
        if self.on_machine == "leave_message" and not self.voicemail.strip():
            raise ValueError("on_machine is leave_message: write the message under voicemail:")
        if self.window_start >= self.window_end:
            raise ValueError(
                f"window_start {self.window_start} must come before window_end {self.window_end}"
            )
        return self

    @property
    def window(self) -> tuple[time, time]:
        return time.fromisoformat(self.window_start), time.fromisoformat(self.window_end)


def checked_zone(name: str) -> str:
    """`name` when it is a known IANA time zone; ValueError saying what to write instead."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r}; use an IANA name such as America/Chicago"
        ) from None
    return name
