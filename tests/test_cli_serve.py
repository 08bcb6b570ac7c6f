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
