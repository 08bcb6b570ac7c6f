"""Homophones a recogniser wrote, put back only where the written word cannot be meant."""

import pytest

from callwright.agent.understanding.homophones import fix_homophones


@pytest.mark.parametrize(("heard", "meant"), [
    ("Wear are you guys exactly?", "where are you guys exactly?"),
    ("what wood you charge for a cut", "what would you charge for a cut"),
    ("sometime next weak", "sometime next week"),
    ("Monday late mourning if possible", "Monday late morning if possible"),
    ("Know, that's all, thanks", "no, that's all, thanks"),
    ("But weight, go back a second", "But wait, go back a second"),
    ("And remind me were you are?", "And remind me where you are?"),
    ("High five five three zero one four four heaven",
     "five five five three zero one four four seven"),
    ("my card ends in ate 2 1", "my card ends in eight 2 1"),
])
def test_a_homophone_the_context_rules_out_is_put_back(heard, meant):
    assert fix_homophones(heard) == meant


@pytest.mark.parametrize("said", [
    "I can't wear it, it's too small", "the wood table arrived broken", "I know that",
    "the signal is weak", "what's the weight limit",
    "give me a high five", "even 2 or 3 would do", "I ate at 5",
    "This is Evan, five five five one two three four", "it has been even two, three weeks",
])
def test_a_word_that_fits_is_kept(said):
    assert fix_homophones(said) == said
