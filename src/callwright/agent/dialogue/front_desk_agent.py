"""An agent file made ready to take calls.

`FrontDeskAgent` is one agent file made ready to talk: its texts rendered (placeholders filled)
and its `IntentMatcher` built, shared by all calls. Each call gets a `FrontDeskConversation`
(front_desk.py). Everything the agent says is one of `fixed_prompts()`, so its audio can be
synthesized once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from callwright.actions.http import register_http_actions
from callwright.actions.registry import ActionRegistry, RunAction
from callwright.agent.dialogue.answers import OFFER_QUESTION, Vocabulary
from callwright.agent.dialogue.front_desk import FrontDeskConversation
from callwright.agent.dialogue.handoff import message_task
from callwright.agent.dialogue.outbound import outbound_prompts
from callwright.agent.dialogue.texts import FrontDeskTexts, speech_context, task_prompts
from callwright.agent.llm.client import load_language_model
from callwright.agent.spec.agent_file import AgentSpec
from callwright.agent.spec.handoff import resolve_environment
from callwright.agent.understanding.entities_people import TITLES
from callwright.agent.understanding.intents import IntentMatcher
from callwright.agent.understanding.words import STOP_WORDS

ActionsFactory = Callable[[str, ActionRegistry], RunAction]
"""Given an agent name and its own actions, the function its conversations use to run
actions."""


class FrontDeskAgent:
    """An agent file ready to take calls (the `Agent` protocol)."""

    def __init__(
        self,
        spec: AgentSpec,
        matcher: IntentMatcher | None = None,
        actions: ActionsFactory | None = None,
    ) -> None:
        intents = spec.all_intents()
        self.spec = spec
        self.name = spec.name
        self.voice = spec.voice
        self.no_input_timeout_s = spec.no_input.timeout_s
        self.texts = FrontDeskTexts.render(spec, intents)
        self.fillers = self.texts.fillers
        self.handoff = spec.handoff
        self.handoff_webhook = resolve_environment(spec.handoff.webhook)
        message, message_slots = message_task(spec.handoff.message)
        self.tasks = [*spec.tasks, message]
        self.task_specs = {task.name: task for task in spec.tasks}
        self.intent_handoffs = {i.name: i.handoff for i in intents if i.handoff is not None}
        self.slots = spec.slots | message_slots
        examples = {intent.name: intent.examples for intent in intents}
        examples |= {task.name: task.examples for task in self.tasks}
        self.matcher = matcher or IntentMatcher(
            examples, spec.goodbye.phrases, names=_option_names(spec), brand=_brand(spec)
        )
        self.speech_context = speech_context(spec)
        self.vocabulary = Vocabulary(spec)
        offer = self.matcher.understand(OFFER_QUESTION).intent
        self.offer_intent = offer if offer in self.texts.answers else None
        """The intent that says what the business offers, for a price it has not got."""
        self.timezone = ZoneInfo(spec.timezone or "UTC")
        self._actions = actions
        self.own_actions = ActionRegistry()
        register_http_actions(self.own_actions, spec.actions)
        self.language_model = load_language_model(spec.llm) if spec.llm else None

    def fixed_prompts(self) -> list[str]:
        texts = [*self.texts.all(), *task_prompts(self.spec)]
        if self.spec.outbound is not None:
            texts += outbound_prompts(self.spec.outbound, self.spec.business)
        return list(dict.fromkeys(texts))

    def start_conversation(
        self,
        caller: str = "",
        outbound: bool = False,
        call_id: str | None = None,
        contact: Mapping[str, str] | None = None,
    ) -> FrontDeskConversation:
        """A conversation for one call (see `Agent.start_conversation`)."""
        run_action = self._actions(self.name, self.own_actions) if self._actions else None
        phone = _phone_of(caller)
        return FrontDeskConversation(self, run_action, phone, outbound, call_id, contact)

    def changes_records(self, action: str) -> bool:
        """Whether running `action` may change the business's records (a look-up does not)."""
        changes = getattr(self._actions, "changes_records", None)
        return True if changes is None else changes(action, self.own_actions)

    def now(self) -> datetime:
        """The time in the agent's zone (business hours are read against it)."""
        return datetime.now(UTC).astimezone(self.timezone)

    def today(self) -> date:
        return self.now().date()

    def people_available(self) -> bool:
        """Whether it is inside the hours when people take transfers."""
        hours = self.handoff.hours
        return hours is None or hours.covers(self.now())


def _phone_of(caller: str) -> str:
    """The phone number in a caller id such as 'sip:+15551230001@host' ('' if none)."""
    user = caller.split(":", 1)[-1].split("@", 1)[0]
    digits = re.sub(r"[^\d+]", "", user)
    return digits if len(digits.lstrip("+")) >= 7 else ""


def _brand(spec: AgentSpec) -> list[str]:
    """The brand: the first word of the business's name ("Acme" of "Acme Analytics")."""
    return [word for word in re.findall(r"[a-z]+", spec.business.lower())[:1]
            if word not in STOP_WORDS]


def _option_names(spec: AgentSpec) -> set[str]:
    """The proper names among the agent's choice options ("Dr. Sarah Chen": sarah, chen)."""
    return {
        word.lower()
        for slot in spec.slots.values() if slot.type == "choice"
        for option in slot.options
        for word in re.findall(r"[A-Za-z]+", option)
        if word[0].isupper() and word.lower() not in TITLES
    }  # fmt: skip
