"""A call the agent placed: its opening, what the contact's fields fill, and "don't call me".

A campaign gives each person called a few fields (`contact`). The opening names some of
them ("Hello {first_name}, ..."); one the call was not given is left out with its gap, so
"Hello {first_name}, this is ..." becomes "Hello, this is ...". The task reads them as
`{contact.<field>}` (a reminder's prescription number), and a field named like a slot fills
that slot before the task starts, read as if the callee had said it; never a verification
slot (the callee proves who they are). A task that verifies says none of them before the
callee is verified, as on an inbound call; for the same reason the number dialled does not
verify the callee: whoever answers it has proved nothing yet.

A callee who asks not to be called again (words, or the agent file's `opt_out_key` while no
digits are asked for) hears one short confirmation and the call ends; the conversation state
records `opted_out` for the campaign's do-not-call list.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from callwright.agent.conversation import CallerInput, CallerKeyed, CallerSaid
from callwright.agent.dialogue.slot_filling import SlotFilling
from callwright.agent.dialogue.texts import template_opening
from callwright.agent.spec.outbound import Outbound
from callwright.agent.spec.tasks import SlotSpec, VerificationSpec
from callwright.agent.understanding.opt_out import asks_not_to_be_called

END_OPTED_OUT = "opted_out"  # the `EndCall` reason

_FIELD = re.compile(r"\{([^{}]*)\}")
_GAP = "\0"  # where a field the call was not given stood
_GAP_OPENS_SENTENCE = re.compile(rf"(^|[.!?])\s*{_GAP}\s*[,;:]?\s*(\w)")
_SPACE_BEFORE_MARK = re.compile(r"\s+([,.!?;:])")


def opening(outbound: Outbound, business: str, contact: Mapping[str, str]) -> str:
    """The greeting with the contact's fields filled in, and any it lacks left out."""
    values = {name: str(contact.get(name) or "").strip() for name in outbound.contact_fields}
    values["business"] = business
    text = _FIELD.sub(lambda field: values.get(field[1]) or _GAP, outbound.greeting)
    # "{first_name}, press 9" without a name: "Press 9"
    text = _GAP_OPENS_SENTENCE.sub(lambda gap: f"{gap[1]} {gap[2].upper()}", text)
    text = " ".join(text.replace(_GAP, "").split())
    return _SPACE_BEFORE_MARK.sub(r"\1", text)


def contact_values(
    outbound: Outbound,
    contact: Mapping[str, str],
    slots: dict[str, SlotSpec],
    verification: VerificationSpec | None,
    today: Callable[[], date],
) -> dict[str, Any]:
    """The task's values the contact's fields give: `contact`, and the slots they fill (see
    the module's docstring)."""
    given = {name: str(contact.get(name) or "").strip() for name in outbound.contact_fields}
    given = {name: text for name, text in given.items() if text}
    proofs = set(verification.slots) if verification is not None else set()
    filling = SlotFilling(slots, today)
    values: dict[str, Any] = {"contact": given}
    for name, text in given.items():
        value = filling.value(slots[name], text) if name in slots else None
        if value is not None and name not in proofs:
            values[name] = value
    return values


def opts_out(outbound: Outbound, caller_input: CallerInput, takes_keys: bool) -> bool:
    """Whether the callee asks not to be called again; a key only while the agent is not
    waiting for digits (`takes_keys`: the 9 of a card number is no opt-out)."""
    if isinstance(caller_input, CallerSaid):
        return asks_not_to_be_called(caller_input.text)
    if isinstance(caller_input, CallerKeyed) and outbound.opt_out_key is not None:
        return caller_input.digits.rstrip("#") == outbound.opt_out_key and not takes_keys
    return False


def outbound_prompts(outbound: Outbound, business: str) -> list[str]:
    """The fixed texts of an outbound call: the greeting's opening and the opt-out reply."""
    greeting = outbound.greeting.replace("{business}", business)
    return [text for text in (template_opening(greeting), outbound.opt_out_say) if text]
