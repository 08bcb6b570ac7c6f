"""Blind transfer: SipCall.transfer's REFER, and the NOTIFYs a scripted phone answers with."""

import asyncio
import time

import pytest

from callwright.telephony.sip.errors import SipParseError
from callwright.telephony.sip.message import SipRequest, SipResponse
from callwright.telephony.sip.sdp import SessionDescription
from callwright.telephony.sip.transfer import refer_to, sipfrag_status
from callwright.telephony.transport import RemoteHangup, TransferResult
from tests.support.sip_phone import OFFER, WAIT_S, FakeRtp, ack, answered, in_dialog

TARGET = "sip:human@127.0.0.1:5090"
SUMMARY = {"X-Callwright-Summary": "Maria López wants\r\nto reschedule & more?"}
ESCAPED_SUMMARY = "X-Callwright-Summary=Maria%20L%C3%B3pez%20wants%20to%20reschedule%20%26%20more?"


def test_refer_to_embeds_headers_as_escaped_uri_headers():
    assert refer_to(TARGET, SUMMARY) == f"<{TARGET}?{ESCAPED_SUMMARY}>"
    assert refer_to(TARGET, None) == f"<{TARGET}>"
    assert refer_to(f" {TARGET};transport=tcp?X-A=1", {"X-B": "2"}) == (
        f"<{TARGET};transport=tcp?X-A=1&X-B=2>"
    )
    for bad in ("tel:+15551234", f"<{TARGET}>", "sip:a b@host"):
        with pytest.raises(SipParseError):
            refer_to(bad, None)
    with pytest.raises(ValueError, match="written by the SIP stack"):
        refer_to(TARGET, {"Call-ID": "x"})


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"SIP/2.0 180 Ringing\n", (180, "Ringing")),
        (b"SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n", (200, "OK")),
        (b"\r\nsip/2.0 603\r\n", (603, "Decline")),
        (b"SIP/2.0 18x Ringing", None),
        (b"INVITE sip:x SIP/2.0", None),
        (b"\xff\xfe\x00", None),
        (b"", None),
    ],
)
def test_sipfrag_status_line(body, status):
    assert sipfrag_status(body) == status


def notify(ok: SipResponse, phone_port: int, cseq: int, frag: str, *, state: str = "active"):
    """The phone's NOTIFY of the REFER subscription carrying the sipfrag `frag`."""
    extra = f"Event: refer;id=1\r\nSubscription-State: {state}\r\n"
    return in_dialog(
        "NOTIFY", ok, phone_port, cseq, body=frag, extra=extra, content_type="message/sipfrag"
    )


async def transferring(sip, **kwargs):
    """An answered call, its transfer started, and the REFER the phone received."""
    server, phone, calls, _ = sip
    ok = await answered(server, phone)
    phone.send(ack(ok, phone.port), server.udp_port)
    call = await asyncio.wait_for(calls.get(), WAIT_S)
    task = asyncio.create_task(call.transfer(TARGET, **kwargs))
    refer = await phone.expect_request("REFER")
    return ok, call, task, refer


def reply(sip, request: SipRequest, status: int) -> None:
    server, phone, *_ = sip
    phone.send(request.response(status).serialize(), server.udp_port)


async def answer_bye(sip) -> None:
    """Wait for our BYE and answer it 200."""
    reply(sip, await sip[1].expect_request("BYE"), 200)


async def answer_notify(sip, ok, cseq: int, frag: str, state: str = "active") -> None:
    """Send a NOTIFY and wait for our 200 to it."""
    server, phone, *_ = sip
    phone.send(notify(ok, phone.port, cseq, frag, state=state), server.udp_port)
    while (await phone.expect(200)).cseq.number != cseq:
        pass


async def test_accepted_transfer_reports_progress_then_ok_and_hangs_up(sip):
    server, phone, _, _ = sip
    ok, call, task, refer = await transferring(sip, headers=SUMMARY)
    assert refer.headers.get("Refer-To") == f"<{TARGET}?{ESCAPED_SUMMARY}>"
    assert refer.headers.get("Referred-By") == "<sip:demo@127.0.0.1>"
    assert refer.headers.get("Contact") == ok.headers.get("Contact")
    assert refer.uri == f"sip:alice@127.0.0.1:{phone.port}"  # in the dialog, to their Contact
    assert (refer.from_address.tag, refer.to_address.tag) == (
        ok.to_address.tag, ok.from_address.tag
    )  # fmt: skip
    reply(sip, refer, 202)
    for cseq, frag in ((2, "SIP/2.0 100 Trying\r\n"), (3, "SIP/2.0 180 Ringing\r\n")):
        await answer_notify(sip, ok, cseq, frag)
    assert not task.done()
    await answer_notify(sip, ok, 4, "SIP/2.0 200 OK\r\n", state="terminated;reason=noresource")
    await answer_bye(sip)
    assert await asyncio.wait_for(task, WAIT_S) == TransferResult(True, 200, "200 OK")
    assert call.ended and server.calls == [] and FakeRtp.opened[0].closed


async def test_a_far_end_that_hangs_up_itself_after_success_is_fine(sip):
    server, phone, _, _ = sip
    ok, call, task, refer = await transferring(sip)
    reply(sip, refer, 202)
    phone.send(notify(ok, phone.port, 2, "SIP/2.0 200 OK\n", state="terminated"), server.udp_port)
    phone.send(in_dialog("BYE", ok, phone.port, 3), server.udp_port)
    assert (await asyncio.wait_for(task, WAIT_S)).ok
    await asyncio.wait_for(call.over.wait(), WAIT_S)
    assert call.ended and server.calls == []


