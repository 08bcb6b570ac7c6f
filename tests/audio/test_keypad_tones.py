"""In-band keypad tones: each press holds its row and column frequencies (ITU-T Q.23), found
by FFT, for 100 ms, with at least 70 ms of silence after it."""

import numpy as np
import pytest

from callwright.audio.frames import SAMPLES_PER_FRAME
from callwright.audio.keypad_tones import (
    COLUMN_FREQUENCIES_HZ,
    KEYPAD_ROWS,
    ROW_FREQUENCIES_HZ,
    check_keys,
    keypad_frames,
)
from tests.support.keypad import Q23_HZ, decode_keys, key_of, strongest_two_hz

PRESS_FRAMES = 5  # 100 ms
GAP_FRAMES = 4  # 80 ms: the 70 ms gap in whole frames


def decode(frames) -> str:
    return decode_keys(np.concatenate([frame.samples for frame in frames]))


def test_the_keypad_table_is_q23():
    table = {
        key: (row_hz, column_hz)
        for row, row_hz in zip(KEYPAD_ROWS, ROW_FREQUENCIES_HZ, strict=True)
        for key, column_hz in zip(row, COLUMN_FREQUENCIES_HZ, strict=True)
    }
    assert table == Q23_HZ


@pytest.mark.parametrize("key", list(Q23_HZ))
def test_each_key_sounds_its_row_and_column_frequency(key):
    frames = keypad_frames(key)
    assert len(frames) == PRESS_FRAMES + GAP_FRAMES
    assert all(len(frame.samples) == SAMPLES_PER_FRAME for frame in frames)
    assert all(frame.samples.dtype == np.int16 for frame in frames)
    tone = np.concatenate([frame.samples for frame in frames[:PRESS_FRAMES]])
    assert key_of(*strongest_two_hz(tone)) == key
    assert all(not frame.samples.any() for frame in frames[PRESS_FRAMES:])  # the gap is silent


def test_a_dial_string_decodes_back_and_the_tones_do_not_clip():
    frames = keypad_frames("0123456789*#ABCD")
    assert decode(frames) == "0123456789*#ABCD"
    peak = max(int(np.abs(frame.samples.astype(np.int32)).max()) for frame in frames)
    assert 8000 < peak < 32767


def test_pause_is_half_a_second_of_silence():
    frames = keypad_frames("1w2")
    assert len(frames) == 2 * (PRESS_FRAMES + GAP_FRAMES) + 25
    assert decode(frames) == "12"
    assert all(frame.utterance_id is None for frame in frames)


def test_check_keys_normalizes_and_refuses_clearly():
    assert check_keys("12abw#") == "12ABw#"
    with pytest.raises(ValueError, match=r"cannot press 'x' in '1x'.*0-9, \*, #, A-D"):
        check_keys("1x")
    with pytest.raises(ValueError, match="no keys"):
        keypad_frames("")
