"""API keys in the store, on both backends: only hashes are kept; revoked keys never verify."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from callwright.store.api_keys import (
    ApiKeyNameTaken,
    ApiKeyNotFound,
    ApiKeyRepository,
    ApiKeyScope,
)
from callwright.store.models import ApiKey


@pytest.fixture
def keys(engine: Engine) -> ApiKeyRepository:
    return ApiKeyRepository(engine)


def test_a_created_key_verifies_with_its_scope(keys: ApiKeyRepository) -> None:
    assert not keys.has_active_keys()
    record, read_key = keys.create("grafana", ApiKeyScope.READ)
    _, write_key = keys.create("ops", ApiKeyScope.WRITE)

    assert keys.has_active_keys()
    assert read_key.startswith(f"cw_{record.prefix}_") and len(record.prefix) == 8
    assert keys.verify(read_key) is ApiKeyScope.READ
    assert keys.verify(write_key) is ApiKeyScope.WRITE
    assert read_key != write_key


@pytest.mark.parametrize(
    "make_wrong",
    [
        lambda key: key[:-1] + ("0" if key[-1] != "0" else "1"),  # right prefix, wrong secret
        lambda key: key.replace("cw_", "xx_", 1),
        lambda key: key.rsplit("_", 1)[0],  # prefix only
        lambda key: "",
    ],
)
def test_a_wrong_key_does_not_verify(keys: ApiKeyRepository, make_wrong) -> None:
    _, key = keys.create("grafana", ApiKeyScope.WRITE)
    assert keys.verify(make_wrong(key)) is None


def test_only_a_sha256_of_the_key_is_stored(keys: ApiKeyRepository, engine: Engine) -> None:
    _, key = keys.create("grafana", ApiKeyScope.READ)
    with Session(engine) as session:
        row = session.scalars(select(ApiKey)).one()
    stored = [str(getattr(row, column.key)) for column in ApiKey.__table__.columns]
    assert not any(key in value or key.split("_")[2] in value for value in stored)
    assert row.secret_hash == hashlib.sha256(key.encode()).hexdigest()


def test_revoked_keys_never_verify_and_free_their_name(keys: ApiKeyRepository) -> None:
    first, key = keys.create("grafana", ApiKeyScope.WRITE)
    revoked = keys.revoke("grafana")
    assert revoked.prefix == first.prefix and revoked.revoked_at is not None
    assert keys.verify(key) is None
    assert not keys.has_active_keys()

    second, new_key = keys.create("grafana", ApiKeyScope.READ)  # the name is free again
    assert keys.verify(new_key) is ApiKeyScope.READ
    keys.revoke(second.prefix)
    assert keys.verify(new_key) is None


def test_names_are_unique_among_active_keys(keys: ApiKeyRepository) -> None:
    keys.create("grafana", ApiKeyScope.READ)
    with pytest.raises(ApiKeyNameTaken, match="callwright keys revoke grafana"):
        keys.create("grafana", ApiKeyScope.WRITE)
    with pytest.raises(ValueError, match="1 to 255 characters"):
        keys.create("  ", ApiKeyScope.READ)


def test_revoking_what_matches_no_active_key_says_where_to_look(keys: ApiKeyRepository) -> None:
    keys.create("grafana", ApiKeyScope.READ)
    keys.revoke("grafana")
    with pytest.raises(ApiKeyNotFound, match="callwright keys list"):
        keys.revoke("grafana")
    with pytest.raises(ApiKeyNotFound):
        keys.revoke("nope")


def test_a_prefix_wins_over_another_key_named_like_it(keys: ApiKeyRepository) -> None:
    target, target_key = keys.create("target", ApiKeyScope.READ)
    _, lookalike_key = keys.create(target.prefix, ApiKeyScope.READ)
    assert keys.revoke(target.prefix).name == "target"
    assert keys.verify(target_key) is None
    assert keys.verify(lookalike_key) is ApiKeyScope.READ


def test_listing_shows_every_key_and_when_it_was_last_used(keys: ApiKeyRepository) -> None:
    _, used = keys.create("grafana", ApiKeyScope.READ)
    keys.create("ci", ApiKeyScope.WRITE)
    keys.revoke("ci")
    keys.verify(used)

    grafana, ci = keys.list_keys()
    assert (grafana.name, grafana.scope, grafana.revoked_at) == ("grafana", "read", None)
    assert grafana.last_used_at is not None and grafana.last_used_at >= grafana.created_at
    assert (ci.name, ci.last_used_at) == ("ci", None)
    assert ci.revoked_at is not None
