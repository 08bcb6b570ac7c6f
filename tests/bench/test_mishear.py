"""The simulated recogniser: reproducible, fair to the caller, and as noisy as its profile says."""

from __future__ import annotations

import difflib
import re

from bench.calls.mishear import (
    CLEAN,
    CONFUSIONS,
    NEGATIONS,
    NOISY_LINE,
    Mishearer,
    MishearProfile,
)

CALLER_LINES = (
    "Hi, can I get a cleaning with Doctor Chen next Tuesday afternoon?",
    "Maria Lopez",
    "March fourteenth, nineteen eighty five",
    "five five two one",
    "I'd like to refill my prescription for four boxes",
    "my account number is one zero zero five eight seven",
    "can you move my appointment to Thursday at two",
    "I was charged for an order I never placed",
    "there is a new charge on my card from last week",
    "no, that's all, thanks",
)
SEEDS = range(400)
# Confusable words in sentences, for measuring the substitution rate.
CONFUSABLE_TEXT = (
    "I need to buy four refills for my mother right here",
    "our appointment was booked for the afternoon last week",
    "can we cancel the checkup on Tuesday then",
    "my account address is new and I wanted a refund",
    "it took fifteen minutes to wait by the phone for an hour",
)


def _words(text: str) -> list[str]:
    return [word.strip(".,?!").lower() for word in text.split()]


def test_same_seed_hears_a_sequence_the_same_way() -> None:
    lines = CALLER_LINES * 3
    first, second = Mishearer(NOISY_LINE, "dental-book-1"), Mishearer(NOISY_LINE, "dental-book-1")
    assert [first.hear(line) for line in lines] == [second.hear(line) for line in lines]


def test_different_seeds_differ_somewhere_over_fifty_lines() -> None:
    lines = CALLER_LINES * 5
    one, other = Mishearer(seed=1), Mishearer(seed=2)
    assert [one.hear(line) for line in lines] != [other.hear(line) for line in lines]


def test_clean_profile_returns_the_input_exactly() -> None:
    mishearer = Mishearer(CLEAN, seed=7)
    for line in (*CALLER_LINES, "  uh   one two three  ", ""):
        assert mishearer.hear(line) == line


def test_digit_run_is_sometimes_regrouped_with_digits_kept_in_order() -> None:
    said = "my account number is one zero zero five eight seven"
    heard = [Mishearer(seed=seed).hear(said) for seed in SEEDS]
    as_digits = [line for line in heard if re.search(r"\d", line)]
    regrouped = [line for line in heard if "one zero zero five eight seven" not in line]
    assert 0.3 < len(regrouped) / len(heard) < 0.7  # digit_regroup_rate 0.5
    assert all(re.sub(r"\D", "", line) == "100587" for line in as_digits)
    assert {"100587", "100 587"} <= {line.split(" is ")[-1].rstrip(".") for line in as_digits}
    assert any("one hundred five eight seven" in line for line in regrouped)


def test_four_digits_may_be_heard_as_two_numbers() -> None:
    heard = {Mishearer(seed=seed).hear("four eight two one") for seed in SEEDS}
    assert {"4821.", "48 21.", "Forty eight twenty one.", "Four eight two one."} <= heard


def test_spoken_date_is_sometimes_written_with_the_same_date() -> None:
    said = "I was born March fourteenth, nineteen eighty five"
    heard = {Mishearer(MishearProfile(0, 0, 0.5, 0), seed).hear(said) for seed in SEEDS}
    assert heard == {
        "I was born March fourteenth, nineteen eighty five.",
        "I was born March 14th, 1985.",
        "I was born March 14, 1985.",
    }


def test_negations_survive_every_seed_on_a_noisy_line() -> None:
    for seed in SEEDS:
        mishearer = Mishearer(NOISY_LINE, seed)
        assert "not" in _words(mishearer.hear("I did not make that purchase"))
        assert "didn't" in _words(mishearer.hear("I didn't order it and I don't want it"))
        assert "wasn't" in _words(mishearer.hear("that wasn't me, yes I'm sure"))


def test_no_is_rarely_heard_as_know() -> None:
    heard = [Mishearer(NOISY_LINE, seed).hear("no, thank you") for seed in range(2000)]
    share = sum(line.startswith("Know") for line in heard) / len(heard)
    assert 0 < share < NOISY_LINE.substitution_rate / 2  # a quarter of the substitution rate


def test_no_confusion_writes_a_negation() -> None:
    heard_words = {word for options in CONFUSIONS.values() for o in options for word in o.split()}
    assert not heard_words & NEGATIONS
    assert 60 <= len(CONFUSIONS) <= 100


def test_substitution_rate_roughly_holds_over_a_long_text() -> None:
    profile = MishearProfile(substitution_rate=0.08, drop_rate=0, digit_regroup_rate=0, name_rate=0)
    mishearer = Mishearer(profile, seed="long-text")
    confusable = changed = 0
    for line in CONFUSABLE_TEXT * 80:  # ~4000 words
        said, heard = _words(line), _words(mishearer.hear(line))
        confusable += sum(word in CONFUSIONS for word in said)
        opcodes = difflib.SequenceMatcher(a=said, b=heard).get_opcodes()
        changed += sum(end - start for tag, start, end, _, _ in opcodes if tag != "equal")
    assert 0.5 * profile.substitution_rate < changed / confusable < 2 * profile.substitution_rate


def test_names_from_the_table_are_misspelled_at_about_the_name_rate() -> None:
    heard = [Mishearer(seed=seed).hear("this is Maria Lopez calling") for seed in SEEDS]
    for name in ("Maria", "Lopez"):
        share = sum(f"{name} " not in line for line in heard) / len(heard)
        assert 0.2 < share < 0.4  # name_rate 0.3


def test_other_names_are_respelled_but_a_sentence_start_is_not_a_name() -> None:
    every_name = MishearProfile(substitution_rate=0, drop_rate=0, digit_regroup_rate=0, name_rate=1)
    heard = {Mishearer(every_name, seed).hear("Thanks, I spoke with Stephanie") for seed in SEEDS}
    assert heard == {"Thanks, I spoke with Stefanie.", "Thanks, I spoke with Stephany."}


def test_punctuation_and_casing_as_whisper_writes_them() -> None:
    for seed in range(20):
        heard = Mishearer(seed=seed).hear("can you move my appointment to thursday")
        assert heard.startswith("Can ") and re.search(r"Thursdays?\?$", heard)
