"""Every text an agent says that is known when it loads, placeholders filled in.

Known texts are synthesized once, before the first call (`Agent.fixed_prompts`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from callwright.agent.dialogue import task_texts
from callwright.agent.dialogue.history import SAID_AGAIN
from callwright.agent.dialogue.templates import activity, spoken_list
from callwright.agent.spec.agent_file import AgentSpec, Intent

MAIN_TOPICS_MAX = 4  # topics offered when no intent names its topic
NO_KEYPAD_MENU = "You can ask me about {topics}."
UNKNOWN_KEY = "Sorry, that key isn't an option. {keypad}"
NO_ANSWER = "I'm sorry, I don't have an answer to that. I can help with {topics}."
"""An honest reply to a question the agent has nothing on, never "I didn't catch that"."""
NO_ANSWER_OTHER = "I'm afraid I don't have an answer to your other question."
"""After the answers, for a question asked with them that nothing answers."""
MESSAGE_ALREADY_TAKEN = "Your message is already with our team, and they will call you back."
"""To a second request for a person after a message was taken (never the same words twice)."""

_PLACEHOLDER = re.compile(r"\{(business|topics|keypad)\}")


@dataclass(frozen=True, slots=True)
class FrontDeskTexts:
    """Every text the agent can say, placeholders filled in."""

    greeting: str
    answers: dict[str, str]  # intent name -> answer
    keypad: dict[str, str]  # digit -> intent name
    keypad_menu: str
    unknown_key: str
    follow_up: str | None
    farewell: str
    reprompts: list[str]
    no_input_goodbye: str
    not_understood: list[str]
    closing: str
    thanks: str
    hello: str
    yes: str
    fillers: list[str]
    handoff: list[str]  # what the agent may say around a hand-off
    no_answer: str  # to a question the agent has no answer for
    no_answer_other: str  # to one such question asked with others that have answers


    @classmethod
    def render(cls, spec: AgentSpec, intents: list[Intent]) -> FrontDeskTexts:
        keyed = [intent for intent in spec.intents if intent.keypad]
        named = [intent for intent in spec.intents if intent.topic]
        opens = spec.outbound.start_task if spec.outbound else None  # a reminder's, not offered
        outbound_only = opens if opens != spec.start_task else None  # a callback's is
        task_topics = [
            activity(task.topic) for task in spec.tasks if task.topic and task.name != outbound_only
        ]  # what the agent can do, first
        topics = spoken_list(
            task_topics
            + [i.spoken_topic for i in (named or keyed or spec.intents[:MAIN_TOPICS_MAX])]
        )
        menu = " ".join(f"For {i.spoken_topic}, press {i.keypad}." for i in keyed)
        values = {"business": spec.business, "topics": topics}
        values["keypad"] = _fill(spec.keypad or menu or NO_KEYPAD_MENU, values | {"keypad": ""})

        def fill(text: str) -> str:
            return _fill(text, values)

        return cls(
            greeting=fill(spec.greeting),
            answers={intent.name: fill(intent.answer) for intent in intents},
            keypad={intent.keypad: intent.name for intent in keyed if intent.keypad},
            keypad_menu=values["keypad"],
            unknown_key=fill(UNKNOWN_KEY),
            follow_up=fill(spec.follow_up) if spec.follow_up else None,
            farewell=fill(spec.goodbye.say),
            reprompts=[fill(text) for text in spec.no_input.reprompts],
            no_input_goodbye=fill(spec.no_input.goodbye),
            not_understood=[fill(text) for text in spec.not_understood.prompts],
            closing=fill(spec.not_understood.closing),
            thanks=fill(spec.small_talk.thanks),
            hello=fill(spec.small_talk.hello),
            yes=fill(spec.small_talk.yes),
            fillers=[fill(text) for text in spec.fillers],
            handoff=[fill(text) for text in handoff_texts(spec)],
            no_answer=fill(NO_ANSWER),
            no_answer_other=NO_ANSWER_OTHER,
        )

    def all(self) -> list[str]:
        texts = [self.greeting, *self.answers.values(), self.follow_up, self.keypad_menu]
        texts += [self.unknown_key, self.farewell, *self.reprompts, self.no_input_goodbye]
        texts += [*self.not_understood, self.closing, self.thanks, self.hello, self.yes]
        texts += [*self.fillers, *self.handoff, self.no_answer, self.no_answer_other, SAID_AGAIN]
        return list(dict.fromkeys(text for text in texts if text))


OPENING_WORDS_MIN = 2  # a template's fixed opening shorter than this is not worth caching
_TEMPLATE_FIELD = re.compile(r"\{[^}]*\}")


def task_prompts(spec: AgentSpec) -> list[str]:
    """What the agent's tasks say that is known when it loads: every task text without a
    placeholder, and the fixed opening of every one with ("I'll move your" of "I'll move
    your {kind} from {old} to {new}."), so a reply's first words are ready at once."""
    texts = [slot.ask for slot in spec.slots.values()]
    texts += [slot.help for slot in spec.slots.values() if slot.help]
    texts += [task.done for task in spec.tasks]
    for task in spec.tasks:
        texts += [text for step in task.steps for text in (step.say, step.confirm, step.failure)
                  if text]
    if spec.verification is not None:
        texts += [spec.verification.failed, spec.verification.gave_up]
    message = spec.handoff.message
    texts += [*task_texts.SPOKEN_TEXTS, message.confirm, message.done]
    prompts = [template_opening(text) for text in texts]
    return list(dict.fromkeys(prompt for prompt in prompts if prompt))


def template_opening(text: str) -> str:
    """`text` when it has no placeholder; else its whole words before the first one, or ""
    when they are fewer than `OPENING_WORDS_MIN`."""
    field = _TEMPLATE_FIELD.search(text)
    if field is None:
        return " ".join(text.split())
    before = text[: field.start()]
    words = before.split()
    if words and not before[-1:].isspace():
        words.pop()  # glued to the value ("Dr.{name}"): its sound depends on the value
    return " ".join(words) if len(words) >= OPENING_WORDS_MIN else ""


def speech_context(spec: AgentSpec) -> str:
    """The business name and one typical question per intent, as a speech-to-text prompt."""
    firsts = [intent.examples[0].rstrip("?.!") for intent in spec.all_intents()]
    questions = [f"{text[:1].upper()}{text[1:]}?" for text in firsts if text]
    return " ".join([f"{spec.business}.", *questions])


def handoff_texts(spec: AgentSpec) -> list[str]:
    """The fixed texts of hand-offs and message taking (the ones without placeholders)."""
    handoff = spec.handoff
    message = handoff.message
    texts = [handoff.say, handoff.hold, handoff.failed, handoff.closed_text(), handoff.emergency]
    texts += [handoff.apology, handoff.trouble, handoff.unavailable, handoff.message_failed]
    texts += [message.offer, message.ask_phone, message.ask_message, MESSAGE_ALREADY_TAKEN]
    texts += [route.say for route in handoff.reasons.values() if route.say]
    return texts


def _fill(text: str, values: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], text)
