"""Held-out utterances for entity extraction, written the way Whisper transcribes phone calls.

Each case is (kind, caller text, expected value, extra arguments to `extract`). None means
nothing should be extracted. These phrasings are not the ones the extractors were built
around; the test asserts an accuracy floor over them and prints the figure. `CASES` scored
83/86 when first run, `FRESH` 41/44; the misses were fixed in the extractors, so new phrasings
belong in a new list.
"""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

from callwright.agent.understanding.entity import PersonName

TODAY = date(2026, 3, 4)  # a Wednesday
BIRTH = {"past": True}
DOCTORS = {"options": ("Dr. Sarah Chen", "Dr. Omar Patel")}
VISITS = {"options": ("cleaning", "checkup", "filling")}
SLOTS = {"options": ("9:00 AM", "10:30 AM", "2:00 PM", "3:30 PM")}
PLANS = {"options": ("Starter", "Team", "Enterprise")}

CASES: list[tuple[str, str, object, dict]] = [
    # dates
    ("date", "Um, can I come in tomorrow?", date(2026, 3, 5), {}),
    ("date", "Uh, Friday works.", date(2026, 3, 6), {}),
    ("date", "How about next Tuesday?", date(2026, 3, 10), {}),
    ("date", "Is there anything this Thursday?", date(2026, 3, 5), {}),
    ("date", "I'd like to move it to Monday.", date(2026, 3, 9), {}),
    ("date", "No, Thursday, not Tuesday.", date(2026, 3, 5), {}),
    ("date", "Could we do the 12th?", date(2026, 3, 12), {}),
    ("date", "Sometime on April 2nd if possible.", date(2026, 4, 2), {}),
    ("date", "The twentieth of April, please.", date(2026, 4, 20), {}),
    ("date", "It's March 14th, 1985.", date(1985, 3, 14), BIRTH),
    ("date", "Fourteenth of March, nineteen eighty-five.", date(1985, 3, 14), BIRTH),
    ("date", "the fourteenth of march eighty five", date(1985, 3, 14), BIRTH),
    ("date", "July 21st, 1990.", date(1990, 7, 21), BIRTH),
    ("date", "Um, November second, seventy-two.", date(1972, 11, 2), BIRTH),
    ("date", "11/2/72", date(1972, 11, 2), BIRTH),
    ("date", "My date of birth is 07/21/1990.", date(1990, 7, 21), BIRTH),
    ("date", "In two weeks, I guess.", date(2026, 3, 18), {}),
    ("date", "The day after tomorrow.", date(2026, 3, 6), {}),
    ("date", "Let's say a week from Friday.", date(2026, 3, 13), {}),
    ("date", "Whenever, really.", None, {}),
    # times
    ("time", "Two thirty.", time(14, 30), {}),
    ("time", "Can I do 2:30 p.m.?", time(14, 30), {}),
    ("time", "Around ten in the morning.", time(10, 0), {}),
    ("time", "At 9, if that works.", time(9, 0), {}),
    ("time", "Half past three.", time(15, 30), {}),
    ("time", "Quarter to five would be great.", time(16, 45), {}),
    ("time", "Uh, noon?", time(12, 0), {}),
    ("time", "Eleven o'clock.", time(11, 0), {}),
    ("time", "Next Thursday at two thirty.", time(14, 30), {}),
    ("time", "Something in the afternoon, like four fifteen.", time(16, 15), {}),
    ("time", "I'm not sure yet.", None, {}),
    # person names
    ("person_name", "My name is Maria Lopez, L-O-P-E-Z.", PersonName("Maria", "Lopez", True), {}),
    ("person_name", "Hi, this is James Wilson.", PersonName("James", "Wilson"), {}),
    ("person_name", "Yeah, it's Daniel Kim.", PersonName("Daniel", "Kim"), {}),
    ("person_name", "Maria Lopez.", PersonName("Maria", "Lopez"), {}),
    ("person_name", "Lopez, Maria.", PersonName("Maria", "Lopez"), {}),
    ("person_name", "my name is maria lopes l o p e z", PersonName("Maria", "Lopez", True), {}),
    ("person_name", "Uh, yes, hi. I'm James Wilson.", PersonName("James", "Wilson"), {}),
    ("person_name", "James Wilson here.", PersonName("James", "Wilson"), {}),
    ("person_name", "Yes.", None, {}),
    ("person_name", "My birthday is March 14th.", None, {}),
    ("person_name", "I'm calling about my prescription.", None, {}),
    # phone numbers
    ("phone_number", "five five five one two three zero zero zero one", "+15551230001", {}),
    ("phone_number", "It's 555-123-0002.", "+15551230002", {}),
    ("phone_number", "(555) 123-0003", "+15551230003", {}),
    ("phone_number", "+1 555 123 0001", "+15551230001", {}),
    ("phone_number", "Five five five, one two three, oh oh oh one.", "+15551230001", {}),
    ("phone_number", "double five five one two three triple oh one", "+15551230001", {}),
    ("phone_number", "My number is 555 123.", None, {}),
    # numbers
    ("number", "Four four one seven.", "4417", {"digits": 4}),
    ("number", "Forty-four seventeen.", "4417", {"digits": 4}),
    ("number", "It's prescription number 5521.", "5521", {"digits": 4}),
    ("number", "Order number 100587.", "100587", {"digits": 6}),
    ("number", "One hundred two thirty four.", "100234", {"digits": 6}),
    ("number", "The one ending in four eight two one.", "4821", {"digits": 4}),
    ("number", "Uh, it's one oh oh nine nine nine.", "100999", {"digits": 6}),
    ("number", "Ten zero five eight seven.", "100587", {"digits": 6}),
    ("number", "I don't have it with me.", None, {"digits": 6}),
    # amounts
    ("amount", "$1,249.99", Decimal("1249.99"), {}),
    ("amount", "Twelve forty-nine ninety-nine.", Decimal("1249.99"), {}),
    (
        "amount",
        "one thousand two hundred forty nine dollars and ninety nine cents",
        Decimal("1249.99"),
        {},
    ),
    ("amount", "Three fifty.", Decimal("3.50"), {}),
    ("amount", "About 49 dollars a month.", Decimal("49.00"), {}),
    ("amount", "Around two hundred bucks.", Decimal("200.00"), {}),
    # yes / no
    ("yes_no", "Yeah, that's right.", True, {}),
    ("yes_no", "Yep.", True, {}),
    ("yes_no", "Sure, go ahead.", True, {}),
    ("yes_no", "Correct.", True, {}),
    ("yes_no", "Mhm.", True, {}),
    ("yes_no", "Yes, please do.", True, {}),
    ("yes_no", "No.", False, {}),
    ("yes_no", "Nope, that wasn't me.", False, {}),
    ("yes_no", "No, I didn't make that purchase.", False, {}),
    ("yes_no", "Not really.", False, {}),
    ("yes_no", "That's wrong.", False, {}),
    ("yes_no", "What was the amount again?", None, {}),
    # choices
    ("choice", "The first one.", "Dr. Sarah Chen", DOCTORS),
    ("choice", "Dr. Patel, please.", "Dr. Omar Patel", DOCTORS),
    ("choice", "Chen is fine.", "Dr. Sarah Chen", DOCTORS),
    ("choice", "Just the cleaning.", "cleaning", VISITS),
    ("choice", "A checkup.", "checkup", VISITS),
    ("choice", "The ten thirty one.", "10:30 AM", SLOTS),
    ("choice", "Two o'clock works.", "2:00 PM", SLOTS),
    ("choice", "The last one.", "3:30 PM", SLOTS),
    ("choice", "Probably the team plan.", "Team", PLANS),
    ("choice", "Hmm, none of those.", None, PLANS),
]

