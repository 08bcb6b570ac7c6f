"""SipServer's door (access.py's policy, applied): a source over its rate limit is dropped; a
new request from an address not allowed is challenged (an INVITE, when callers may come in
by password: challenge.py), refused 403, or dropped unanswered, as configured. A trunk's
sources pass without either check (SipServer decides that)."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from callwright.telephony.sip.access import SipAccess, SourceRateLimiter
from callwright.telephony.sip.challenge import DigestGate
from callwright.telephony.sip.flow import SipFlow
from callwright.telephony.sip.message import SipRequest
from callwright.telephony.sip.transaction import ServerTransaction, Transactions

log = logging.getLogger("callwright.sip")


class Gatekeeping:
    """Who may reach SipServer; what it uses of SipServer (endpoint.py) is declared here."""

    _transactions: Transactions

    if TYPE_CHECKING:

        def _answer(
            self, transaction: ServerTransaction, status: int, *,
            headers: list[tuple[str, str]] | None = None, warning: str | None = None,
        ) -> None: ...

    def __init__(
        self,
        access: SipAccess,
        on_dropped: Callable[[str], None],
        digest_users: Mapping[str, str] | None,
    ) -> None:
        self.access = access
        self._rate = SourceRateLimiter(access.rate_limit) if access.rate_limit else None
        self._on_dropped = on_dropped  # a request dropped: "rate" limit or unknown "source"
        self._dropped: Counter[str] = Counter()
        self._gate = DigestGate(digest_users) if digest_users else None  # callers by password

    def _over_rate(self, request: SipRequest, source: str) -> bool:
        """Take a token for `request`; True (and counted) when `source` has none left."""
        if self._rate is None or self._rate.allows(source, request.method):
            return False
        self._drop("rate", request, source)
        return True

    def _refused(self, request: SipRequest, responses_to: SipFlow, source: str) -> bool:
        """Whether a request (not a retransmission or an ACK) was turned away at the door,
        challenged or refused as the module docstring says. In-dialog requests and CANCEL
        pass: they match what we already hold."""
        if request.to_address.tag or request.method == "CANCEL":
            return False
        if self.access.admits_source(source):
            return False
        gate = self._gate if request.method == "INVITE" else None
        if gate is not None and gate.admits(request):
            return False
        if gate is not None and "Authorization" not in request.headers:
            transaction = self._transactions.create_server(request, responses_to)
            self._answer(transaction, 401, headers=gate.challenges())
            return True
        self._drop("source", request, source)
        if self.access.unknown_sources == "reject":
            transaction = self._transactions.create_server(request, responses_to)
            self._answer(transaction, 403, warning="this address may not call here")
        return True

    def _drop(self, reason: str, request: SipRequest, source: str) -> None:
        """Count a request turned away for `reason`; log the 1st, 10th, 100th... of each."""
        self._dropped[reason] += 1
        self._on_dropped(reason)
        count = self._dropped[reason]
        if count == 10 ** (len(str(count)) - 1):
            why = "over its rate limit" if reason == "rate" else "address not allowed"
            log.warning("refused %s from %s: %s (%d so far)", request.method, source, why, count)
