"""G.711 must be bit-exact with the ITU reference (CPython's audioop implements it)."""

import warnings

import numpy as np
import pytest

from callwright.audio import g711

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

ALL_SAMPLES = np.arange(-32768, 32768, dtype=np.int16)
ALL_CODES = bytes(range(256))


def test_ulaw_encode_matches_audioop_for_every_int16():
    assert g711.ulaw_encode(ALL_SAMPLES) == audioop.lin2ulaw(ALL_SAMPLES.astype("<i2").tobytes(), 2)


def test_alaw_encode_matches_audioop_for_every_int16():
    assert g711.alaw_encode(ALL_SAMPLES) == audioop.lin2alaw(ALL_SAMPLES.astype("<i2").tobytes(), 2)


def test_ulaw_decode_matches_audioop_for_every_code():
    decoded = g711.ulaw_decode(ALL_CODES)
    assert decoded.dtype == np.int16
    assert decoded.astype("<i2").tobytes() == audioop.ulaw2lin(ALL_CODES, 2)


def test_alaw_decode_matches_audioop_for_every_code():
    decoded = g711.alaw_decode(ALL_CODES)
    assert decoded.dtype == np.int16
    assert decoded.astype("<i2").tobytes() == audioop.alaw2lin(ALL_CODES, 2)


def test_silence_encodes_to_the_well_known_idle_bytes():
    silence = np.zeros(160, dtype=np.int16)
    assert g711.ulaw_encode(silence) == b"\xff" * 160
    assert g711.alaw_encode(silence) == b"\xd5" * 160


@pytest.mark.parametrize("codec", ["PCMU", "PCMA"])
def test_round_trip_error_stays_within_the_g711_step(codec):
    encode, decode = g711.CODECS[codec]
    ramp = np.linspace(-30000, 30000, 4001).astype(np.int16)
    decoded = decode(encode(ramp)).astype(np.int32)
    error = np.abs(decoded - ramp)
    # Logarithmic quantisation: the error grows with the level, ~3 % at most.
    assert np.all(error <= np.maximum(16, np.abs(ramp.astype(np.int32)) // 30))
    assert len(encode(ramp)) == len(ramp)


def test_encode_accepts_a_strided_read_only_view():
    samples = np.arange(-8000, 8000, 50, dtype=np.int16)
    view = samples[::2]
    view.setflags(write=False)
    for codec in ("PCMU", "PCMA"):
        encode, _ = g711.CODECS[codec]
        assert encode(view) == encode(np.ascontiguousarray(view))
