"""G.711 mu-law (PCMU) and A-law (PCMA): 8 kHz telephone audio, one byte per sample.

Encoding and decoding are single numpy table look-ups. The tables are built once
at import from the ITU G.711 reference algorithm (the same one CPython's
`audioop` implements), so the output is bit-exact with it: mu-law works on the
top 14 bits of a sample, A-law on the top 13.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

SAMPLE_RATE_HZ = 8_000

_ULAW_BIAS = 0x84
_ULAW_SEGMENT_ENDS = np.array([0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF])
_ALAW_SEGMENT_ENDS = np.array([0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF])
_ALAW_EVEN_BITS = 0x55
_QUANT_MASK = 0x0F
_SEGMENT_SHIFT = 4
_SIGN_BIT = 0x80


def _all_int16() -> np.ndarray:
    """Every int16 value, ordered so that index == value viewed as uint16."""
    return np.arange(1 << 16, dtype=np.uint16).view(np.int16).astype(np.int32)


def _ulaw_encode_table() -> np.ndarray:
    value = _all_int16() >> 2  # 14-bit
    mask = np.where(value < 0, 0x7F, 0xFF)
    magnitude = np.abs(value) + (_ULAW_BIAS >> 2)
    segment = np.searchsorted(_ULAW_SEGMENT_ENDS, magnitude)
    code = (np.minimum(segment, 7) << _SEGMENT_SHIFT) | ((magnitude >> (segment + 1)) & _QUANT_MASK)
    code = np.where(segment >= 8, 0x7F, code)
    return (code ^ mask).astype(np.uint8)


def _ulaw_decode_table() -> np.ndarray:
    code = ~np.arange(256, dtype=np.int32) & 0xFF
    magnitude = (((code & _QUANT_MASK) << 3) + _ULAW_BIAS) << ((code >> _SEGMENT_SHIFT) & 0x07)
    return np.where(code & _SIGN_BIT, _ULAW_BIAS - magnitude, magnitude - _ULAW_BIAS).astype(
        np.int16
    )


def _alaw_encode_table() -> np.ndarray:
    value = _all_int16() >> 3  # 13-bit
    mask = np.where(value >= 0, 0xD5, 0x55)
    magnitude = np.where(value >= 0, value, -value - 1)
    segment = np.searchsorted(_ALAW_SEGMENT_ENDS, magnitude)
    shift = np.maximum(segment, 1)
    code = (np.minimum(segment, 7) << _SEGMENT_SHIFT) | ((magnitude >> shift) & _QUANT_MASK)
    code = np.where(segment >= 8, 0x7F, code)
    return (code ^ mask).astype(np.uint8)


def _alaw_decode_table() -> np.ndarray:
    code = np.arange(256, dtype=np.int32) ^ _ALAW_EVEN_BITS
    segment = (code >> _SEGMENT_SHIFT) & 0x07
    magnitude = ((code & _QUANT_MASK) << 4) + np.where(segment == 0, 0x8, 0x108)
    magnitude = magnitude << np.maximum(segment - 1, 0)
    return np.where(code & _SIGN_BIT, magnitude, -magnitude).astype(np.int16)


_ULAW_ENCODE = _ulaw_encode_table()
_ULAW_DECODE = _ulaw_decode_table()
_ALAW_ENCODE = _alaw_encode_table()
_ALAW_DECODE = _alaw_decode_table()


def _as_table_index(pcm: np.ndarray) -> np.ndarray:
    return np.asarray(pcm, dtype=np.int16).view(np.uint16)


def ulaw_encode(pcm: np.ndarray) -> bytes:
    """int16 samples -> mu-law bytes, one per sample."""
    return _ULAW_ENCODE[_as_table_index(pcm)].tobytes()


def ulaw_decode(payload: bytes) -> np.ndarray:
    """mu-law bytes -> int16 samples."""
    return _ULAW_DECODE[np.frombuffer(payload, dtype=np.uint8)]


def alaw_encode(pcm: np.ndarray) -> bytes:
    """int16 samples -> A-law bytes, one per sample."""
    return _ALAW_ENCODE[_as_table_index(pcm)].tobytes()


def alaw_decode(payload: bytes) -> np.ndarray:
    """A-law bytes -> int16 samples."""
    return _ALAW_DECODE[np.frombuffer(payload, dtype=np.uint8)]


Encoder = Callable[[np.ndarray], bytes]
Decoder = Callable[[bytes], np.ndarray]

CODECS: dict[str, tuple[Encoder, Decoder]] = {
    "PCMU": (ulaw_encode, ulaw_decode),
    "PCMA": (alaw_encode, alaw_decode),
}
"""Codec name as written in SDP rtpmap -> (encode, decode)."""