async def test_busy_target_fails_and_the_call_survives_hold_and_resume(sip):
    server, phone, _, _ = sip
    ok, call, task, refer = await transferring(sip)
    reply(sip, refer, 202)
    hold = OFFER.format(direction="a=sendonly\r\n")
    phone.send(in_dialog("INVITE", ok, phone.port, 2, body=hold), server.udp_port)
    held = await phone.expect(200)
    while held.cseq.number != 2:
        held = await phone.expect(200)
    assert SessionDescription.parse(held.body).media[0].has_attribute("recvonly")
    phone.send(in_dialog("ACK", held, phone.port, 2), server.udp_port)
    await answer_notify(sip, ok, 3, "SIP/2.0 486 Busy Here\n", state="terminated")
    assert await asyncio.wait_for(task, WAIT_S) == TransferResult(False, 486, "486 Busy Here")
    phone.send(
        in_dialog("INVITE", ok, phone.port, 4, body=OFFER.format(direction="")), server.udp_port
    )
    resumed = await phone.expect(200)
    while resumed.cseq.number != 4:
        resumed = await phone.expect(200)
    assert FakeRtp.opened[0].sending == [False, True]
    assert not call.ended and server.calls == [call]
    assert [m for m in await phone.silent() if isinstance(m, SipRequest)] == []  # no BYE


@pytest.mark.parametrize(
    ("status", "reason"),
    [(405, "REFER answered 405 Method Not Allowed"), (603, "REFER answered 603 Decline")],
)
async def test_refused_refer_fails_with_its_status(sip, status, reason):
    server = sip[0]
    _, call, task, refer = await transferring(sip)
    reply(sip, refer, status)
    assert await asyncio.wait_for(task, WAIT_S) == TransferResult(False, status, reason)
    assert not call.ended and server.calls == [call]


async def test_callers_bye_while_waiting_ends_the_transfer_at_once(sip):
    server, phone, _, _ = sip
    ok, call, task, refer = await transferring(sip, timeout_s=10)
    reply(sip, refer, 202)
    await answer_notify(sip, ok, 2, "SIP/2.0 180 Ringing\n")
    started = time.monotonic()
    phone.send(in_dialog("BYE", ok, phone.port, 3), server.udp_port)
    assert await asyncio.wait_for(task, WAIT_S) == TransferResult(False, 0, "the caller hung up")
    assert time.monotonic() - started < 0.5
    await asyncio.wait_for(call.over.wait(), WAIT_S)
    assert call.heard == [RemoteHangup("BYE")]


async def test_malformed_notifies_are_answered_and_the_transfer_goes_on(sip):
    server, phone, _, _ = sip
    ok, call, task, refer = await transferring(sip)
    reply(sip, refer, 202)
    await answer_notify(sip, ok, 2, "this is not a status line")
    await answer_notify(sip, ok, 3, "\xff SIP/2.0 garbage")
    phone.send(
        in_dialog("NOTIFY", ok, phone.port, 4, body="x", extra="Event: presence\r\n"),
        server.udp_port,
    )
    assert (await phone.expect(489)).cseq.number == 4
    assert not task.done() and not call.ended
    await answer_notify(sip, ok, 5, "SIP/2.0 200 OK\n")
    await answer_bye(sip)
    assert (await asyncio.wait_for(task, WAIT_S)).ok


async def test_notify_that_overtakes_the_202_still_counts(sip):
    ok, _, task, refer = await transferring(sip)
    await answer_notify(sip, ok, 2, "SIP/2.0 200 OK\n", state="terminated")
    reply(sip, refer, 202)
    await answer_bye(sip)
    assert (await asyncio.wait_for(task, WAIT_S)).ok


async def test_subscription_ended_without_a_final_status_fails(sip):
    server, phone, _, _ = sip
    ok, call, task, refer = await transferring(sip)
    reply(sip, refer, 202)
    await answer_notify(sip, ok, 2, "SIP/2.0 180 Ringing\n")
    await answer_notify(sip, ok, 3, "SIP/2.0 100 Trying\n", state="terminated;reason=deactivated")
    result = await asyncio.wait_for(task, WAIT_S)
    assert (result.ok, result.status) == (False, 0)
    assert result.reason.endswith("no final status (last: 100 Trying)")
    assert not call.ended
    phone.send(notify(ok, phone.port, 4, "SIP/2.0 200 OK\n"), server.udp_port)
    assert (await phone.expect(481)).cseq.number == 4  # no transfer under way now


async def test_no_final_notify_in_time_fails_and_one_transfer_at_a_time(sip):
    server = sip[0]
    _, call, task, refer = await transferring(sip, timeout_s=0.3)
    reply(sip, refer, 202)
    second = await call.transfer(TARGET)
    assert second == TransferResult(False, 0, "another transfer of this call is under way")
    assert await asyncio.wait_for(task, WAIT_S) == TransferResult(
        False, 0, "no final NOTIFY within 0.3 s"
    )
    assert not call.ended and server.calls == [call]


async def test_unusable_target_fails_without_a_refer(sip):
    server, phone, calls, _ = sip
    ok = await answered(server, phone)
    phone.send(ack(ok, phone.port), server.udp_port)
    call = await asyncio.wait_for(calls.get(), WAIT_S)
    result = await call.transfer("tel:+15551234")
    assert (result.ok, result.status) == (False, 0) and "not a sip: URI" in result.reason
    assert [m for m in await phone.silent() if isinstance(m, SipRequest)] == []
