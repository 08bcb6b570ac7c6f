"""Generic HTTP actions: a business connects its own CRM, ticketing or order system.

An agent file declares each action under ``actions:``; for example::

    - name: order_status
      method: GET
      url: https://crm.example/api/orders/{order_number}
      headers: {Authorization: "Bearer ${CRM_TOKEN}"}
      response: {status: data.status, carrier: data.shipment.carrier}

``{param}`` placeholders are filled with the action's parameters (URL-encoded in the URL; in a
JSON body a string that is exactly ``"{param}"`` keeps the parameter's JSON type). ``${VAR}`` in a
header is read from the environment when the action is built, so a missing secret fails at
load, not mid-call. Every failure becomes an `ActionResult` the agent can speak about honestly;
secrets and response bodies never reach the result or the logs.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Callable
from datetime import date, datetime
from datetime import time as time_of_day
from decimal import Decimal
from enum import Enum
from typing import Any, Literal
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict, Field, field_validator

from callwright.actions.registry import ActionContext, ActionRegistry, ActionResult

log = logging.getLogger("callwright.actions.http")

RETRY_BACKOFF_S = 0.2  # pause before each retry, times the retry number
REGISTRY_MARGIN_S = 0.5  # registry timeout beyond the action's own worst case
IDEMPOTENT_METHODS = frozenset({"GET", "PUT", "DELETE"})
TRANSIENT_STATUS = frozenset({408, 429})  # client-side codes that mean "try again"

_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_SECRET = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")

NOT_FOUND_SAY = "I couldn't find that in our system."
NOT_ALLOWED_SAY = "Our system didn't allow that request."
CONFLICT_SAY = "Our system says that conflicts with something already there."
INVALID_SAY = "Our system didn't accept those details."
MISSING_SAY = "I'm missing some details to do that."
TIMEOUT_SAY = "Our system is taking too long to answer right now."
UNREACHABLE_SAY = "I can't reach our system right now."
BACKEND_SAY = "Our system had a problem answering."
UNREADABLE_SAY = "Our system gave an answer I couldn't read."


class HttpActionConfigError(ValueError):
    """An HTTP action that cannot be built, e.g. a header names an unset environment variable."""


class HttpActionSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    """The action name that intents and flows refer to, e.g. ``order_status``."""
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "GET"
    url: str
    """Template, e.g. ``https://crm.example/api/orders/{order_number}``."""
    headers: dict[str, str] = Field(default_factory=dict)
    """Values may name environment secrets: ``Bearer ${CRM_TOKEN}``."""
    body: dict[str, Any] | list[Any] | str | None = None
    """JSON template (dict or list), or a text template sent as it is."""
    response: dict[str, str] = Field(default_factory=dict)
    """Result field -> dotted path into the JSON answer, e.g. ``items.0.id``."""
    timeout_s: float = Field(default=3.0, gt=0)
    """Per attempt."""
    retries: int = Field(default=1, ge=0, le=5)
    """Extra attempts after a timeout, connection error or 5xx (GET, PUT, DELETE only)."""
    retry_post: bool = False
    """Also retry POST: only where the business's endpoint is safe to call twice."""
    success_status: list[int] | None = None
    """Status codes that count as success; any 2xx when unset."""

    @field_validator("method", mode="before")
    @classmethod
    def _upper_method(cls, method: Any) -> Any:
        return method.upper() if isinstance(method, str) else method

    @field_validator("url")
    @classmethod
    def _absolute_url(cls, url: str) -> str:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"url '{url}' must start with http:// or https://")
        return url

    @property
    def attempts(self) -> int:
        retryable = self.method in IDEMPOTENT_METHODS or (self.method == "POST" and self.retry_post)
        return 1 + self.retries if retryable else 1

    @property
    def worst_case_s(self) -> float:
        """Longest the action can take with every attempt timing out."""
        backoffs = sum(RETRY_BACKOFF_S * n for n in range(1, self.attempts))
        return self.attempts * self.timeout_s + backoffs

    def secrets_needed(self) -> list[str]:
        """Environment variables the headers name, in order of appearance."""
        return [name for value in self.headers.values() for name in _SECRET.findall(value)]


class _MissingParam(KeyError):
    pass


class _Unreadable(ValueError):
    pass


def _resolve_secrets(spec: HttpActionSpec) -> dict[str, str]:
    missing = [name for name in spec.secrets_needed() if name not in os.environ]
    if missing:
        raise HttpActionConfigError(
            f"HTTP action {spec.name!r} needs the environment variable(s) {', '.join(missing)}; "
            "set them before starting callwright"
        )
    return {
        key: _SECRET.sub(lambda m: os.environ[m.group(1)], value)
        for key, value in spec.headers.items()
    }


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date | time_of_day):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Enum):
        return _json_value(value.value)
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    return value


def _as_text(value: Any) -> str:
    value = _json_value(value)
    return value if isinstance(value, str) else json.dumps(value)


def _param(params: dict[str, Any], name: str) -> Any:
    if name not in params or params[name] is None:
        raise _MissingParam(name)
    return params[name]


def _fill_url(template: str, params: dict[str, Any]) -> str:
    return _PARAM.sub(lambda m: quote(_as_text(_param(params, m.group(1))), safe=""), template)


