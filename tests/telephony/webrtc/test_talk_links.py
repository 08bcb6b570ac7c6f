"""Signed, expiring talk links: what opens the page and what does not, and the shared secret."""

from __future__ import annotations

import base64
import stat
import struct
import time

import pytest

from callwright.api import talk_links
from callwright.api.talk_links import (
    LINK_SECRET_ENV,
    SECRET_FILE,
    LinkRefused,
    link_secret,
    link_token,
    sign,
    verify,
)

SECRET = b"s" * 32
NOW = 1_900_000_000


def test_a_fresh_link_opens_its_agent_until_it_expires():
    token = sign(SECRET, "dental", NOW + 60)
    verify(SECRET, "dental", token, now=NOW)
    verify(SECRET, "dental", token, now=NOW + 59)
    with pytest.raises(LinkRefused, match="expired: ask for a new one"):
        verify(SECRET, "dental", token, now=NOW + 60)


def test_link_token_counts_minutes_from_now():
    token = link_token(SECRET, "demo", minutes=2)
    verify(SECRET, "demo", token)
    with pytest.raises(LinkRefused, match="expired"):
        verify(SECRET, "demo", token, now=time.time() + 121)


def test_a_link_opens_no_other_agent():
    token = sign(SECRET, "dental", NOW + 60)
    with pytest.raises(LinkRefused, match="does not open agent 'bank'"):
        verify(SECRET, "bank", token, now=NOW)


def test_a_link_signed_with_another_secret_is_refused():
    with pytest.raises(LinkRefused, match="another secret"):
        verify(SECRET, "dental", sign(b"other", "dental", NOW + 60), now=NOW)


def test_a_later_expiry_cannot_be_written_in():
    raw = base64.urlsafe_b64decode(sign(SECRET, "dental", NOW - 60) + "==")
    later = struct.pack(">Q", NOW + 3600) + raw[8:]  # a new expiry before the old MAC
    forged = base64.urlsafe_b64encode(later).rstrip(b"=").decode()
    with pytest.raises(LinkRefused, match="was changed"):
        verify(SECRET, "dental", forged, now=NOW)


@pytest.mark.parametrize("token", ["abc", "!!!!", sign(SECRET, "dental", NOW + 60)[:-4], "é" * 54])
def test_damaged_tokens_are_refused(token):
    with pytest.raises(LinkRefused, match="damaged"):
        verify(SECRET, "dental", token, now=NOW)


def test_no_token_says_how_to_get_one():
    with pytest.raises(LinkRefused, match="callwright talk-link dental"):
        verify(SECRET, "dental", "", now=NOW)


def test_the_secret_is_made_once_in_the_data_folder(tmp_path, monkeypatch):
    monkeypatch.delenv(LINK_SECRET_ENV, raising=False)
    first = link_secret(tmp_path / "var")
    assert len(first) == 2 * talk_links.SECRET_BYTES
    assert link_secret(tmp_path / "var") == first
    path = tmp_path / "var" / SECRET_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == [SECRET_FILE]  # no draft left behind


def test_the_environment_overrides_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv(LINK_SECRET_ENV, "from-the-environment")
    assert link_secret(tmp_path) == b"from-the-environment"
    assert not (tmp_path / SECRET_FILE).exists()
