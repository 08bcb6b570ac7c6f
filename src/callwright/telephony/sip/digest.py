"""SIP digest authentication (RFC 3261 §22, RFC 7616's algorithms as RFC 8760 brings them to SIP).

The client side answers a 401 (WWW-Authenticate) or 407 (Proxy-Authenticate) challenge with
an Authorization or Proxy-Authorization header; the server side challenges a request and
checks the answer. MD5 and SHA-256 (and their -sess forms), qop "auth" or none.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field

from callwright.telephony.sip.errors import SipParseError

ALGORITHMS = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}
"""Hash of each algorithm; the -sess forms use the same hash (RFC 7616 §3.4.2)."""
PREFERENCE = ("SHA-256", "SHA-256-sess", "MD5", "MD5-sess")
"""When a server offers several challenges, the first of these it offers is answered."""

_PARAM_RE = re.compile(r'\s*([A-Za-z][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]+))\s*(?:,|$)')


@dataclass(frozen=True, slots=True)
class Challenge:
    """One `Digest` challenge of a WWW-Authenticate or Proxy-Authenticate header."""

    realm: str
    nonce: str
    algorithm: str = "MD5"
    qop: tuple[str, ...] = ()
    opaque: str | None = None
    stale: bool = False

    @classmethod
    def parse(cls, value: str) -> Challenge:
        """Parse `Digest realm="...", nonce="...", ...`; SipParseError for anything else."""
        params = _auth_params(value, "challenge")
        if "realm" not in params or "nonce" not in params:
            raise SipParseError(f"digest challenge without realm or nonce: {value!r}")
        algorithm = params.get("algorithm", "MD5")
        if _base_algorithm(algorithm) not in ALGORITHMS:
            raise SipParseError(f"digest algorithm {algorithm!r} is not supported")
        qop = tuple(q.strip() for q in params.get("qop", "").split(",") if q.strip())
        return cls(
            realm=params["realm"],
            nonce=params["nonce"],
            algorithm=_canonical(algorithm),
            qop=qop,
            opaque=params.get("opaque"),
            stale=params.get("stale", "").lower() == "true",
        )

    def serialize(self) -> str:
        parts = [f'realm="{self.realm}"', f'nonce="{self.nonce}"', f"algorithm={self.algorithm}"]
        if self.qop:
            parts.append(f'qop="{",".join(self.qop)}"')
        if self.opaque is not None:
            parts.append(f'opaque="{self.opaque}"')
        if self.stale:
            parts.append("stale=TRUE")
        return "Digest " + ", ".join(parts)


def pick_challenge(values: list[str]) -> Challenge:
    """The challenge to answer among a response's WWW-/Proxy-Authenticate values: the
    strongest digest one we support. SipParseError when there is none."""
    challenges: list[Challenge] = []
    errors: list[str] = []
    for value in values:
        try:
            challenges.append(Challenge.parse(value))
        except SipParseError as error:
            errors.append(str(error))
    if not challenges:
        raise SipParseError("no digest challenge we can answer: " + ("; ".join(errors) or "none"))
    return min(challenges, key=lambda c: PREFERENCE.index(c.algorithm))


@dataclass(frozen=True, slots=True)
class Credentials:
    username: str
    password: str = field(repr=False)


def authorization(
    challenge: Challenge,
    credentials: Credentials,
    method: str,
    uri: str,
    *,
    nonce_count: int = 1,
    cnonce: str | None = None,
) -> str:
    """The Authorization / Proxy-Authorization value answering `challenge` for a request
    `method` to `uri`."""
    qop = "auth" if "auth" in challenge.qop else None
    if challenge.qop and qop is None:
        raise SipParseError(f"the challenge asks for qop {challenge.qop}, only auth is supported")
    cnonce = cnonce or secrets.token_hex(8)
    nc = f"{nonce_count:08x}"
    response = _response(challenge, credentials, method, uri, qop, nc, cnonce)
    parts = [
        f'username="{_quote(credentials.username)}"',
        f'realm="{_quote(challenge.realm)}"',
        f'nonce="{_quote(challenge.nonce)}"',
        f'uri="{_quote(uri)}"',
        f'response="{response}"',
        f"algorithm={challenge.algorithm}",
    ]
    if qop is not None or challenge.algorithm.endswith("-sess"):
        parts.append(f'cnonce="{cnonce}"')
    if qop is not None:
        parts += [f"qop={qop}", f"nc={nc}"]
    if challenge.opaque is not None:
        parts.append(f'opaque="{_quote(challenge.opaque)}"')
    return "Digest " + ", ".join(parts)


@dataclass(frozen=True, slots=True)
class Answer:
    """A parsed Authorization value, as a server checks it."""

    username: str
    realm: str
    nonce: str
    uri: str
    response: str
    algorithm: str
    qop: str | None
    nc: str
    cnonce: str

    @classmethod
    def parse(cls, value: str) -> Answer:
        params = _auth_params(value, "authorization")
        missing = [k for k in ("username", "realm", "nonce", "uri", "response") if k not in params]
        if missing:
            raise SipParseError(f"digest authorization lacks {', '.join(missing)}")
        return cls(
            username=params["username"],
            realm=params["realm"],
            nonce=params["nonce"],
            uri=params["uri"],
            response=params["response"].lower(),
            algorithm=_canonical(params.get("algorithm", "MD5")),
            qop=params.get("qop"),
            nc=params.get("nc", ""),
            cnonce=params.get("cnonce", ""),
        )


def verify(answer: Answer, challenge: Challenge, password: str, method: str) -> bool:
    """True when `answer` proves knowledge of `password` for `challenge` (same realm, nonce
    and algorithm) on a request `method`."""
    if (answer.realm, answer.nonce, answer.algorithm) != (
        challenge.realm, challenge.nonce, challenge.algorithm,
    ):
        return False
    if _base_algorithm(answer.algorithm) not in ALGORITHMS or answer.qop not in (None, "auth"):
        return False
    expected = _response(
        challenge, Credentials(answer.username, password), method, answer.uri,
        answer.qop, answer.nc, answer.cnonce,
    )
    return hmac.compare_digest(expected, answer.response)


def _response(
    challenge: Challenge, credentials: Credentials, method: str, uri: str,
    qop: str | None, nc: str, cnonce: str,
) -> str:
    def h(text: str) -> str:
        return ALGORITHMS[_base_algorithm(challenge.algorithm)](text.encode()).hexdigest()

    ha1 = h(f"{credentials.username}:{challenge.realm}:{credentials.password}")
    if challenge.algorithm.endswith("-sess"):
        ha1 = h(f"{ha1}:{challenge.nonce}:{cnonce}")
    ha2 = h(f"{method}:{uri}")
    if qop is None:
        return h(f"{ha1}:{challenge.nonce}:{ha2}")
    return h(f"{ha1}:{challenge.nonce}:{nc}:{cnonce}:{qop}:{ha2}")


def _auth_params(value: str, what: str) -> dict[str, str]:
    scheme, _, rest = value.strip().partition(" ")
    if scheme.lower() != "digest":
        raise SipParseError(f"not a digest {what}: {value[:80]!r}")
    params: dict[str, str] = {}
    position = 0
    rest = rest.strip()
    while position < len(rest):
        match = _PARAM_RE.match(rest, position)
        if match is None or match.end() == position:
            raise SipParseError(f"malformed digest {what} near {rest[position:position + 40]!r}")
        quoted, token = match.group(2), match.group(3)
        params[match.group(1).lower()] = (
            re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else token
        )
        position = match.end()
    return params


def _canonical(algorithm: str) -> str:
    return next((a for a in PREFERENCE if a.lower() == algorithm.lower()), algorithm)


def _base_algorithm(algorithm: str) -> str:
    return _canonical(algorithm).removesuffix("-sess")


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')
