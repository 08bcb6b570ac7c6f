"""What travels with a caller handed to a person, and the message taken when nobody can answer.

The context is structured (who the caller is and whether identity was verified, what they
wanted, the slots collected, what was already done, why the hand-off) and also written as a
few sentences: by the language model when the agent has one, else from the facts. The call
layer stores both on the call, speaks the sentences to the person in a warm transfer and sends
them in a SIP header and a webhook.

The message task is a built-in task of every agent: a callback number (the caller id when
there is one, read back for confirmation), the message, then a ticket with the summary.
"""

from __future__ import annotations

import re
from typing import Any

from callwright.agent.llm.client import LanguageModel, summarize_call
from callwright.agent.spec.handoff import MessageTexts
from callwright.agent.spec.tasks import SlotSpec, Step, TaskSpec

MESSAGE_TASK = "take-message"
CALLBACK_PHONE, MESSAGE = "callback_phone", "message"
HANDOFF_SUMMARY, HANDOFF_REASON, CALL_ID = "handoff_summary", "handoff_reason", "call_id"
TICKET_PRIORITY = "ticket_priority"
CALLBACK = "callback"  # the reason when a caller asks to be called back
URGENT_REASONS = ("emergency", "frustration")  # their tickets are marked urgent

REASON_PHRASES = {
    "asked_for_human": "the caller asked for a person",
    "frustration": "the caller was frustrated",
    "not_understood": "I could not understand what the caller needed",
    "no_input": "the caller stopped answering",
    "backend_failure": "our system failed during the request",
    "emergency": "the caller described an emergency and was told to call nine one one",
    CALLBACK: "the caller asked for a call back",
}

BRIEFING = "Hello, a caller from the {business} line. {summary} {connect}"
CONNECTING = "Connecting you now."


def reason_phrase(reason: str) -> str:
    """Why a hand-off happened, as words for a person ("qualified_lead" -> "qualified lead")."""
    return REASON_PHRASES.get(reason, reason.replace("_", " ").replace("-", " "))


_CALLBACK_WORDS = re.compile(
    r"\b(?:call (?:me |us |them )?back|callback|call-back|(?:a|my) message|call me"
    r"|(?:reach|contact|ring) me)\b",
    re.I,
)


def asks_for_callback(text: str) -> bool:
    """Whether the caller asks to be called back or to leave a message ("have someone call
    me"), not just says "call" ("I make the call", "I was told to give you a call")."""
    return _CALLBACK_WORDS.search(text) is not None


def message_task(texts: MessageTexts) -> tuple[TaskSpec, dict[str, SlotSpec]]:
    """The built-in task that takes a message for a callback, and the slots it collects."""
    slots = {
        CALLBACK_PHONE: SlotSpec(type="phone_number", ask=texts.ask_phone),
        MESSAGE: SlotSpec(type="text", ask=texts.ask_message),
    }
    task = TaskSpec(
        name=MESSAGE_TASK,
        examples=[
            "can I leave a message",
            "can someone call me back",
            "please have someone call me",
            "I'd like a call back",
        ],
        steps=[
            Step(say=texts.offer),
            Step(collect=[CALLBACK_PHONE]),
            Step(collect=[MESSAGE]),
            Step(confirm=texts.confirm),
            Step(
                act="tickets.create",
                params={
                    "subject": f"Call back: {{{HANDOFF_REASON}}}",
                    "description": (
                        f"{{{HANDOFF_SUMMARY}}} Message: {{{MESSAGE}}}. "
                        f"Call back at {{{CALLBACK_PHONE}}}."
                    ),
                    "person_id": "{person.person_id}",
                    "priority": f"{{{TICKET_PRIORITY}}}",
                    "call_id": f"{{{CALL_ID}}}",
                },
                **{"as": "ticket"},
            ),
            Step(say=texts.done),
        ],
    )
    return task, slots


def ticket_priority(reason: str) -> str:
    return "urgent" if reason in URGENT_REASONS else "normal"


def handoff_context(
    reason: str, facts: dict[str, Any], caller_phone: str, last_words: str
) -> dict[str, Any]:
    """The structured summary: `facts` as the dialogue knows them (caller, verified, intent,
    done, slots), the caller's number, their last words and why the hand-off happens."""
    return {
        "reason": reason,
        "reason_text": reason_phrase(reason),
        "caller": {
            "name": facts.get("caller") or None,
            "phone": caller_phone or None,
            "verified": facts.get("verified"),
        },
        "wanted": facts.get("intent"),
        "slots": facts.get("slots") or {},
        "done": facts.get("done") or [],
        "last_words": last_words or None,
    }


async def handoff_summary(
    model: LanguageModel | None,
    transcript: list[tuple[str, str]],
    facts: dict[str, Any],
    reason: str,
    last_words: str,
) -> str:
    """A few sentences for the person who takes over: what is known (nothing made up when
    nothing is), why the hand-off, and the caller's last words."""
    known = any(facts.get(key) for key in ("caller", "intent", "done", "slots"))
    sentences = [await summarize_call(model, transcript, facts)] if known or model else []
    sentences.append(f"Handed over because {reason_phrase(reason)}.")
    if last_words.strip():
        sentences.append(f'Their last words: "{last_words.strip()}".')
    return " ".join(sentences)


def briefing(business: str, summary: str) -> str:
    """What the person hears in a warm transfer before the caller is put through."""
    return BRIEFING.format(business=business, summary=summary, connect=CONNECTING)