FRESH: list[tuple[str, str, object, dict]] = [
    ("date", "Can we make it Wednesday the 11th?", date(2026, 3, 11), {}),
    ("date", "Uh, what about the 20th of this month?", date(2026, 3, 20), {}),
    ("date", "It's 2/29/88.", date(1988, 2, 29), BIRTH),
    ("date", "June 5, 2026.", date(2026, 6, 5), {}),
    ("date", "Next Monday, if you have anything.", date(2026, 3, 9), {}),
    ("date", "Born on the 2nd of November 1972.", date(1972, 11, 2), BIRTH),
    ("date", "In three days.", date(2026, 3, 7), {}),
    ("date", "Today if possible.", date(2026, 3, 4), {}),
    ("date", "Um, Saturday? Are you open Saturday?", date(2026, 3, 7), {}),
    ("date", "October thirty first.", date(2026, 10, 31), {}),
    ("time", "Let's do 3:30.", time(15, 30), {}),
    ("time", "Eight a.m. works.", time(8, 0), {}),
    ("time", "Nine fifteen.", time(9, 15), {}),
    ("time", "Anytime after four.", time(16, 0), {}),
    ("time", "Four PM.", time(16, 0), {}),
    ("time", "At around one.", time(13, 0), {}),
    ("time", "Quarter past ten.", time(10, 15), {}),
    (
        "person_name",
        "Yes, hi, my name is Daniel Kim. K-I-M.",
        PersonName("Daniel", "Kim", True),
        {},
    ),
    ("person_name", "Uh, James. James Wilson.", PersonName("James", "Wilson"), {}),
    ("person_name", "It's Sarah Johnson speaking.", PersonName("Sarah", "Johnson"), {}),
    ("person_name", "This is Omar.", PersonName("Omar", ""), {}),
    ("person_name", "Sure.", None, {}),
    (
        "person_name",
        "My name is Anna Schmidt, that's S-C-H-M-I-D-T.",
        PersonName("Anna", "Schmidt", True),
        {},
    ),
    ("phone_number", "Yeah, it's 555 123 0003.", "+15551230003", {}),
    (
        "phone_number",
        "Area code five five five, then one two three, zero zero zero two.",
        "+15551230002",
        {},
    ),
    ("phone_number", "555-1230001", "+15551230001", {}),
    ("number", "It's order one zero zero two three four.", "100234", {"digits": 6}),
    ("number", "The card ends in 4821.", "4821", {"digits": 4}),
    ("number", "Prescription forty-four seventeen.", "4417", {"digits": 4}),
    ("number", "Uh, one double oh five eight seven.", "100587", {"digits": 6}),
    ("number", "We're about fifteen people.", "15", {}),
    ("amount", "It was like three dollars and fifty cents.", Decimal("3.50"), {}),
    ("amount", "Twelve hundred and forty nine dollars.", Decimal("1249.00"), {}),
    ("amount", "Forty-nine ninety-nine.", Decimal("49.99"), {}),
    ("yes_no", "Yes, I did make that.", True, {}),
    ("yes_no", "Uh, no, I don't recognize that.", False, {}),
    ("yes_no", "Yeah, go for it.", True, {}),
    ("yes_no", "Absolutely not.", False, {}),
    ("yes_no", "That's it, yeah.", True, {}),
    ("choice", "I'll go with Dr. Patel.", "Dr. Omar Patel", DOCTORS),
    ("choice", "Nine o'clock.", "9:00 AM", SLOTS),
    ("choice", "The three thirty slot.", "3:30 PM", SLOTS),
    ("choice", "Enterprise, I think.", "Enterprise", PLANS),
    ("choice", "The filling.", "filling", VISITS),
]
