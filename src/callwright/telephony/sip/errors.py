"""Errors of the SIP stack."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from callwright.telephony.sip.message import SipRequest


class SipParseError(ValueError):
    """A SIP message (or part of one) that does not follow RFC 3261 syntax.

    `request` holds what could be read when the start line and headers were readable:
    enough to answer 400 Bad Request.
    """

    def __init__(self, reason: str, request: SipRequest | None = None) -> None:
        super().__init__(reason)
        self.request = request
