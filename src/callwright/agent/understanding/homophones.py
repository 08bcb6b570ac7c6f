"""Words a recogniser wrote as their homophone, put back where only the other one fits.

Speech-to-text hears sounds, and on a phone line it often picks the wrong spelling of a
sound: "wear are you?", "what wood you charge?", "next weak", "Monday late mourning",
"know, that's all". Among digits, the first sound a phone line loses turns "five" into "high"
and "seven" into "heaven", and "eight" is written "ate": "high five five three". Each fix
below applies only in a context where the written word cannot be what the caller meant (nobody
asks "wear are you"), so a caller who does say "I can't wear it" or "the pain is weak" keeps
their words.
"""

from __future__ import annotations

import re

_DIGIT = r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|\d)"
_TWO_DIGITS = rf"{_DIGIT}[\s,.-]+{_DIGIT}"
_MISHEARD_DIGITS = {"five": "high|hive", "seven": "heaven", "eight": "ate"}
"""Digit words as a phone line leaves them: "five" and "seven" without their first sound,
"eight" as its homophone. Words a caller says among numbers ("Evan", "even two, three weeks")
are not among them."""
_DAYS = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|today)"
_FIXES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.I), replacement)
    for pattern, replacement in (
        (r"\b(?:wear|ware)(?=\s+(?:are|is|was|were|do|does|did|can|should|exactly)\b)", "where"),
        (r"\bwere(?=\s+(?:you|you're|they|it) (?:are|is|located|based)\b)", "where"),
        (r"\bwood(?=\s+(?:you|i|it|that|he|she|we|they|be|like|have)\b)", "would"),
        (r"\b(next|this|last|a|per|every) weak\b", r"\1 week"),
        (rf"\b(early|late|the|this|{_DAYS}) mourning\b", r"\1 morning"),
        (r"^(\W*(?:(?:hmm|um|uh|oh|well)\W+)*)know(?=\s*[,.!]|\s+(?:thanks|thank|that's|is all|"
         r"it's all)\b)", r"\1no"),
        (r"\bweight(?=\s*(?:,|\.\.\.|a (?:second|sec|minute|moment))|\s+(?:no|sorry)\b)", "wait"),
    )
) + tuple(
    (re.compile(pattern.format(heard=heard, two=_TWO_DIGITS), re.I), rf"\g<1>{digit}")
    for digit, heard in _MISHEARD_DIGITS.items()
    for pattern in (  # next to two digit words on one side: a digit read out
        r"()(?<![\w'])(?:{heard})(?=[\s,.-]+{two}\b)", r"(\b{two}[\s,.-]+)(?:{heard})\b"
    )
)


def fix_homophones(text: str) -> str:
    """`text` with homophones the context rules out replaced by the word that fits."""
    for pattern, replacement in _FIXES:
        text = pattern.sub(replacement, text)
    return text
