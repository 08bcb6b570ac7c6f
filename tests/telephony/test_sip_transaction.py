"""Transaction timers with T1 shrunk to milliseconds: retransmission, absorption, give-up."""

import asyncio
import time

from callwright.telephony.sip.message import SipRequest, SipResponse
from callwright.telephony.sip.transaction import (
    InviteServerTransaction,
    SipTimers,
    Transactions,
    transaction_key,
)

T1_S = 0.01
TIMERS = SipTimers(t1_s=T1_S, t2_s=0.04, t4_s=0.05)  # 64*T1 = 0.64 s


class RecordingFlow:
    def __init__(self, reliable: bool = False) -> None:
        self.reliable = reliable
        self.transport = "TCP" if reliable else "UDP"
        self.remote = ("127.0.0.1", 5999)
        self.closed = False
        self.sent: list[tuple[float, bytes]] = []

    def send(self, data: bytes) -> None:
        self.sent.append((time.monotonic(), data))

    def statuses(self) -> list[int]:
        return [SipResponse.parse(data).status for _, data in self.sent]


def request(method: str = "INVITE", branch: str = "z9hG4bKabc") -> SipRequest:
    text = (
        f"{method} sip:demo@127.0.0.1 SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP 127.0.0.1:5999;branch={branch}\r\n"
        "From: <sip:a@127.0.0.1>;tag=f1\r\nTo: <sip:demo@127.0.0.1>\r\n"
        f"Call-ID: tx-1\r\nCSeq: 1 {method}\r\nContent-Length: 0\r\n\r\n"
    )
    return SipRequest.parse(text.encode())


async def test_ack_and_cancel_match_the_invite_by_branch_and_method():
    invite, ack, cancel = request(), request("ACK"), request("CANCEL")
    assert transaction_key(ack) == transaction_key(invite)
    assert transaction_key(cancel) != transaction_key(invite)
    assert transaction_key(request(branch="z9hG4bKother")) != transaction_key(invite)
    table = Transactions(TIMERS)
    created = table.create_server(invite, RecordingFlow())
    assert table.match_request(request()) is created  # a retransmission
    assert table.find_invite(cancel) is created


async def test_non_2xx_to_invite_is_retransmitted_with_timer_g_until_ack():
    flow = RecordingFlow()
    table = Transactions(TIMERS)
    transaction = table.create_server(request(), flow)
    transaction.respond(request().response(486, to_tag="t"))
    await asyncio.sleep(T1_S * 7.5)  # sends at 0, then T1, 3*T1, 7*T1 (intervals 1, 2, 4 T1)
    assert flow.statuses() == [486] * 4
    assert transaction.receive_ack()
    await asyncio.sleep(T1_S * 8)
    assert len(flow.sent) == 4  # the ACK stopped Timer G
    await asyncio.sleep(TIMERS.t4_s)
    assert table.match_request(request()) is None  # Timer I ended it


async def test_retransmission_interval_is_capped_at_t2():
    flow = RecordingFlow()
    transaction = Transactions(TIMERS).create_server(request(), flow)
    transaction.respond(request().response(404, to_tag="t"))
    await asyncio.sleep(0.3)
    gaps = [b[0] - a[0] for a, b in zip(flow.sent, flow.sent[1:], strict=False)]
    assert max(gaps) < TIMERS.t2_s + 0.02
    assert gaps[-1] > TIMERS.t2_s - 0.005
    transaction.terminate()


async def test_timer_h_gives_up_when_the_ack_never_comes():
    flow = RecordingFlow()
    table = Transactions(TIMERS)
    table.create_server(request(), flow).respond(request().response(488, to_tag="t"))
    await asyncio.sleep(TIMERS.timeout_s + 0.1)
    sent = len(flow.sent)
    assert table.match_request(request()) is None
    await asyncio.sleep(0.1)
    assert len(flow.sent) == sent


async def test_nothing_is_retransmitted_over_tcp():
    flow = RecordingFlow(reliable=True)
    transaction = Transactions(TIMERS).create_server(request(), flow)
    transaction.respond(request().response(486, to_tag="t"))
    await asyncio.sleep(T1_S * 10)
    assert flow.statuses() == [486]
    transaction.terminate()


async def test_retransmitted_request_gets_the_cached_response_not_a_second_answer():
    flow = RecordingFlow()
    table = Transactions(TIMERS)
    options = request("OPTIONS")
    transaction = table.create_server(options, flow)
    transaction.respond(options.response(200))
    transaction.respond(options.response(500))  # a second final answer is refused
    again = table.match_request(request("OPTIONS"))
    assert again is transaction
    again.receive_retransmission()
    assert flow.statuses() == [200, 200]
    await asyncio.sleep(TIMERS.timeout_s + 0.05)  # Timer J
    assert table.match_request(request("OPTIONS")) is None


async def test_provisional_is_resent_to_a_retransmitted_invite():
    flow = RecordingFlow()
    transaction = Transactions(TIMERS).create_server(request(), flow)
    transaction.respond(request().response(100))
    transaction.receive_retransmission()
    assert flow.statuses() == [100, 100]
    assert transaction.final_status is None
    transaction.terminate()


async def test_2xx_leaves_the_invite_in_accepted_state_which_passes_acks_on():
    flow = RecordingFlow()
    table = Transactions(TIMERS)
    transaction = table.create_server(request(), flow)
    assert isinstance(transaction, InviteServerTransaction)
    transaction.respond(request().response(200, to_tag="t"))
    assert not transaction.receive_ack()  # an ACK to a 2xx belongs to the dialog
    transaction.receive_retransmission()
    assert flow.statuses() == [200, 200]
    await asyncio.sleep(T1_S * 5)
    assert len(flow.sent) == 2  # the transaction itself does not resend a 2xx
    transaction.terminate()


async def test_client_transaction_retransmits_bye_until_answered():
    flow = RecordingFlow()
    table = Transactions(TIMERS)
    bye = request("BYE", branch="z9hG4bKbye1")
    pending = asyncio.create_task(table.send_request(bye, flow))
    await asyncio.sleep(T1_S * 3.5)
    assert len(flow.sent) == 3 and all(data == bye.serialize() for _, data in flow.sent)
    assert table.receive_response(bye.response(200))
    response = await pending
    assert response.status == 200
    await asyncio.sleep(T1_S * 5)
    assert len(flow.sent) == 3
    assert not table.receive_response(bye.response(200))  # late copies are strays


async def test_client_transaction_ignores_provisionals_and_other_branches():
    flow = RecordingFlow(reliable=True)
    table = Transactions(TIMERS)
    bye = request("BYE", branch="z9hG4bKbye2")
    pending = asyncio.create_task(table.send_request(bye, flow))
    await asyncio.sleep(0)
    assert not table.receive_response(request("BYE", branch="z9hG4bKelse").response(200))
    table.receive_response(bye.response(100))
    await asyncio.sleep(T1_S * 4)
    assert not pending.done() and len(flow.sent) == 1  # TCP: sent once
    table.receive_response(bye.response(481))
    assert (await pending).status == 481


async def test_timer_f_answers_408_when_nobody_does():
    flow = RecordingFlow()
    started = time.monotonic()
    response = await Transactions(TIMERS).send_request(request("BYE", branch="z9hG4bKb3"), flow)
    assert response.status == 408
    assert time.monotonic() - started >= TIMERS.timeout_s - 0.01
