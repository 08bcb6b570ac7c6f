"""`callwright talk-link`: one link on stdout, signed with the data folder's secret (the one
the server uses), for the agent asked for, expiring when asked."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from typer.testing import CliRunner

from callwright.api.talk_links import LINK_SECRET_ENV, LinkRefused, link_secret, verify
from callwright.cli import app


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.delenv(LINK_SECRET_ENV, raising=False)
    monkeypatch.setenv("CALLWRIGHT_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("CALLWRIGHT_HTTP_PORT", "8123")
    return tmp_path / "var"


def test_the_link_opens_the_agent_on_the_servers_address(data_dir):
    result = CliRunner().invoke(app, ["talk-link", "dental", "--minutes", "5"])
    assert result.exit_code == 0, result.output
    url = urlsplit(result.stdout.strip())
    assert (url.scheme, url.netloc, url.path) == ("http", "127.0.0.1:8123", "/talk/dental")
    token = parse_qs(url.query)["token"][0]
    secret = link_secret(data_dir)  # made by the command, found by the server
    verify(secret, "dental", token)
    with pytest.raises(LinkRefused, match="expired"):
        verify(secret, "dental", token, now=time.time() + 5 * 60 + 1)
    assert "https" in result.stderr  # the microphone needs https except on localhost


def test_a_base_url_for_a_proxy_in_front(data_dir):
    result = CliRunner().invoke(
        app, ["talk-link", "demo", "--base-url", "https://talk.example.com/"]
    )
    assert result.stdout.startswith("https://talk.example.com/talk/demo?token=")


def test_minutes_must_be_positive(data_dir):
    assert CliRunner().invoke(app, ["talk-link", "demo", "--minutes", "0"]).exit_code == 2
