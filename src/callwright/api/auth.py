"""API keys at the HTTP door: every /api route and /metrics asks for one.

A key comes as `Authorization: Bearer <key>` or `X-API-Key: <key>`. GET and HEAD need a read
or write key, every other method a write key. The check is a dependency that `create_app` puts
on each protected router rather than middleware over the whole app, so routes with their own
checks (carrier webhooks, signed by the carrier) and /healthz stay reachable without one.

Dev mode: a server on a loopback address with no active key answers without one, so a first
`callwright serve` just works on the developer's own machine. The first key created closes it,
for good: revoking every key later never opens the API again until a restart.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from callwright.store.api_keys import ApiKeyRepository, ApiKeyScope

READ_METHODS = frozenset({"GET", "HEAD"})
CREATE_KEY_COMMAND = "callwright keys create NAME --scope read"
KEY_HINT = (
    "pass an API key as `Authorization: Bearer <key>` or `X-API-Key: <key>`; "
    f"create one on the server with `{CREATE_KEY_COMMAND}`"
)

log = logging.getLogger("callwright.api.auth")
_bearer = HTTPBearer(auto_error=False, description="An API key from `callwright keys create`.")
_api_key_header = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="An API key from `callwright keys create`."
)


class ApiKeyCheck:
    """The dependency that lets a request through, or answers 401 (no valid key) or 403 (a read
    key on a write route).

    Args:
        keys: where keys are verified; None means no key store, so no key verifies.
        open_without_keys: let requests through while no active key exists (dev mode).
    """

    def __init__(self, keys: ApiKeyRepository | None, open_without_keys: bool) -> None:
        self._keys = keys
        self._open = open_without_keys

    def __call__(
        self,
        request: Request,
        bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        api_key: Annotated[str | None, Depends(_api_key_header)],
    ) -> None:
        if self._still_open():
            return
        key = bearer.credentials if bearer is not None else api_key
        if not key:
            raise _unauthorized(f"API key required: {KEY_HINT}")
        scope = self._keys.verify(key) if self._keys is not None else None
        if scope is None:
            raise _unauthorized(f"API key unknown or revoked: {KEY_HINT}")
        needed = ApiKeyScope.READ if request.method in READ_METHODS else ApiKeyScope.WRITE
        if not scope.allows(needed):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"{request.method} needs a write key and this one is read-only; create one "
                "with `callwright keys create NAME --scope write`",
            )

    def _still_open(self) -> bool:
        if self._open and self._keys is not None and self._keys.has_active_keys():
            self._open = False
        return self._open


def is_loopback(host: str) -> bool:
    """Whether `host` is reachable only from this machine (a host name other than localhost
    counts as exposed: it may resolve anywhere)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_exposure(http_host: str, keys: ApiKeyRepository) -> bool:
    """Whether the API served on `http_host` may stay open while no active key exists: only on
    a loopback address, and then it logs a warning when it starts open.

    Raises:
        SystemExit: `http_host` is not a loopback address and no active key exists.
    """
    loopback = is_loopback(http_host)
    if keys.has_active_keys():
        return loopback
    if not loopback:
        raise SystemExit(
            f"Refusing to serve the HTTP API on {http_host} with no API key: anyone who reaches "
            "it could read call transcripts, recordings and business records. Create a key "
            f"first, on the same database as the server: `{CREATE_KEY_COMMAND}` "
            "(or serve on 127.0.0.1 with --http-host 127.0.0.1)."
        )
    log.warning(
        "no API key exists, so the HTTP API on %s is open to anyone on this machine; "
        "create a key to require one: `%s`",
        http_host,
        CREATE_KEY_COMMAND,
    )
    return True


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"}
    )
