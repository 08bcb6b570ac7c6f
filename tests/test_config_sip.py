"""The SIP settings file: what a business writes, what callwright makes of it, and the errors
it gets for what it wrote wrong; `callwright trunks check` and `status` on the same file."""

import ipaddress

import pytest
from typer.testing import CliRunner

from callwright.cli import app
from callwright.config_sip import PRIVATE_NETWORKS, load_sip_settings

FULL = """\
public_address: 203.0.113.7
rtp_ports: 40000-40099
allow_sources: [10.1.0.0/16]
unknown_sources: drop
rate_limit: {per_s: 2, burst: 4}
call_targets: ["+1555*"]
trunks:
  - name: main
    registrar: sip:sip.provider.example:5080;transport=tcp
    username: acme
    password_env: MAIN_TRUNK_PASSWORD
    agent: front-desk
    caller_id: "+15551230000"
    caller_ids: {pharmacy: "+15551230077"}
    expires_s: 300
    networks: [198.51.100.0/24]
sip_users:
  - {username: branch-pbx, password_env: PBX_PASSWORD}
numbers: {"+15551230000": front-desk}
"""


PASSWORDS = {"MAIN_TRUNK_PASSWORD": "pw", "PBX_PASSWORD": "pbx"}


def write(tmp_path, text: str):
    path = tmp_path / "sip.yaml"
    path.write_text(text)
    return path


def test_a_full_file_becomes_trunks_access_and_nat_settings(tmp_path):
    settings = load_sip_settings(write(tmp_path, FULL), PASSWORDS)
    (trunk,) = settings.trunks
    assert (trunk.name, trunk.username, trunk.password, trunk.agent) == (
        "main", "acme", "pw", "front-desk"
    )  # fmt: skip
    assert trunk.address_of_record == "sip:acme@sip.provider.example:5080"
    assert trunk.transport == "tcp" and trunk.expires_s == 300
    assert trunk.caller_id_for("pharmacy") == "+15551230077"
    assert trunk.caller_id_for("front-desk") == "+15551230000"
    assert trunk.has_source("198.51.100.9") and not trunk.has_source("198.51.101.9")
    assert "pw" not in repr(trunk)  # the password never reaches a log line
    assert settings.public_address == "203.0.113.7"
    assert settings.rtp_ports == range(40000, 40100)
    access = settings.access
    assert access.allow == (ipaddress.ip_network("10.1.0.0/16"),)
    assert access.unknown_sources == "drop"
    assert (access.rate_limit.per_s, access.rate_limit.burst) == (2, 4)
    assert access.may_call("+15551234567") and not access.may_call("+19005550100")
    assert settings.digest_users == {"branch-pbx": "pbx"}
    assert settings.agent_for("+15551230000") == "front-desk"
    assert settings.agent_for("15551230000") == "front-desk"  # some providers drop the +
    assert settings.agent_for("+15559999999") == ""


def test_without_a_file_only_loopback_and_private_networks_may_call_in():
    access = load_sip_settings(None).access
    assert len(access.allow) == len(PRIVATE_NETWORKS)
    assert access.admits_source("127.0.0.1") and access.admits_source("192.168.1.20")
    assert not access.admits_source("8.8.8.8")
    assert access.rate_limit is not None and access.may_call("sip:anyone@anywhere")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("trunks: [{name: a}]", "trunks.0.registrar: Field required"),
        ("unknown_sources: ignore", "unknown_sources"),
        ("allow_sources: [not-a-net]", "not a network"),
        ("rtp_ports: 10-20", "within 1024-65535"),
        ("rtp_ports: lots", "must look like 40000-40999"),
        ("public_address: my.host", "must be an IP address"),
        ("trunk: []", "trunk: Extra inputs are not permitted"),
        ("trunks: [", "not valid YAML"),
        (FULL.replace("MAIN_TRUNK_PASSWORD", "UNSET_PASSWORD"), "UNSET_PASSWORD"),
        (FULL.replace("sip:sip.provider", "http://sip.provider"), "not a sip: URI"),
        (FULL.replace("sip_users:", FULL[FULL.index("  - name"):FULL.index("sip_users")]
                      + "sip_users:"), "trunk names must differ"),
        (FULL.replace("PBX_PASSWORD", "UNSET_PBX"), "sip user 'branch-pbx'"),
    ],
)
def test_a_wrong_setting_is_named_with_the_file(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ValueError, match="sip.yaml") as error:
        load_sip_settings(path, PASSWORDS)
    assert message in str(error.value)


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="cannot read the SIP settings"):
        load_sip_settings(tmp_path / "nope.yaml")


def test_trunks_check_lists_the_trunks_without_their_password(tmp_path, monkeypatch):
    monkeypatch.setenv("MAIN_TRUNK_PASSWORD", "very-secret")
    monkeypatch.setenv("PBX_PASSWORD", "pbx")
    result = CliRunner().invoke(app, ["trunks", "check", str(write(tmp_path, FULL))])
    assert result.exit_code == 0, result.output
    assert "main" in result.output and "sip:acme@sip.provider.example:5080" in result.output
    assert "10.1.0.0/16" in result.output and "+1555*" in result.output
    assert "very-secret" not in result.output


def test_trunks_check_names_a_missing_password_variable(tmp_path, monkeypatch):
    monkeypatch.delenv("MAIN_TRUNK_PASSWORD", raising=False)
    result = CliRunner().invoke(app, ["trunks", "check", str(write(tmp_path, FULL))])
    assert result.exit_code == 2
    assert "MAIN_TRUNK_PASSWORD" in result.output


def test_trunks_status_says_when_no_server_answers():
    result = CliRunner().invoke(app, ["trunks", "status", "--api", "http://127.0.0.1:9"])
    assert result.exit_code == 1
    assert "cannot reach the server at http://127.0.0.1:9" in result.output
