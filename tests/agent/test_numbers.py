"""Spoken numbers: digits and words as speech-to-text writes them, read every plausible way."""

from __future__ import annotations

import pytest

from callwright.agent.understanding.numbers import (
    best_reading,
    cardinal,
    number_runs,
    ordinal_at,
    tokenize,
    words_to_number,
)


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("four four one seven", "4417"),
        ("forty four seventeen", "4417"),
        ("Forty-four, seventeen.", "4417"),
        ("4417", "4417"),
        ("44 seventeen", "4417"),
        ("one thousand two hundred forty nine", "1249"),
        ("one thousand two hundred and forty nine", "1249"),
        ("twelve forty nine ninety nine", "124999"),
        ("twelve hundred", "1200"),
        ("a hundred and five", "105"),
        ("twenty twenty six", "2026"),
        ("nineteen eighty five", "1985"),
        ("two thousand five", "2005"),
        ("twenty oh five", "2005"),
        ("one oh oh nine nine nine", "100999"),
        ("double five five", "555"),
        ("triple oh one", "0001"),
        ("555-123-0001", "5551230001"),
        ("order number 100587", "100587"),
        ("um, four, uh, eight two one", "4821"),
        ("zero", "0"),
    ],
)
def test_words_to_number_reads_spoken_digits(text: str, digits: str) -> None:
    assert words_to_number(text) == digits


def test_words_to_number_is_none_without_a_number() -> None:
    assert words_to_number("I don't have it with me") is None
    assert words_to_number("oh, I see") is None  # "oh" is zero only next to digits


def test_expected_length_picks_the_reading() -> None:
    assert words_to_number("one hundred two thirty four") == "10234"
    assert words_to_number("one hundred two thirty four", digits=6) == "100234"
    assert words_to_number("one hundred two thirty four", digits=(6, 8)) == "100234"
    assert words_to_number("forty four seventeen", digits=4) == "4417"
    assert words_to_number("four four one seven", digits=6) is None


def test_the_one_is_a_pronoun_not_a_digit() -> None:
    runs = number_runs(tokenize("the one ending in four eight two one"))
    assert [run.readings[0].digits for run in runs] == ["4821"]


def test_a_reading_is_clear_only_without_a_close_rival() -> None:
    (forty_four,) = number_runs(tokenize("forty four seventeen"))
    (hundred,) = number_runs(tokenize("one hundred two thirty four"))
    assert best_reading(forty_four) == (forty_four.readings[0], True)
    reading, clear = best_reading(hundred)
    assert (reading.digits, clear) == ("10234", False)


def test_groups_keep_what_each_spoken_number_was() -> None:
    (run,) = number_runs(tokenize("twelve forty nine ninety nine"))
    assert run.readings[0].group_digits == ("12", "49", "99")


@pytest.mark.parametrize(
    ("words", "value"),
    [
        ("seven", 7),
        ("seventeen", 17),
        ("seventy seven", 77),
        ("two hundred", 200),
        ("two hundred and five", 205),
        ("three thousand", 3000),
        ("one million two hundred thousand", 1_200_000),
        ("hundred", None),
        ("seven seventy", None),
        ("twenty zero", None),
        ("two hundred and", None),
    ],
)
def test_cardinal_accepts_only_well_formed_numbers(words: str, value: int | None) -> None:
    assert cardinal(words.split()) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [("14th", 14), ("fourteenth", 14), ("twenty first", 21), ("thirty-first", 31), ("3rd", 3)],
)
def test_ordinals(text: str, value: int) -> None:
    tokens = tokenize(text)
    assert ordinal_at(tokens, 0) == (value, len(tokens))


def test_tokenize_drops_fillers_and_keeps_positions() -> None:
    text = "Um, it's, you know, L-O-P-E-Z"
    tokens = tokenize(text)
    assert [token.word for token in tokens] == ["its", "l", "o", "p", "e", "z"]
    assert [text[token.start : token.end] for token in tokens][:2] == ["it's", "L"]
