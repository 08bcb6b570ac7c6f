"""Entity extraction from speech-to-text output: dates, times, names, phone numbers, numbers,
amounts, yes/no and choices, as callers say them on the phone."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest
from entity_cases import CASES, FRESH, TODAY

from callwright.agent.understanding.entities import (
    Entity,
    PersonName,
    extract,
    extract_amount,
    extract_choice,
    extract_date,
    extract_number,
    extract_person_name,
    extract_phone_number,
    extract_time,
    extract_yes_no,
)
from callwright.agent.understanding.entities_durations import extract_months

MONDAY = date(2026, 3, 2)
HELD_OUT_ACCURACY_MIN = 0.9


def value(found: Entity | None) -> object:
    return None if found is None else found.value


# dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", MONDAY),
        ("Tomorrow, please.", date(2026, 3, 3)),
        ("the day after tomorrow", date(2026, 3, 4)),
        ("next Thursday", date(2026, 3, 5)),
        ("this Friday", date(2026, 3, 6)),
        ("on Wednesday", date(2026, 3, 4)),
        ("Monday", date(2026, 3, 9)),  # said on a Monday: a week on
        ("this Monday", MONDAY),
        ("Thursday next week", date(2026, 3, 12)),
        ("Tuesday after next", date(2026, 3, 10)),
        ("on the 3rd", date(2026, 3, 3)),
        ("the first", date(2026, 4, 1)),  # the 1st has passed this month
        ("December 5th", date(2026, 12, 5)),
        ("january tenth", date(2027, 1, 10)),
        ("the fourteenth of March", date(2026, 3, 14)),
        ("14 March", date(2026, 3, 14)),
        ("March the fourteenth", date(2026, 3, 14)),
        ("March 14th 1985", date(1985, 3, 14)),
        ("March fourteenth, nineteen eighty five", date(1985, 3, 14)),
        ("3/14/85", date(1985, 3, 14)),
        ("3/14/1985", date(1985, 3, 14)),
        ("1985-03-14", date(1985, 3, 14)),
        ("in two weeks", date(2026, 3, 16)),
        ("in ten days", date(2026, 3, 12)),
        ("in a couple of weeks", date(2026, 3, 16)),
        ("three days from now", date(2026, 3, 5)),
        ("a week from Tuesday", date(2026, 3, 10)),
        ("Thursday the 12th", date(2026, 3, 12)),
        ("Friday the 13th", date(2026, 3, 13)),
        ("May I come on the fifth?", date(2026, 3, 5)),
        ("um, next Thursday at two thirty", date(2026, 3, 5)),
    ],
)
def test_dates_resolve_against_the_day_of_the_call(text: str, expected: date) -> None:
    assert value(extract_date(text, MONDAY)) == expected


def test_two_digit_birth_years_are_in_the_past() -> None:
    found = extract_date("the fourteenth of March eighty five", MONDAY, past=True)
    assert found is not None and found.value == date(1985, 3, 14)
    assert found.text == "the fourteenth of March eighty five"
    assert value(extract_date("November second, seventy two", MONDAY, past=True)) == date(
        1972, 11, 2
    )
    # "26" is this year's for an appointment, 1926 for a birth date that cannot be in the future
    assert value(extract_date("December 1st 26", MONDAY)) == date(2026, 12, 1)
    assert value(extract_date("December 1st 26", MONDAY, past=True)) == date(1926, 12, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("seven twenty-one ninety", date(1990, 7, 21)),
        ("three fourteen eighty five", date(1985, 3, 14)),
        ("oh three fourteen eighty five", date(1985, 3, 14)),
    ],
)
def test_birth_dates_said_as_numbers(text: str, expected: date) -> None:
    assert value(extract_date(text, MONDAY, past=True)) == expected


def test_a_five_digit_number_is_no_appointment_day() -> None:
    assert extract_date("seven twenty-one ninety", MONDAY) is None


def test_past_dates_without_a_year_are_the_last_occurrence() -> None:
    assert value(extract_date("December 5th", MONDAY, past=True)) == date(2025, 12, 5)
    assert value(extract_date("last Thursday", MONDAY)) == date(2026, 2, 26)
    assert value(extract_date("Thursday", MONDAY, past=True)) == date(2026, 2, 26)


def test_the_corrected_date_is_the_one_kept() -> None:
    assert value(extract_date("no, Thursday not Tuesday", MONDAY)) == date(2026, 3, 5)
    assert value(extract_date("not Tuesday, Thursday", MONDAY)) == date(2026, 3, 5)
    assert value(extract_date("Thursday instead of Tuesday", MONDAY)) == date(2026, 3, 5)


def test_guesses_have_lower_confidence() -> None:
    sure = extract_date("March 14th 1985", MONDAY)
    two_digit = extract_date("March 14th 85", MONDAY, past=True)
    day_only = extract_date("on the 5th", MONDAY)
    assert sure is not None and two_digit is not None and day_only is not None
    assert sure.confidence > two_digit.confidence > day_only.confidence
    next_thursday = extract_date("next Thursday", MONDAY)
    thursday = extract_date("Thursday", MONDAY)
    assert next_thursday is not None and thursday is not None
    assert next_thursday.confidence < thursday.confidence


@pytest.mark.parametrize(
    "text", ["whenever works", "two thirty", "I have 3 kids", "may I ask a question", ""]
)
def test_no_date_is_made_up(text: str) -> None:
    assert extract_date(text, MONDAY) is None


def test_dates_are_never_read_from_times_or_amounts() -> None:
    assert value(extract_date("10.30", MONDAY)) is None
    assert value(extract_date("December 5th 10 am", MONDAY)) == date(2026, 12, 5)


# times -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("two thirty", time(14, 30)),
        ("2:30 pm", time(14, 30)),
        ("2:30 PM", time(14, 30)),
        ("ten in the morning", time(10, 0)),
        ("10 a.m.", time(10, 0)),
        ("10am", time(10, 0)),
        ("noon", time(12, 0)),
        ("twelve noon", time(12, 0)),
        ("midnight", time(0, 0)),
        ("half past three", time(15, 30)),
        ("quarter to five", time(16, 45)),
        ("a quarter past nine", time(9, 15)),
        ("ten after two", time(14, 10)),
        ("twenty minutes to six", time(17, 40)),
        ("at 9", time(9, 0)),
        ("at 6", time(18, 0)),
        ("eleven o'clock", time(11, 0)),
        ("nine oh five", time(9, 5)),
        ("seven thirty pm", time(19, 30)),
        ("fourteen hundred", time(14, 0)),
        ("16:45", time(16, 45)),
        ("at 1030", time(10, 30)),
        ("twelve thirty", time(12, 30)),
        ("tomorrow morning around eight", time(8, 0)),
        ("five tonight", time(17, 0)),
        ("next Thursday at two thirty", time(14, 30)),
        ("the 3rd at 11", time(11, 0)),
        ("I get off work at five", time(17, 30)),  # busy until then: from half past
        ("end of the day if you can, I get off at three", time(15, 30)),
        ("after three", time(15, 0)),
    ],
)
def test_times(text: str, expected: time) -> None:
    assert value(extract_time(text)) == expected


def test_an_hour_without_am_or_pm_is_read_in_business_hours_or_flagged() -> None:
    hinted = extract_time("two thirty")
    as_heard = extract_time("two thirty", prefer_between=None)
    explicit = extract_time("two thirty pm")
    assert hinted is not None and as_heard is not None and explicit is not None
    assert (hinted.value, as_heard.value, explicit.value) == (
        time(14, 30),
        time(2, 30),
        time(14, 30),
    )
    assert explicit.confidence > hinted.confidence > as_heard.confidence
    evening = extract_time("seven thirty", prefer_between=(time(17), time(22)))
    assert value(evening) == time(19, 30)


def test_good_morning_is_a_greeting_not_am() -> None:
    assert value(extract_time("good morning, can I come in at 4")) == time(16, 0)


@pytest.mark.parametrize(
    "text",
    [
        "in two weeks",
        "March 14th",
        "I have 3 kids",
        "a charge of twelve forty nine ninety nine",
        "",
    ],
)
def test_no_time_is_made_up(text: str) -> None:
    assert extract_time(text) is None


# person names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my name is Maria Lopez, L-O-P-E-Z", PersonName("Maria", "Lopez", True)),
        ("My name is Maria Lopes. L O P E Z.", PersonName("Maria", "Lopez", True)),
        ("my name's maria lopez", PersonName("Maria", "Lopez")),
        ("this is James Wilson", PersonName("James", "Wilson")),
        ("it's Daniel Kim", PersonName("Daniel", "Kim")),
        ("um, it's, uh, Daniel Kim", PersonName("Daniel", "Kim")),
        ("Maria Lopez", PersonName("Maria", "Lopez")),
        ("MARIA LOPEZ", PersonName("Maria", "Lopez")),
        ("Lopez, Maria", PersonName("Maria", "Lopez")),
        ("Hi, James Wilson here", PersonName("James", "Wilson")),
        ("Yeah, this is James Wilson calling about my appointment", PersonName("James", "Wilson")),
        ("It's Maria, Maria Lopez", PersonName("Maria", "Lopez")),
        ("this is Dr. Sarah Chen", PersonName("Sarah", "Chen")),
        ("my name is Juan de la Cruz", PersonName("Juan", "de la Cruz")),
        ("my name is mary ann o'brien", PersonName("Mary Ann", "O'Brien")),
        ("I'm Sean McDonald", PersonName("Sean", "McDonald")),
        ("my last name is Lopez", PersonName("", "Lopez")),
        ("it's Daniel", PersonName("Daniel", "")),
        ("Nguyen, N-G-U-Y-E-N", PersonName("", "Nguyen", True)),
        ("L-O-P-E-Z", PersonName("", "Lopez", True)),
        ("Kimmer, K-I-double-M-E-R", PersonName("", "Kimmer", True)),
        # a spelling garbled on the line, or half heard: the name said stands
        ("Maria Lopez, yellow, P.E.", PersonName("Maria", "Lopez")),
        ("Maria Lopez, P-E", PersonName("Maria", "Lopez")),
    ],
)
def test_person_names(text: str, expected: PersonName) -> None:
    assert value(extract_person_name(text)) == expected


def test_spelled_letters_replace_the_closest_heard_name() -> None:
    found = extract_person_name("Marya, M-A-R-I-A, Lopez")
    assert value(found) == PersonName("Maria", "Lopez", spelled_last=False)


@pytest.mark.parametrize(
    "text",
    [
        "yes",
        "hi",
        "Hello?",
        "Lumen Health, we need reporting for the clinic",
        "my birthday is March 14th",
        "I'm calling about my order",
        "Yes, that's right",
        "Can I book a cleaning",
        "um uh",
        "I am not sure",
        "This is urgent.",  # Whisper capitalises names: a lowercase word is none
        "Sounds great.",
    ],
)
def test_common_words_are_not_names(text: str) -> None:
    assert extract_person_name(text) is None


def test_a_cue_makes_a_name_surer_than_a_bare_one() -> None:
    cued, bare = extract_person_name("this is James Wilson"), extract_person_name("James Wilson")
    first_only = extract_person_name("it's Daniel")
    assert cued is not None and bare is not None and first_only is not None
    assert cued.confidence > bare.confidence > first_only.confidence
    assert cued.text == "James Wilson"


# phone numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "five five five one two three zero zero zero one",
        "555-123-0001",
        "(555) 123 0001",
        "+1 555 123 0001",
        "1 555 123 0001",
        "my number is 555.123.0001",
        "five five five oh one two three oh oh oh one".replace(" oh one two", " one two"),
        "double five five, one two three, triple oh one",
        "five fifty five, one twenty three, oh oh oh one",
        "uh, five five five, um, one two three, zero zero zero one",
    ],
)
def test_phone_numbers_become_e164(text: str) -> None:
    assert value(extract_phone_number(text)) == "+15551230001"


def test_phone_numbers_of_other_regions() -> None:
    assert value(extract_phone_number("07911 123456", "GB")) == "+447911123456"
    assert value(extract_phone_number("plus four four seven nine one one one two three four "
                                      "five six")) == "+447911123456"  # fmt: skip
    with pytest.raises(ValueError, match="use one of"):
        extract_phone_number("555 123 0001", "XX")


@pytest.mark.parametrize("text", ["555 123", "my number is 0123456789", "I don't know it"])
def test_no_phone_number_is_made_up(text: str) -> None:
    assert extract_phone_number(text) is None


# numbers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "digits", "expected"),
    [
        ("four four one seven", None, "4417"),
        ("forty four seventeen", None, "4417"),
        ("forty four seventeen", 4, "4417"),
        ("one hundred two thirty four", 6, "100234"),
        ("one hundred two thirty four", None, "10234"),
        ("order number 100587", None, "100587"),
        ("order number 100587", 6, "100587"),
        ("ending in four eight two one", 4, "4821"),
        ("the one ending in four eight two one", None, "4821"),
        ("my last four are four eight two one", None, "4821"),
        ("it's prescription fifty five twenty one", 4, "5521"),
        ("one oh oh nine nine nine", 6, "100999"),
        ("a team of about twelve people", None, "12"),
        ("ten or more", (1, 3), "10"),
        ("four four one seven", 6, None),
        ("I don't have it", None, None),
    ],
)
def test_numbers(text: str, digits: int | tuple[int, int] | None, expected: str | None) -> None:
    assert value(extract_number(text, digits)) == expected


def test_an_ambiguous_number_has_low_confidence_until_the_length_decides() -> None:
    clear = extract_number("forty four seventeen")
    unclear = extract_number("one hundred two thirty four")
    assert clear is not None and unclear is not None
    assert clear.confidence >= 0.9 > unclear.confidence


# amounts -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$1,249.99", "1249.99"),
        ("It was $3.50.", "3.50"),
        ("1249.99 dollars", "1249.99"),
        ("twelve forty nine ninety nine", "1249.99"),
        ("one thousand two hundred forty nine dollars and ninety nine cents", "1249.99"),
        ("three fifty", "3.50"),
        ("three dollars fifty", "3.50"),
        ("three dollars and fifty cents", "3.50"),
        ("forty nine dollars", "49.00"),
        ("$49 a month", "49.00"),
        ("ninety nine cents", "0.99"),
        ("three point five", "3.50"),
        ("twelve hundred", "1200.00"),
        ("about two hundred bucks", "200.00"),
    ],
)
def test_amounts(text: str, expected: str) -> None:
    assert value(extract_amount(text)) == Decimal(expected)


def test_cents_guessed_from_words_are_less_sure_than_a_written_amount() -> None:
    written, spoken = extract_amount("$3.50"), extract_amount("three fifty")
    assert written is not None and spoken is not None
    assert written.confidence > spoken.confidence


def test_no_amount_without_a_number() -> None:
    assert extract_amount("I'm not sure how much") is None


# yes / no ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "yes", "Yeah.", "yep", "yup", "sure", "Sure, go ahead.", "that's right", "that is right",
        "correct", "That's correct.", "go ahead", "please do", "yes please", "absolutely",
        "of course", "mhm", "uh huh", "I think so", "yes I did", "yes, no problem",
        "okay, sounds good", "Yes, that is correct.", "that works",
        "Yes please. Do you take insurance?", "Okay, and can you text me a reminder?",
        "Please.", "that please.",  # its "yes" lost on the line
    ],
)  # fmt: skip
def test_yes(text: str) -> None:
    assert value(extract_yes_no(text)) is True


@pytest.mark.parametrize(
    "text",
    [
        "no", "No.", "nope", "nah", "not really", "that's wrong", "that's not right",
        "not correct", "incorrect", "no, Thursday not Tuesday", "I don't think so",
        "No, I didn't make that purchase", "that wasn't me", "don't go ahead", "no thanks",
        "Nope, never.",
    ],
)  # fmt: skip
def test_no(text: str) -> None:
    assert value(extract_yes_no(text)) is False


@pytest.mark.parametrize(
    "text",
    [
        "what time is it", "I'm not sure", "Thursday", "can you repeat that please", "",
        "Hang on, why exactly did you call me about this? Like, what made it look suspicious?",
        "is that right?", "please call me back", "Sorry, please?",
    ],
)  # fmt: skip
def test_neither_yes_nor_no(text: str) -> None:
    assert extract_yes_no(text) is None


def test_a_changed_mind_counts_the_last_answer_with_low_confidence() -> None:
    found = extract_yes_no("no, sorry, yes")
    plain = extract_yes_no("yes")
    assert found is not None and plain is not None
    assert found.value is True and found.confidence < 0.7 < plain.confidence


# choices -----------------------------------------------------------------------------------

DOCTORS = ("Dr. Sarah Chen", "Dr. Omar Patel")
SLOTS = ("9:00 AM", "10:00 AM", "2:30 PM")


@pytest.mark.parametrize(
    ("text", "options", "expected"),
    [
        ("the first one", DOCTORS, "Dr. Sarah Chen"),
        ("the second", DOCTORS, "Dr. Omar Patel"),
        ("the last one", DOCTORS, "Dr. Omar Patel"),
        ("Dr. Chen", DOCTORS, "Dr. Sarah Chen"),
        ("Chen", DOCTORS, "Dr. Sarah Chen"),
        ("Patel please", DOCTORS, "Dr. Omar Patel"),
        ("doctor pattel", DOCTORS, "Dr. Omar Patel"),  # misheard spelling
        ("the cleaning", ("cleaning", "checkup", "filling"), "cleaning"),
        ("a check up", ("cleaning", "checkup", "filling"), "checkup"),
        ("option two", ("cleaning", "checkup", "filling"), "checkup"),
        ("ten o'clock one", SLOTS, "10:00 AM"),
        ("the ten o'clock", SLOTS, "10:00 AM"),
        ("two thirty", SLOTS, "2:30 PM"),
        ("nine", SLOTS, "9:00 AM"),
        ("the 4417 one", ("4417", "5521"), "4417"),
        ("fifty five twenty one", ("4417", "5521"), "5521"),
    ],
)
def test_choices(text: str, options: tuple[str, ...], expected: str) -> None:
    assert value(extract_choice(text, options)) == expected


@pytest.mark.parametrize("text", ["Jones", "neither of them", "either is fine", "what?", ""])
def test_no_choice_below_the_threshold(text: str) -> None:
    assert extract_choice(text, DOCTORS) is None


@pytest.mark.parametrize(
    ("text", "doctor"),
    [("Doctor Chan please", "Dr. Sarah Chen"), ("with doctor patil", "Dr. Omar Patel")],
)
def test_a_name_misheard_on_the_line_still_picks_the_option_it_sounds_like(text, doctor) -> None:
    assert extract_choice(text, DOCTORS).value == doctor


def test_no_choice_without_options() -> None:
    assert extract_choice("the first one", ()) is None


# the one call ------------------------------------------------------------------------------


def test_extract_dispatches_each_kind() -> None:
    assert value(extract("date", "next Thursday", today=MONDAY)) == date(2026, 3, 5)
    assert value(extract("date", "3/14/85", today=MONDAY, past=True)) == date(1985, 3, 14)
    assert value(extract("time", "two thirty", prefer_between=None)) == time(2, 30)
    assert value(extract("person_name", "it's Daniel Kim")) == PersonName("Daniel", "Kim")
    assert value(extract("phone_number", "07911 123456", default_region="GB")) == "+447911123456"
    assert value(extract("number", "one hundred two thirty four", digits=6)) == "100234"
    assert value(extract("amount", "three fifty")) == Decimal("3.50")
    assert value(extract("yes_no", "yep")) is True
    assert value(extract("choice", "the second", options=DOCTORS)) == "Dr. Omar Patel"
    assert value(extract("text", "  my tooth   hurts ")) == "my tooth hurts"
    assert extract("text", "   ") is None


def test_unknown_kind_says_what_to_use() -> None:
    with pytest.raises(ValueError, match="use one of date, time"):
        extract("colour", "blue")


def test_next_thursday_at_two_thirty_gives_both_date_and_time() -> None:
    text = "um, next Thursday at two thirty"
    found_date, found_time = extract("date", text, today=MONDAY), extract("time", text)
    assert found_date is not None and found_time is not None
    assert (found_date.value, found_time.value) == (date(2026, 3, 5), time(14, 30))
    assert (found_date.text, found_time.text) == ("next Thursday", "two thirty")


def test_held_out_accuracy() -> None:
    misses = []
    for kind, text, expected, arguments in CASES + FRESH:
        found = value(extract(kind, text, today=TODAY, **arguments))
        if found != expected:
            misses.append((kind, text, expected, found))
    accuracy = 1 - len(misses) / len(CASES + FRESH)
    print(f"entity accuracy {accuracy:.1%} on {len(CASES + FRESH)} held-out utterances")
    assert len(CASES + FRESH) >= 60
    assert accuracy >= HELD_OUT_ACCURACY_MIN, misses


def test_a_time_closed_by_oclock_is_not_taken_for_the_words_after_it():
    entity = extract_time("the ten o'clock one")
    assert entity is not None and entity.value == time(10, 0)


@pytest.mark.parametrize(
    "text", ["No, that's okay.", "Nah, it's fine.", "No, that's all right."]
)
def test_a_polite_no_is_a_no(text: str) -> None:
    assert extract("yes_no", text).value is False


def test_yes_and_no_in_one_breath_is_only_a_weak_answer() -> None:
    said = extract("yes_no", "no wait, yes")
    assert said.value is True and said.confidence < 0.6


@pytest.mark.parametrize(
    ("text", "months"),
    [("Next month.", "1"), ("in a couple of months", "2"), ("right away", "0"),
     ("about six months", "6"), ("in the next three, four weeks", "1"),
     ("within the next six weeks or so", "2"), ("a year and a half", "18"),
     ("two or three months", "3"), ("this quarter", "1"), ("next quarter", "2"),
     ("by the end of the year", "1"), ("next year", "2"), ("within the month", "1"),
     ("we'd like it before year-end", "1"),
     ("putting together next year's budget; we wouldn't start for about a year", "12")],
)  # fmt: skip
def test_how_soon_in_any_unit_is_a_number_of_months(text: str, months: str) -> None:
    assert extract_months(text, date(2026, 12, 7)).value == months


def test_no_length_of_time_is_no_months() -> None:
    assert extract_months("no real deadline, whenever") is None
    assert extract_months("about fifty users") is None


def test_a_count_said_twice_over_is_one_count() -> None:
    assert extract("number", "One fifty, so a hundred fifty seats, roughly.").value == "150"
    assert extract("number", "about 2,500 people").value == "2500"
    corrected = "About eighty. Well, actually, no, it's more like a hundred and ten."
    assert extract("number", corrected).value == "110"


def test_a_reference_number_is_never_made_of_words_of_time() -> None:
    assert extract("number", "next month", digits=6) is None


def test_the_earliest_offered_time_is_the_first() -> None:
    slots = ["8:00 AM", "8:30 AM", "9:00 AM"]
    assert extract("choice", "the earliest one you have", options=slots).value == "8:00 AM"
