"""Yes or no about several items in one breath, each placed on its item or left unclear."""

from decimal import Decimal

from callwright.agent.understanding.item_answers import answers_by_item

CHARGES = [
    {"merchant": "ElectroMart Online", "amount": Decimal("1249.99")},
    {"merchant": "Coffee Corner", "amount": Decimal("3.50")},
]
FIELDS = ["merchant", "amount"]


def answers(text: str, asked: int = 0):
    return answers_by_item(text, CHARGES, FIELDS, asked)


def test_a_rounded_amount_names_the_charge():
    heard = answers("No! I did not buy anything for twelve hundred bucks. That's not me.")
    assert heard.answers == {0: False} and not heard.unclear


def test_a_contrast_turns_the_answer_for_the_item_it_names():
    heard = answers("the electromart one is not mine, but the coffee corner one is")
    assert heard.answers == {0: False, 1: True} and not heard.unclear


def test_negation_stays_in_its_clause():
    heard = answers("I bought the coffee, but I never bought anything at electro mart")
    assert heard.answers == {1: True, 0: False}


def test_an_unnamed_answer_against_the_named_one_is_unclear():
    heard = answers("the electromart one was me, but no")
    assert heard.unclear


def test_an_amount_of_no_charge_is_unclear():
    assert answers("the five hundred dollar one was not me").unclear


THREE = [
    {"merchant": "Shell Gas Station", "amount": Decimal("62.10")},
    {"merchant": "Apple Store", "amount": Decimal("899.00")},
    {"merchant": "StreamFlix", "amount": Decimal("15.99")},
]


def test_items_named_first_take_the_answer_that_follows():
    heard = answers_by_item(
        "the gas, yeah, that's mine. But I can tell you right now, the Apple Store one and the "
        "StreamFlix one are not me, I cancelled StreamFlix months ago.", THREE, FIELDS
    )
    assert heard.answers == {0: True, 1: False, 2: False} and not heard.unclear


def test_an_item_listed_before_a_contrast_keeps_the_answer_before_it():
    heard = answers_by_item(
        "I made the Shell one and the StreamFlix one, but not the Apple one", THREE, FIELDS
    )
    assert heard.answers == {0: True, 2: True, 1: False} and not heard.unclear


def test_an_item_with_only_its_verb_affirms_it_after_a_denial():
    heard = answers("No, the Electro Mart one isn't mine. The coffee is.")
    assert heard.answers == {0: False, 1: True} and not heard.unclear
    heard = answers("ElectroMart is not mine, neither is the coffee")
    assert heard.answers == {0: False, 1: False}


def test_before_a_question_a_yes_or_no_counts_only_for_the_items_it_names():
    heard = answers_by_item("I got like a fraud thing? No, I'm not sure", CHARGES, FIELDS, None)
    assert heard.answers == {}
    heard = answers_by_item("the coffee is mine, that fraud thing isn't", CHARGES, FIELDS, None)
    assert heard.answers == {1: True}


LINDA = [
    {"merchant": "Shell Gas Station", "amount": Decimal("62.10")},
    {"merchant": "Apple Store", "amount": Decimal("899.00")},
    {"merchant": "StreamFlix", "amount": Decimal("15.99")},
]


def test_items_listed_before_a_contrast_that_names_its_own_take_the_other_answer():
    heard = answers_by_item("the gas and StreamFlix, but not the Apple one", LINDA, FIELDS)
    assert heard.answers == {0: True, 1: False, 2: True}
    heard = answers_by_item(
        "the gas this morning and the StreamFlix thing are me, but I did not spend nine "
        "hundred dollars at the Apple Store", LINDA, FIELDS
    )
    assert heard.answers == {0: True, 1: False, 2: True}


def test_a_greeting_does_not_name_a_merchant_that_looks_like_it():
    heard = answers_by_item("Hello, yes, I'm calling back about the alert", LINDA, FIELDS, None)
    assert heard.answers == {}


def test_none_of_it_denies_every_charge():
    heard = answers("Never heard of it. No, I didn't buy a thing, none of that's me, "
                    "not the coffee either.")
    assert heard.answers == {0: False, 1: False} and not heard.unclear
