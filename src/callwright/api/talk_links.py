"""Signed, expiring links to talk to an agent in a browser (`callwright talk-link`).

A token is base64url(expiry || HMAC-SHA256(secret, agent || expiry)), the expiry a 64-bit
Unix time: it names one agent, cannot be changed without the secret, and needs no storage.
The secret is CALLWRIGHT_LINK_SECRET, or else a random one made once in the data folder,
where the command line and the server both find it. Changing the secret voids every link.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
import struct
import time
from pathlib import Path

LINK_SECRET_ENV = "CALLWRIGHT_LINK_SECRET"
SECRET_FILE = "talk-link-secret"  # in the data folder, when the environment sets none
SECRET_BYTES = 32
DEFAULT_MINUTES = 60
_EXPIRY = struct.Struct(">Q")  # seconds since the epoch
_DIGEST_BYTES = hashlib.sha256().digest_size


class LinkRefused(Exception):
    """The token does not open the page; the message tells the visitor what to do."""


def link_secret(data_dir: Path) -> bytes:
    """CALLWRIGHT_LINK_SECRET, or the data folder's secret, made (readable by us only) on the
    first call. Two processes making it at once end up with the same one."""
    configured = os.environ.get(LINK_SECRET_ENV)
    if configured:
        return configured.encode()
    path = data_dir / SECRET_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f"{SECRET_FILE}.{os.getpid()}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_hex(SECRET_BYTES))
        try:
            os.link(draft, path)  # atomic, and never replaces a secret another process made
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip().encode()


def sign(secret: bytes, agent: str, expires_at: int) -> str:
    """A token for `agent`, valid until `expires_at` (Unix seconds)."""
    expiry = _EXPIRY.pack(expires_at)
    digest = hmac.new(secret, agent.encode() + expiry, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(expiry + digest).rstrip(b"=").decode("ascii")


def link_token(secret: bytes, agent: str, minutes: float = DEFAULT_MINUTES) -> str:
    """A token for `agent` that expires `minutes` from now."""
    return sign(secret, agent, int(time.time() + minutes * 60))


def verify(secret: bytes, agent: str, token: str, now: float | None = None) -> None:
    """Raise LinkRefused unless `token` was signed with `secret` for `agent` and has not
    expired."""
    if not token:
        raise LinkRefused(f"this page needs a signed link: run `callwright talk-link {agent}`")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != _EXPIRY.size + _DIGEST_BYTES:
        raise LinkRefused("this link is damaged: copy the whole link, or ask for a new one")
    (expires_at,) = _EXPIRY.unpack(raw[: _EXPIRY.size])
    if not hmac.compare_digest(sign(secret, agent, expires_at), token.rstrip("=")):
        raise LinkRefused(
            f"this link does not open agent {agent!r}: it was changed, made for another "
            "agent, or made with another secret; ask for a new one"
        )
    if (time.time() if now is None else now) >= expires_at:
        raise LinkRefused(f"this link expired: ask for a new one (callwright talk-link {agent})")
