"""Whether a caller's words ask something: a question the agent has no answer for gets an
honest "I don't have that", not "I didn't catch that"."""

from __future__ import annotations

import re

_QUESTION = re.compile(
    r"\?|(?:^|[,.;!]\s*|\b(?:and|but|so|also|um|uh)\s+)"
    r"(?:how|what|what's|whats|where|where's|when|why|which|who|"
    r"do|does|did|can|could|is|are|will|would|have|has)\s+"
    r"(?:you|y'all|they|there|it|i|we|your|the|this|that|a|an|much|many|long|about|do|does)\b"
    r"|\bi (?:was )?(?:wonder|wondering|want to know|wanted to know|need to know)\b",
    re.I,
)


def is_question(text: str) -> bool:
    """Whether `text` asks something ("how much is a perm", "do you do nails?", "I was
    wondering if you deliver")."""
    return _QUESTION.search(text.strip()) is not None
