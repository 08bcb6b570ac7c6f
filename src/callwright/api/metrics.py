"""Prometheus metrics that the call layer updates and GET /metrics exposes.

They live in prometheus-client's default registry, so any module can import and update them.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

# Voice-agent latency lives between ~200 ms (good) and a few seconds (broken).
TURN_LATENCY_BUCKETS_S = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 1.25, 1.5, 2.0, 3.0, 5.0)
# Frames move every 20 ms: a loop later than that delays audio in and out of every call.
LOOP_LAG_BUCKETS_S = (0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0)

CALLS_ACTIVE = Gauge("callwright_calls_active", "Calls in progress on this worker.")
CALLS_CAPACITY = Gauge(
    "callwright_calls_capacity", "Calls this worker holds at once; more are refused."
)
CALLS_REFUSED = Counter(
    "callwright_calls_refused", "Calls refused for capacity, by SIP status sent.", ["status"]
)
CALLS_TOTAL = Counter(
    "callwright_calls", "Calls finished, by agent and outcome.", ["agent", "outcome"]
)
HANDOFFS_TOTAL = Counter(
    "callwright_handoffs",
    "Hand-offs to a person, by agent, reason and result (transferred, failed, message).",
    ["agent", "reason", "result"],
)
TURN_LATENCY_SECONDS = Histogram(
    "callwright_turn_latency_seconds",
    "Caller's end of speech to the agent's first audio on the wire.",
    ["agent"],
    buckets=TURN_LATENCY_BUCKETS_S,
)
SPECULATIONS = Counter(
    "callwright_speculations",
    "Replies answered ahead while the caller paused, by how they ended (used, discarded, "
    "wasted).",
    ["agent", "result"],
)
EVENT_LOOP_LAG_SECONDS = Histogram(
    "callwright_event_loop_lag_seconds",
    "How much later than asked the event loop woke up, sampled every 50 ms.",
    buckets=LOOP_LAG_BUCKETS_S,
)
SIP_REGISTERED = Gauge(
    "callwright_sip_trunk_registered",
    "1 while the trunk's registration is current, 0 otherwise.",
    ["trunk"],
)
SIP_REGISTRATION_RESULTS = Counter(
    "callwright_sip_trunk_registrations",
    "REGISTER attempts with a trunk's registrar, by result (registered, failed).",
    ["trunk", "result"],
)
SIP_REQUESTS_DROPPED = Counter(
    "callwright_sip_requests_dropped",
    "SIP requests not served: over a source's rate limit (rate) or from an address not "
    "allowed (source).",
    ["reason"],
)
