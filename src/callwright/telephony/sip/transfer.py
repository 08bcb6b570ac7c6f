"""Blind transfer by REFER (RFC 3515, RFC 5589): what we ask, and what the far end reports.

We send REFER in the call's dialog with `Refer-To: <target?Name=value&...>`: application
headers ride in the URI, %-escaped (RFC 3261 §19.1.1), for a transferee that copies them
onto its INVITE to the target (RFC 3515 §2.1). The REFER's implicit subscription brings
NOTIFYs (Event: refer) whose message/sipfrag body is the status line of the far end's call
to the target: 1xx is progress, the first final status decides. A subscription that ends
(Subscription-State: terminated) before a final status is a failed transfer.

While it calls the target the far end may hold us (re-INVITE, sendonly) and resume us if
that fails; the dialog's re-INVITE handling covers both. Some phones hang up on us after a
success, others (baresip 1.0) leave that to us, as RFC 5589 §6 has it: SipCall does both.

Embedded headers reach the target only through a transferee that copies them: baresip 1.0
does not (it dials the URI as it is) and it mishandles %-escapes there (it may crash; see
tests/support/baresip.py). A summary that must reach a person goes more surely on the
INVITE of a call we place ourselves (dial(headers=...), a warm transfer).
"""

from __future__ import annotations

import asyncio
import logging
import re
import urllib.parse
from collections.abc import Mapping

from callwright.telephony.sip.address import SipUri
from callwright.telephony.sip.errors import SipParseError
from callwright.telephony.sip.message import SipRequest, extra_headers
from callwright.telephony.sip.reasons import REASON_PHRASES
from callwright.telephony.transport import TransferResult

log = logging.getLogger("callwright.sip")

REFER_EVENT = "refer"
SIPFRAG_CONTENT_TYPE = "message/sipfrag"
URI_HEADER_SAFE_CHARS = "-_.!~*'()[]/?:+$"  # RFC 3261 unreserved + hnv-unreserved
_UNFIT_IN_ANGLE_BRACKETS = set('<>" \t\r\n')
_SIPFRAG_STATUS_RE = re.compile(r"^SIP/2\.0[ \t]+(\d{3})(?:[ \t]+([^\r\n]*))?", re.I)


def refer_to(target: str, headers: Mapping[str, str] | None) -> str:
    """The Refer-To value asking for a call to `target` with `headers` embedded.

    Raises SipParseError for a target that is not a sip:/sips: URI, ValueError for a header
    the application may not set (see extra_headers).
    """
    target = target.strip()
    if _UNFIT_IN_ANGLE_BRACKETS & set(target):
        raise SipParseError(f"not a bare sip: URI: {target!r}")
    SipUri.parse(target)
    embedded = "&".join(
        f"{urllib.parse.quote(name, safe=URI_HEADER_SAFE_CHARS)}"
        f"={urllib.parse.quote(value, safe=URI_HEADER_SAFE_CHARS)}"
        for name, value in extra_headers(headers)
    )
    if not embedded:
        return f"<{target}>"
    return f"<{target}{'&' if '?' in target else '?'}{embedded}>"


def sipfrag_status(body: bytes) -> tuple[int, str] | None:
    """Status code and reason of a sipfrag's status line ("SIP/2.0 180 Ringing"); None
    when the body does not start with one."""
    match = _SIPFRAG_STATUS_RE.match(body.decode("utf-8", errors="replace").lstrip())
    if match is None:
        return None
    status = int(match.group(1))
    return status, (match.group(2) or "").strip() or REASON_PHRASES.get(status, "")


class Referral:
    """One transfer under way: the NOTIFYs of its REFER in, its TransferResult out."""

    def __init__(self, call_id: str) -> None:
        self.call_id = call_id
        self.outcome: asyncio.Future[TransferResult] = asyncio.get_running_loop().create_future()
        self._last = "no progress"

    def receive_notify(self, request: SipRequest) -> int:
        """Read one NOTIFY; return the status to answer it with.

        A body we cannot read is answered 200 all the same: a failure answer would end
        the subscription (RFC 6665 §4.2.2), and with it the final status still to come.
        """
        event = (request.headers.get("Event") or "").partition(";")[0].strip().lower()
        if event != REFER_EVENT:
            return 489
        frag = None
        if request.content_type == SIPFRAG_CONTENT_TYPE:
            frag = sipfrag_status(request.body)
        if frag is None:
            log.warning("call %s: NOTIFY without a sipfrag status line ignored", self.call_id)
        elif frag[0] < 200:
            self._last = f"{frag[0]} {frag[1]}"
            log.info("call %s: transfer target: %s", self.call_id, self._last)
        else:
            status, reason = frag
            self.end(TransferResult(200 <= status < 300, status, f"{status} {reason}"))
        state = request.headers.get("Subscription-State") or ""
        if state.partition(";")[0].strip().lower() == "terminated":
            reason = f"the far end ended the transfer with no final status (last: {self._last})"
            self.end(TransferResult(False, 0, reason))
        return 200

    def end(self, result: TransferResult) -> None:
        """Settle the outcome, unless it already is."""
        if not self.outcome.done():
            self.outcome.set_result(result)
