"""Calls on the virtual line save their recordings in the test's own folder."""

import pytest

from tests.support import virtual_call


@pytest.fixture(autouse=True)
def recordings_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(virtual_call, "RECORDINGS", tmp_path / "recordings")