def _fill_body(template: Any, params: dict[str, Any]) -> Any:
    if isinstance(template, dict):
        return {key: _fill_body(value, params) for key, value in template.items()}
    if isinstance(template, list):
        return [_fill_body(value, params) for value in template]
    if isinstance(template, str):
        whole = _PARAM.fullmatch(template)
        if whole:
            return _json_value(_param(params, whole.group(1)))
        return _PARAM.sub(lambda m: _as_text(_param(params, m.group(1))), template)
    return template


def _lookup(document: Any, path: str) -> Any:
    """Follow ``data.items.0.id`` (a leading ``$.`` is allowed; ``$`` is the whole answer)."""
    path = path.removeprefix("$").removeprefix(".")
    current = document
    for part in path.split(".") if path else []:
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and re.fullmatch(r"-?\d+", part):
            index = int(part)
            if not -len(current) <= index < len(current):
                raise _Unreadable(f"index {index} is outside a list of {len(current)}")
            current = current[index]
        else:
            raise _Unreadable(f"no field {part!r} on the way to {path!r}")
    return current


def http_action(spec: HttpActionSpec) -> Callable[..., ActionResult]:
    """Build the action: a synchronous `(context, **params) -> ActionResult`.

    Raises HttpActionConfigError at once when a header names an unset environment variable.
    """
    headers = _resolve_secrets(spec)
    client = httpx.Client(timeout=spec.timeout_s, headers=headers, follow_redirects=True)
    accepted = set(spec.success_status) if spec.success_status else set(range(200, 300))

    def run(context: ActionContext, **params: Any) -> ActionResult:
        try:
            url = _fill_url(spec.url, params)
            body = None if spec.body is None else _fill_body(spec.body, params)
        except _MissingParam as missing:
            log.warning("HTTP action %s is missing the parameter %s", spec.name, missing.args[0])
            return ActionResult.failure("invalid", MISSING_SAY)
        for attempt in range(1, spec.attempts + 1):
            result = _attempt(client, spec, url, body, accepted)
            if result.ok or result.error not in ("timeout", "backend_error"):
                break
            log.warning(
                "HTTP action %s failed (%s), attempt %d of %d",
                spec.name,
                result.error,
                attempt,
                spec.attempts,
            )
            if attempt < spec.attempts:
                time.sleep(RETRY_BACKOFF_S * attempt)
        return result

    run.__name__ = f"http_{spec.name}"
    return run


def _attempt(
    client: httpx.Client,
    spec: HttpActionSpec,
    url: str,
    body: Any,
    accepted: set[int],
) -> ActionResult:
    where = f"{spec.method} {spec.url}"  # the template: filled URLs may carry callers' data
    try:
        if isinstance(body, str):
            response = client.request(spec.method, url, content=body.encode())
        else:
            response = client.request(spec.method, url, json=body)
    except httpx.TimeoutException:
        return ActionResult.failure("timeout", TIMEOUT_SAY)
    except httpx.TransportError as error:
        log.warning("HTTP action %s: %s unreachable (%s)", spec.name, where, type(error).__name__)
        return ActionResult.failure("backend_error", UNREACHABLE_SAY)
    status = response.status_code
    if status not in accepted:
        return _status_failure(spec.name, where, status)
    if not spec.response:
        return ActionResult.success()
    try:
        document = response.json()
    except ValueError:
        log.error("HTTP action %s: %s answered %d with invalid JSON", spec.name, where, status)
        return ActionResult.failure("backend_error", UNREADABLE_SAY)
    try:
        data = {field: _lookup(document, path) for field, path in spec.response.items()}
    except _Unreadable as problem:
        log.error(
            "HTTP action %s: %s answered without a mapped field: %s; check its response: paths",
            spec.name,
            where,
            problem,
        )
        return ActionResult.failure("backend_error", UNREADABLE_SAY)
    return ActionResult.success(**data)


def _status_failure(name: str, where: str, status: int) -> ActionResult:
    if status >= 500 or status in TRANSIENT_STATUS:
        log.warning("HTTP action %s: %s answered %d", name, where, status)
        return ActionResult.failure("backend_error", BACKEND_SAY, status=status)
    if status in (401, 403):
        log.error("HTTP action %s: %s answered %d; check its credentials", name, where, status)
        return ActionResult.failure("not_allowed", NOT_ALLOWED_SAY, status=status)
    if status == 404:
        return ActionResult.failure("not_found", NOT_FOUND_SAY, status=status)
    if status == 409:
        return ActionResult.failure("conflict", CONFLICT_SAY, status=status)
    log.warning("HTTP action %s: %s answered %d", name, where, status)
    return ActionResult.failure("invalid", INVALID_SAY, status=status)


def register_http_actions(registry: ActionRegistry, specs: list[HttpActionSpec]) -> None:
    """Build and register each action.

    The action retries by itself (per its spec), so the registry does not retry it again; the
    registry's timeout covers every attempt.
    """
    for spec in specs:
        registry.register(
            spec.name,
            http_action(spec),
            timeout_s=spec.worst_case_s + REGISTRY_MARGIN_S,
            retry_safe=False,
            reads_only=spec.method == "GET",
        )
