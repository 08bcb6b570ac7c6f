"""The caller's turns timed on the wire: a level's capture (bench/wire.py) split per call by the
caller's RTP port, each caller line found near the time the caller's loop queued it.

- voice-to-voice: the line's last voiced caller packet -> the first voiced agent packet after;
- barge-in stop: the first voiced caller packet of the barge-in line -> the last voiced agent
  packet before the agent falls silent (BARGE_IN_SILENCE_S without its voice).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field

from bench.latency.caller import NO_REPLY_S, CallLog, Phrase
from bench.wire import WirePacket

PACKET_S = 0.02  # audio a packet carries: its voice ends this long after it is sent
LINE_EARLY_S = 0.1  # a line's packets may be captured this long before it was queued
LINE_LATE_S = 0.5  # ... and up to this long after its planned end
TALKING_S = 0.1  # an agent voiced packet this recent means the agent is talking
BARGE_IN_SILENCE_S = 0.5  # the agent's voice gone this long: it stopped (longer than a pause
# between its words or sentences, shorter than the caller's barge-in line)


@dataclass(slots=True)
class WireTimes:
    """A level's turns as the wire saw them, in seconds."""

    replies: list[float] = field(default_factory=list)  # voice-to-voice, per replied line
    barge_ins: list[float] = field(default_factory=list)  # barge-in stop, per barge-in
    turns: int = 0  # caller lines found on the wire
    unreplied: int = 0  # lines with no agent voice within NO_REPLY_S after them
    talked_over: int = 0  # lines the agent was still speaking at the end of (no voice-to-voice)
    missing: int = 0  # lines the caller queued that the wire does not show
    barge_ins_missed: int = 0  # barge-in lines begun while the agent was already silent
    onset_lags: list[float] = field(default_factory=list)  # first voiced packet - queued


def time_calls(packets: list[WirePacket], calls: list[CallLog]) -> WireTimes:
    """The turns of `calls` (those answered) in `packets`, the capture of their level."""
    times = WireTimes()
    by_port: dict[int, list[WirePacket]] = {}
    for packet in packets:
        by_port.setdefault(packet.caller_port, []).append(packet)
    for call in calls:
        own = sorted(by_port.get(call.rtp_port, []), key=lambda packet: packet.at)
        caller = [p.at for p in own if p.from_caller and p.voiced]
        agent = [p.at for p in own if not p.from_caller and p.voiced]
        for phrase in call.phrases:
            time_phrase(phrase, caller, agent, times)
    return times


def time_phrase(
    phrase: Phrase, caller: list[float], agent: list[float], times: WireTimes,
    agent_stop: Callable[[list[float], float], float | None] | None = None,
) -> None:
    """Add `phrase`'s times, given the call's voiced caller and agent packet times (sorted).
    `agent_stop(agent, onset)`: when the agent, talking at the barge-in's onset, stopped as the
    caller heard it (None: it was not talking); by default the end of its voice on the wire."""
    lo = bisect.bisect_left(caller, phrase.queued_at - LINE_EARLY_S)
    hi = bisect.bisect_right(caller, phrase.queued_at + phrase.seconds + LINE_LATE_S)
    spoken = caller[lo:hi]
    if not spoken:
        times.missing += 1
        return
    times.turns += 1
    times.onset_lags.append(spoken[0] - phrase.queued_at)
    speech_end = spoken[-1] + PACKET_S
    after = bisect.bisect_right(agent, speech_end)
    if after == len(agent) or agent[after] > speech_end + NO_REPLY_S:
        times.unreplied += 1
    elif after and agent[after - 1] > speech_end - TALKING_S:
        times.talked_over += 1
    else:
        phrase.wire_reply_s = agent[after] - speech_end
        times.replies.append(phrase.wire_reply_s)
    if phrase.barge_in:
        stop = (agent_stop or voice_stop)(agent, spoken[0])
        if stop is None:
            times.barge_ins_missed += 1
        else:
            times.barge_ins.append(stop - spoken[0])


def voice_stop(agent: list[float], onset: float) -> float | None:
    """When the agent, talking at `onset` (voiced within BARGE_IN_SILENCE_S before it), fell
    silent: the end of its last voiced packet before BARGE_IN_SILENCE_S without voice. None
    if it was not talking then."""
    index = bisect.bisect_right(agent, onset)
    if index == 0 or agent[index - 1] < onset - BARGE_IN_SILENCE_S:
        return None
    stop = agent[index - 1]
    while index < len(agent) and agent[index] - stop <= BARGE_IN_SILENCE_S:
        stop = agent[index]
        index += 1
    return stop + PACKET_S
