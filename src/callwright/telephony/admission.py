"""Admission control: how many calls this box holds at once, and how the next is refused.

Beyond the capacity a new call would slow every call already up (they share the CPU), so
it is refused at once instead: 503 Service Unavailable with Retry-After (the default: a
trunk or proxy tries another server, or this one later) or 486 Busy Here (the caller
hears busy). The capacity comes from `bench/task_latency.py` on the box's kind; the
server exports it and the current load in `/metrics`.
"""

from __future__ import annotations

from dataclasses import dataclass

REFUSAL_STATUSES = (486, 503)


@dataclass(frozen=True, slots=True)
class AdmissionPolicy:
    """Calls held at once, and the answer to one more."""

    max_calls: int = 6
    refuse_with: int = 503
    retry_after_s: int = 30

    def __post_init__(self) -> None:
        if self.max_calls < 1:
            raise ValueError(f"max_calls must be at least 1, not {self.max_calls}")
        if self.refuse_with not in REFUSAL_STATUSES:
            raise ValueError(f"refuse_with must be 486 or 503, not {self.refuse_with}")
        if self.retry_after_s < 0:
            raise ValueError(f"retry_after_s must not be negative, not {self.retry_after_s}")

    def admits(self, calls_up: int) -> bool:
        """Whether a new call may join the `calls_up` already held."""
        return calls_up < self.max_calls

    def refusal_headers(self) -> list[tuple[str, str]]:
        """The headers of the refusal (Retry-After on a 503, RFC 3261 section 20.33)."""
        if self.refuse_with == 503:
            return [("Retry-After", str(self.retry_after_s))]
        return []
