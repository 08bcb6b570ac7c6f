"""Letting a caller in by digest challenge (RFC 3261 §22.2, RFC 8760) instead of by address:
a PBX or a provider that authenticates its calls to us with a username and password.

A new INVITE from an address not allowed, without credentials, is answered 401 with two
challenges (SHA-256 first, then MD5 for older phones). The nonce is stateless: the time it
was made and an HMAC of it under a per-process secret, good for NONCE_LIFETIME_S, so a
flood of INVITEs costs no memory. The INVITE sent again with credentials of a configured
user, for a fresh nonce of ours, is let in.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping

from callwright.telephony.sip.digest import Answer, Challenge, verify
from callwright.telephony.sip.errors import SipParseError
from callwright.telephony.sip.message import SipRequest

REALM = "callwright"
NONCE_LIFETIME_S = 300
OFFERED_ALGORITHMS = ("SHA-256", "MD5")


class DigestGate:
    """Checks the credentials of callers who are let in by password, not by address."""

    def __init__(self, users: Mapping[str, str], realm: str = REALM) -> None:
        self.realm = realm
        self._users = dict(users)  # username -> password
        self._secret = secrets.token_bytes(32)

    def challenges(self, now: float | None = None) -> list[tuple[str, str]]:
        """The WWW-Authenticate headers of a 401: one challenge per offered algorithm."""
        nonce = self._nonce(int(time.time() if now is None else now))
        return [
            ("WWW-Authenticate",
             Challenge(self.realm, nonce, algorithm, qop=("auth",)).serialize())
            for algorithm in OFFERED_ALGORITHMS
        ]

    def admits(self, request: SipRequest, now: float | None = None) -> bool:
        """Whether `request` carries valid credentials of a configured user for a fresh nonce
        of ours (anything malformed is simply not admitted)."""
        value = request.headers.get("Authorization")
        if not value:
            return False
        try:
            answer = Answer.parse(value)
        except SipParseError:
            return False
        password = self._users.get(answer.username)
        if password is None or answer.realm != self.realm or not self._fresh(answer.nonce, now):
            return False
        challenge = Challenge(self.realm, answer.nonce, answer.algorithm, qop=("auth",))
        return verify(answer, challenge, password, request.method)

    def _nonce(self, issued: int) -> str:
        stamp = f"{issued:x}"
        return f"{stamp}.{self._sign(stamp)}"

    def _sign(self, stamp: str) -> str:
        return hmac.new(self._secret, stamp.encode(), hashlib.sha256).hexdigest()[:32]

    def _fresh(self, nonce: str, now: float | None) -> bool:
        stamp, _, signature = nonce.partition(".")
        if not hmac.compare_digest(self._sign(stamp), signature):
            return False
        try:
            issued = int(stamp, 16)
        except ValueError:
            return False
        age = (time.time() if now is None else now) - issued
        return 0 <= age <= NONCE_LIFETIME_S
