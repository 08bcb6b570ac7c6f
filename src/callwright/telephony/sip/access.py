"""Who may reach the SIP port, and whom callwright may call: nothing open to strangers.

- **Sources.** A new request (INVITE, OPTIONS, REGISTER, ... outside a dialog) is handled
  only from an allowed network or from a trunk's networks; anything else is answered 403
  Forbidden or, with `unknown_sources: drop`, not answered at all (a scanner learns nothing).
  Requests inside a dialog we hold are matched by the dialog, wherever they come from.
- **Rate.** Each source address has its own token bucket per method (INVITE, REGISTER,
  OPTIONS): a flood from one address is dropped while calls from others go on.
- **Call targets.** Transfers and placed calls go only to targets matching the allowlist
  (shell patterns on the URI or number, e.g. "sip:*@pbx.example.com", "+1555*"), so a
  caller cannot talk the agent into calling a premium number. Empty: any target.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Literal

from callwright.telephony.sip.address import SipUri
from callwright.telephony.sip.errors import SipParseError
from callwright.telephony.sip.trunks import Network

RATE_LIMITED_METHODS = ("INVITE", "REGISTER", "OPTIONS")
TRACKED_SOURCES = 10_000  # buckets kept; the least recently seen source is forgotten first


@dataclass(frozen=True, slots=True)
class RateLimit:
    """A token bucket: `per_s` requests a second on average, `burst` at once."""

    per_s: float = 5.0
    burst: int = 20

    def __post_init__(self) -> None:
        if self.per_s <= 0 or self.burst < 1:
            raise ValueError(f"a rate limit needs per_s > 0 and burst >= 1, not {self}")


@dataclass(frozen=True, slots=True)
class SipAccess:
    """The SIP port's policy (see the module docstring); the default lets anything in."""

    allow: tuple[Network, ...] = ()
    """Networks whose new requests are handled (with the trunks'); empty: any source."""
    unknown_sources: Literal["reject", "drop"] = "reject"
    rate_limit: RateLimit | None = field(default_factory=RateLimit)
    call_targets: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.unknown_sources not in ("reject", "drop"):
            raise ValueError(
                f"unknown_sources must be reject or drop, not {self.unknown_sources!r}"
            )

    def admits_source(self, ip: str) -> bool:
        """Whether new requests from `ip` are handled (a trunk's sources are let in apart)."""
        if not self.allow:
            return True
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return False
        return any(address in network for network in self.allow)

    def may_call(self, target: str) -> bool:
        """Whether a transfer or a placed call may go to `target` (a URI or a number)."""
        if not self.call_targets:
            return True
        candidates = {target}
        try:
            user = SipUri.parse(target).user
        except SipParseError:
            user = None
        if user:
            candidates.add(user)
        return any(
            fnmatch.fnmatchcase(candidate, pattern)
            for pattern in self.call_targets for candidate in candidates
        )


class SourceRateLimiter:
    """Token buckets per (source address, method), forgetting the least recent sources."""

    def __init__(self, limit: RateLimit, tracked: int = TRACKED_SOURCES) -> None:
        self._limit = limit
        self._tracked = tracked
        self._buckets: OrderedDict[tuple[str, str], tuple[float, float]] = OrderedDict()

    def allows(self, source: str, method: str, now: float | None = None) -> bool:
        """Take one token for a `method` request from `source`; False when none is left."""
        if method not in RATE_LIMITED_METHODS:
            return True
        now = time.monotonic() if now is None else now
        key = (source, method)
        tokens, last = self._buckets.pop(key, (float(self._limit.burst), now))
        tokens = min(self._limit.burst, tokens + (now - last) * self._limit.per_s)
        allowed = tokens >= 1
        self._buckets[key] = (tokens - 1 if allowed else tokens, now)
        if len(self._buckets) > self._tracked:
            self._buckets.popitem(last=False)
        return allowed
