"""`callwright serve` refuses settings it cannot honour before loading anything."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from callwright.cli import app


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--refuse-with", "404"], {}, "refuse_with must be 486 or 503, not 404"),
        (["--max-calls", "0"], {}, "max_calls must be at least 1"),
        ([], {"CALLWRIGHT_MAX_CALLS": "many"}, "CALLWRIGHT_MAX_CALLS='many' is not a valid int"),
    ],
)
def test_invalid_admission_settings_stop_serve_with_their_name(args, env, message):
    result = CliRunner().invoke(app, ["serve", *args], env={"COLUMNS": "200", **env})
    assert result.exit_code == 2
    assert message in result.output


def test_a_bad_sip_settings_file_stops_serve_naming_the_file_and_the_setting(tmp_path):
    sip_yaml = tmp_path / "sip.yaml"
    sip_yaml.write_text("trunks:\n  - {name: main, registrar: sip:127.0.0.1, username: u,\n"
                        "     password_env: NOT_SET_ANYWHERE, agent: demo}\n")
    database = f"sqlite:///{tmp_path}/callwright.db"
    result = CliRunner().invoke(
        app, ["serve", "--sip-config", str(sip_yaml), "--database-url", database],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code != 0
    assert "sip.yaml" in str(result.exception) or "sip.yaml" in result.output
    assert "NOT_SET_ANYWHERE" in (str(result.exception) + result.output)
