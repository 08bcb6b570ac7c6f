"""Keys to the HTTP API: create, list, revoke and verify them.

A key reads `cw_<prefix>_<secret>`: the prefix (8 hex characters) is public and names the key in
listings; the secret is 32 random bytes in hex. Only the SHA-256 of the whole key is stored: the
key is random rather than a password, so a slow password hash would add nothing but latency.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import Engine, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from callwright.store.models import API_KEY_PREFIX_LENGTH, NAME_LENGTH, ApiKey

KEY_MARK = "cw"  # what every key starts with, so a leaked one is recognisable
SECRET_BYTES = 32
LAST_USED_RESOLUTION = timedelta(minutes=1)
"""last_used_at is rewritten at most this often per key, so reads do not all turn into writes."""


class ApiKeyScope(StrEnum):
    READ = "read"
    """GET and HEAD."""
    WRITE = "write"
    """Every method; implies read."""

    def allows(self, needed: ApiKeyScope) -> bool:
        return self is ApiKeyScope.WRITE or needed is ApiKeyScope.READ


class ApiKeyNameTaken(ValueError):
    """create() was given the name of a key that is still active."""


class ApiKeyNotFound(LookupError):
    """revoke() matched no active key."""

    def __init__(self, name_or_prefix: str) -> None:
        super().__init__(
            f"no active API key is named or prefixed {name_or_prefix!r}; "
            "see `callwright keys list` for names and prefixes"
        )


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    """A key as listings show it: never its secret."""

    name: str
    prefix: str
    scope: ApiKeyScope
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class ApiKeyRepository:
    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def create(self, name: str, scope: ApiKeyScope) -> tuple[ApiKeyRecord, str]:
        """Store a new key; returns its record and the key itself, which is not stored."""
        name = name.strip()
        if not 0 < len(name) <= NAME_LENGTH:
            raise ValueError(
                f"an API key's name is 1 to {NAME_LENGTH} characters saying who uses it, "
                "e.g. grafana"
            )
        prefix = secrets.token_hex(API_KEY_PREFIX_LENGTH // 2)
        key = f"{KEY_MARK}_{prefix}_{secrets.token_hex(SECRET_BYTES)}"
        row = ApiKey(
            name=name,
            prefix=prefix,
            secret_hash=_digest(key),
            scope=scope.value,
            created_at=datetime.now(UTC),
        )
        with self._sessions.begin() as session:
            session.add(row)
            try:
                session.flush()
            except IntegrityError as error:
                raise ApiKeyNameTaken(
                    f"an active API key is already named {name!r}; pick another name, or "
                    f"replace it: `callwright keys revoke {name}`, then create it again"
                ) from error
        return _record(row), key

    def list_keys(self) -> list[ApiKeyRecord]:
        """Every key, revoked ones included, oldest first."""
        with self._sessions() as session:
            rows = session.scalars(select(ApiKey).order_by(ApiKey.created_at, ApiKey.id))
            return [_record(row) for row in rows]

    def revoke(self, name_or_prefix: str) -> ApiKeyRecord:
        """Revoke the active key with this prefix, else the one with this name."""
        active = select(ApiKey).where(ApiKey.revoked_at.is_(None))
        with self._sessions.begin() as session:
            row = session.scalar(active.where(ApiKey.prefix == name_or_prefix)) or session.scalar(
                active.where(ApiKey.name == name_or_prefix)
            )
            if row is None:
                raise ApiKeyNotFound(name_or_prefix)
            row.revoked_at = datetime.now(UTC)
        return _record(row)

    def verify(self, key: str) -> ApiKeyScope | None:
        """The scope of an active key; None for a malformed, unknown or revoked one."""
        mark, _, rest = key.partition("_")
        prefix, _, secret = rest.partition("_")
        if mark != KEY_MARK or not secret:
            return None
        digest = _digest(key)
        with self._sessions.begin() as session:
            row = session.scalar(
                select(ApiKey).where(ApiKey.prefix == prefix, ApiKey.revoked_at.is_(None))
            )
            if row is None or not hmac.compare_digest(row.secret_hash, digest):
                return None
            now = datetime.now(UTC)
            if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
                row.last_used_at = now
            return ApiKeyScope(row.scope)

    def has_active_keys(self) -> bool:
        with self._sessions() as session:
            return bool(session.scalar(select(exists().where(ApiKey.revoked_at.is_(None)))))


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _record(row: ApiKey) -> ApiKeyRecord:
    return ApiKeyRecord(
        name=row.name,
        prefix=row.prefix,
        scope=ApiKeyScope(row.scope),
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
    )
