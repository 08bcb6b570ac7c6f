"""One campaign attempt as a real call: dial the contact through SIP (a trunk for numbers),
screen the answer for a machine, let the agent talk with the contact's fields, and say how
it ended (book.ATTEMPT_RESULTS). The wiring between the campaigns domain and the call layer,
so it sits beside server.py."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Protocol

from callwright.agent.conversation import Agent
from callwright.call.answering_machine import AnsweringOptions
from callwright.call.handoff import Dial
from callwright.domains.campaigns.book import AttemptResult, Claim
from callwright.domains.campaigns.scheduler import PlaceAttempt
from callwright.domains.campaigns.settings import CampaignSettings
from callwright.store.records import CallRecord
from callwright.telephony.sip.call import SipCall
from callwright.telephony.sip.errors import SipParseError
from callwright.telephony.sip.outbound import CallFailed

UNANSWERED = {  # SIP final status of an unanswered attempt -> its result
    486: "busy", 600: "busy",
    408: "no_answer", 480: "no_answer", 487: "no_answer",
    403: "refused", 603: "refused",
}
DIALING = "dialing"  # the lines key of campaign calls still ringing
_FIELD = re.compile(r"\{(\w+)\}")


class Dialer(Protocol):
    async def dial(self, target_uri: str, *, from_user: str, timeout_s: float,
                   trunk: str | None = None, caller_id: str | None = None) -> SipCall: ...


RunCall = Callable[..., Awaitable[CallRecord]]
"""Runtime.run_call: (transport, agent, dial, *, answering, contact) -> the call's record."""


def campaign_caller(
    sip: Dialer, agents: dict[str, Agent], run_call: RunCall,
    person_dialer: Callable[[str], Dial], default_trunk: str | None,
    lines: Counter[str] | None = None,
) -> PlaceAttempt:
    """The scheduler's PlaceAttempt for this server's SIP side and agents; a number goes
    through the campaign's trunk, else `default_trunk` (the first of the SIP settings).
    `lines`: the server's count of lines in use (Runtime.calls_up); a call ringing out holds
    one under "dialing", so neither more campaign calls nor inbound callers take it."""
    lines = Counter() if lines is None else lines

    async def place(settings: CampaignSettings, claim: Claim,
                    note_call_id: Callable[[str], None]) -> AttemptResult:
        agent = agents.get(settings.agent)
        if agent is None:
            return AttemptResult("failed", detail=f"agent {settings.agent!r} is not loaded")
        trunk = settings.trunk
        if trunk is None and not claim.phone.startswith("sip:"):
            if default_trunk is None:
                return AttemptResult("failed", detail=(
                    f"{claim.phone} is a number: add a trunk to the SIP settings (trunks:) "
                    "or give contacts as sip: URIs"))
            trunk = default_trunk
        lines[DIALING] += 1
        try:
            call = await sip.dial(claim.phone, from_user=settings.agent,
                                  timeout_s=settings.ring_timeout_s, trunk=trunk,
                                  caller_id=settings.caller_id)
        except CallFailed as failure:
            return AttemptResult(UNANSWERED.get(failure.status, "failed"),
                                 sip_status=failure.status, detail=failure.reason)
        except (SipParseError, OSError, ValueError) as error:
            return AttemptResult("failed", detail=str(error))
        finally:
            lines[DIALING] -= 1
        note_call_id(call.call_id)
        answering = AnsweringOptions(
            deadline_s=settings.detection_deadline_s, on_machine=settings.on_machine,
            voicemail_text=fill_fields(settings.voicemail, claim.fields),
        )
        record = await run_call(call, agent, person_dialer(agent.name), answering=answering,
                                contact=claim.fields)
        return attempt_result(record)

    return place


def attempt_result(record: CallRecord) -> AttemptResult:
    """How an answered attempt ended, from its call record."""
    state = record.dialogue_state
    decision_ms = state.get("answering", {}).get("decided_ms")
    if state.get("answered_by") == "machine":
        # a machine that hung up during the message counts as one without: call again
        left = record.outcome == "voicemail_left"
        result = "voicemail_left" if left else "machine_no_message"
    elif state.get("opted_out"):
        result = "opted_out"
    else:
        result = "person"
    return AttemptResult(result, task_outcome=state.get("task_outcome"), call_id=record.id,
                         detail=record.outcome, decision_ms=decision_ms)


def fill_fields(template: str, fields: dict[str, str]) -> str:
    """`template` with {field} replaced by the contact's value; an unknown field is dropped
    (the message still reads, without it)."""
    filled = " ".join(_FIELD.sub(lambda match: fields.get(match.group(1), ""), template).split())
    return re.sub(r" ([,.!?])", r"\1", filled)
