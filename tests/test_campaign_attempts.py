"""One campaign attempt as a call (campaign_calls.py), with a scripted SIP side: how each
way a call can end becomes the attempt's result."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from callwright.campaign_calls import attempt_result, campaign_caller, fill_fields
from callwright.domains.campaigns.book import Claim
from callwright.domains.campaigns.settings import CampaignSettings
from callwright.store.records import CallRecord
from callwright.telephony.sip.outbound import CallFailed

SETTINGS = CampaignSettings(name="refills", agent="pharmacy", on_machine="leave_message",
                            voicemail="Hello {first_name}, this is {business_name}. Bye.")
AGENTS = {"pharmacy": SimpleNamespace(name="pharmacy")}
CLAIM = Claim(1, 1, 1, 1, "sip:maria@127.0.0.1:5070", {"first_name": "Maria"})


def record(outcome: str, **state) -> CallRecord:
    return CallRecord(id="c" * 32, agent="pharmacy", caller="pharmacy", callee=CLAIM.phone,
                      transport="sip", started_at=datetime.now(UTC), outcome=outcome,
                      dialogue_state=state)


class ScriptedSip:
    def __init__(self, failure: Exception | None = None, lines: Counter | None = None) -> None:
        self.failure = failure
        self.lines = lines
        self.dialled: list[tuple[str, dict]] = []
        self.lines_while_ringing: int | None = None

    async def dial(self, target_uri: str, **options):
        self.dialled.append((target_uri, options))
        if self.lines is not None:
            self.lines_while_ringing = self.lines.total()
        if self.failure is not None:
            raise self.failure
        return type("Call", (), {"call_id": "c" * 32})()


@pytest.mark.parametrize(("status", "result"), [
    (486, "busy"), (600, "busy"), (408, "no_answer"), (487, "no_answer"), (480, "no_answer"),
    (603, "refused"), (403, "refused"), (404, "failed"), (503, "failed"),
])
async def test_an_unanswered_call_becomes_its_result_with_the_sip_status(status, result):
    place = campaign_caller(ScriptedSip(CallFailed(status, "x")), AGENTS,
                            None, lambda name: None, None)
    outcome = await place(SETTINGS, CLAIM, lambda call_id: None)
    assert (outcome.result, outcome.sip_status) == (result, status)


async def test_a_ringing_call_holds_a_line_until_it_is_answered_or_fails():
    lines: Counter[str] = Counter(sip=2)
    sip = ScriptedSip(CallFailed(486, "Busy Here"), lines)
    place = campaign_caller(sip, AGENTS, None, lambda name: None, None, lines)
    await place(SETTINGS, CLAIM, lambda call_id: None)
    assert sip.lines_while_ringing == 3 and lines.total() == 2


async def test_an_answered_call_runs_screened_with_the_contacts_fields():
    sip = ScriptedSip()
    ran = {}
    noted = []

    async def run_call(call, agent, dial, *, answering, contact):
        ran.update(answering=answering, contact=contact)
        return record("voicemail_left", answered_by="machine", answering={"decided_ms": 2400})

    place = campaign_caller(sip, AGENTS, run_call, lambda name: None, None)
    outcome = await place(SETTINGS.model_copy(update={"caller_id": "+15550001111"}), CLAIM,
                          noted.append)
    assert outcome.result == "voicemail_left" and outcome.decision_ms == 2400
    assert noted == ["c" * 32]
    assert sip.dialled[0][1]["caller_id"] == "+15550001111"
    assert ran["contact"] == {"first_name": "Maria"}
    assert ran["answering"].voicemail_text == "Hello Maria, this is. Bye."
    assert ran["answering"].on_machine == "leave_message"


async def test_a_number_without_a_trunk_fails_with_what_to_set():
    place = campaign_caller(ScriptedSip(), AGENTS, None, lambda n: None, None)
    claim = Claim(1, 1, 1, 1, "+15551230001", {})
    outcome = await place(SETTINGS, claim, lambda call_id: None)
    assert outcome.result == "failed" and "add a trunk" in outcome.detail
    through = ScriptedSip()

    async def answered(*call, **options) -> CallRecord:
        return record("caller_hung_up", answered_by="person")

    place = campaign_caller(through, AGENTS, answered, lambda n: None, "main")
    assert (await place(SETTINGS, claim, lambda call_id: None)).result == "person"
    assert through.dialled[0][1]["trunk"] == "main"


def test_each_way_an_answered_call_ends_is_one_result():
    assert attempt_result(record("caller_hung_up", answered_by="person")).result == "person"
    assert attempt_result(record("caller_hung_up", answered_by="unknown")).result == "person"
    opted = attempt_result(record("agent_ended", answered_by="person", opted_out=True))
    assert opted.result == "opted_out"
    done = attempt_result(record("agent_ended", answered_by="person",
                                 task_outcome="refill_requested"))
    assert (done.result, done.task_outcome) == ("person", "refill_requested")
    assert attempt_result(record("machine_no_message", answered_by="machine")).result == (
        "machine_no_message")
    cut_off = attempt_result(record("caller_hung_up", answered_by="machine"))
    assert cut_off.result == "machine_no_message"  # the machine hung up during the message


def test_fields_fill_the_message_and_a_missing_one_leaves_it_readable():
    assert fill_fields("Hi {first_name}, call us.", {"first_name": "Ann"}) == "Hi Ann, call us."
    assert fill_fields("Hi {first_name}, call us.", {}) == "Hi, call us."
