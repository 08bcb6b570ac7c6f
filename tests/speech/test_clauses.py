"""Cutting replies into clauses for streaming synthesis."""

from __future__ import annotations

import pytest

from callwright.speech.tts.clauses import speaking_clauses, split_clauses


@pytest.mark.parametrize(
    ("reply", "clauses"),
    [
        (
            "I have you down for Tuesday. Is that right? Great, see you then.",
            ["I have you down for Tuesday.", "Is that right?", "Great, see you then."],
        ),
        # A one-word sentence is not spoken alone; it joins the next one (or the last one).
        ("Sure. Let me check that for you.", ["Sure. Let me check that for you."]),
        ("Your table is booked. Bye!", ["Your table is booked. Bye!"]),
        ("Okay. Goodbye!", ["Okay. Goodbye!"]),
        # Numbers, times, prices and abbreviations stay whole.
        (
            "That is $45.00 for the 9:30 a.m. slot with Dr. Smith. It takes 1,200 seconds.",
            ["That is $45.00 for the 9:30 a.m. slot with Dr. Smith.", "It takes 1,200 seconds."],
        ),
        ("Ask for J. Smith at the desk. He knows.", ["Ask for J. Smith at the desk. He knows."]),
        # A long sentence is cut at commas and semicolons, never between list items.
        (
            "We are open Monday, Tuesday, Wednesday, and Friday from nine to five, but on "
            "Saturdays we close at noon; on Sundays we are closed all day, I am afraid.",
            [
                "We are open Monday, Tuesday, Wednesday, and Friday from nine to five,",
                "but on Saturdays we close at noon;",
                "on Sundays we are closed all day, I am afraid.",
            ],
        ),
        # A short sentence keeps its commas.
        ("Yes, I can do that.", ["Yes, I can do that."]),
        ("  Hello   there  ", ["Hello there"]),
        ("", []),
        ("   ", []),
    ],
)
def test_split_clauses(reply, clauses):
    assert split_clauses(reply) == clauses


def test_no_words_are_lost_or_reordered():
    reply = (
        "Thanks for calling Riverside Dental. Our hours are eight to six on weekdays, nine to "
        "one on Saturdays, and we are closed on Sundays and public holidays. Dr. Patel is in "
        "on Tuesdays! Would you like to book a cleaning, or is this about something else?"
    )
    clauses = split_clauses(reply)
    assert " ".join(clauses) == reply
    assert all(len(clause.split()) >= 3 for clause in clauses)


KNOWN_OPENINGS = {"I'll move your", "Done. Your"}


@pytest.mark.parametrize(
    ("reply", "clauses"),
    [
        # a template's opening, synthesized at load, is spoken first while the rest is made
        (
            "I'll move your cleaning from Tuesday at 10 AM to Thursday at 2 PM. Shall I do that?",
            [
                "I'll move your",
                "cleaning from Tuesday at 10 AM to Thursday at 2 PM.",
                "Shall I do that?",
            ],
        ),
        ("Done. Your cleaning is now on Thursday.", ["Done. Your", "cleaning is now on Thursday."]),
        # else the words before the last phrase boundary of the first five
        (
            "Your refill request for Lisinopril is with the pharmacist now.",
            ["Your refill request", "for Lisinopril is with the pharmacist now."],
        ),
        (
            "Thanks Maria, I found your appointment on Tuesday.",
            ["Thanks Maria,", "I found your appointment on Tuesday."],
        ),
        # short first clauses, and long ones without a boundary, stay whole
        ("What day would suit you?", ["What day would suit you?"]),
        ("Please hold the line while I look everything up.",
         ["Please hold the line while I look everything up."]),
        ("", []),
    ],
)
def test_speaking_clauses_cut_a_long_first_clause_after_its_head(reply, clauses):
    assert speaking_clauses(reply, KNOWN_OPENINGS.__contains__) == clauses
    assert " ".join(clauses) == " ".join(reply.split())
