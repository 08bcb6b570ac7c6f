"""The front-desk conversation: answer what the caller asks, from fixed texts, and end well.

`FrontDeskAgent` is one agent file made ready to talk: its texts rendered (placeholders filled)
and its `IntentMatcher` built, shared by all calls. Each call gets a `FrontDeskConversation`.
Everything the agent says is one of `fixed_prompts()`, so its audio can be synthesized once.

A reply is a few `Say`s; the history gets one agent entry per turn, grown as each `Say` is
yielded, so when the caller barges in `agent_was_interrupted` can replace the whole turn with
what they heard. The counters in `state` count in a row: understanding the caller resets the
not-understood ladder, and any caller input resets the no-input ladder.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from callwright.actions.http import register_http_actions
from callwright.actions.registry import ActionRegistry
from callwright.agent.conversation import (
    AgentAction,
    CallerInput,
    CallerKeyed,
    CallerSaid,
    CallerSilent,
    ConversationState,
    EndCall,
    HistoryEntry,
    Say,
)
from callwright.agent.llm import LanguageModelError, load_language_model, summarize_call
from callwright.agent.spec import AgentSpec, Intent
from callwright.agent.tasks import RunAction, TaskReply, TaskRunner
from callwright.agent.understanding import (
    ACK,
    GOODBYE,
    HELLO,
    NO,
    THANKS,
    YES,
    IntentMatcher,
    spoken_digit,
)

MAIN_TOPICS_MAX = 4  # topics offered when no intent names its topic
TASK_REPROMPT = "Sorry, I didn't hear anything."
FREE_ANSWER_TIMEOUT_S = 1.5  # beyond this the caller gets the clarifying question instead
FREE_ANSWER_MAX_TOKENS = 60
UNKNOWN_MARK = "UNKNOWN"
CLASSIFY_MAX_TOKENS = 12
CLASSIFY_INSTRUCTIONS = (
    "A phone caller said the user's words. Reply with only the name of the matching request "
    "from this list, or NONE: {menu}"
)
FREE_ANSWER_INSTRUCTIONS = (
    "You answer phone callers for {business} in one or two short spoken sentences, using only "
    "these facts: {knowledge} If the facts do not answer the question, reply exactly UNKNOWN."
)
SIDE_QUESTION_CONFIDENCE = 0.6  # a question this clear is not taken as a free-text answer
TOPIC_SWITCH_CONFIDENCE = 0.7  # another task this clearly asked for is not an answer to this one
KEYPAD_HELP_DIGIT = "0"
NO_KEYPAD_MENU = "You can ask me about {topics}."
UNKNOWN_KEY = "Sorry, that key isn't an option. {keypad}"

END_GOODBYE, END_NO_INPUT, END_NOT_UNDERSTOOD = "goodbye", "no input", "not understood"

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

    @classmethod
    def render(cls, spec: AgentSpec, intents: list[Intent]) -> FrontDeskTexts:
        keyed = [intent for intent in spec.intents if intent.keypad]
        named = [intent for intent in spec.intents if intent.topic]
        topics = _spoken_list(
            [i.spoken_topic for i in (named or keyed or spec.intents[:MAIN_TOPICS_MAX])]
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
        )

    def all(self) -> list[str]:
        texts = [self.greeting, *self.answers.values(), self.follow_up, self.keypad_menu]
        texts += [self.unknown_key, self.farewell, *self.reprompts, self.no_input_goodbye]
        texts += [*self.not_understood, self.closing, self.thanks, self.hello, self.yes]
        return list(dict.fromkeys(text for text in texts if text))


def speech_context(spec: AgentSpec) -> str:
    """The business name and one typical question per intent, as a speech-to-text prompt."""
    firsts = [intent.examples[0].rstrip("?.!") for intent in spec.all_intents()]
    questions = [f"{text[:1].upper()}{text[1:]}?" for text in firsts if text]
    return " ".join([f"{spec.business}.", *questions])


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
        examples = {intent.name: intent.examples for intent in intents}
        examples |= {task.name: task.examples for task in spec.tasks}
        self.matcher = matcher or IntentMatcher(examples, spec.goodbye.phrases)
        self.speech_context = speech_context(spec)
        self.timezone = ZoneInfo(spec.timezone or "UTC")
        self._actions = actions
        self.own_actions = ActionRegistry()
        register_http_actions(self.own_actions, spec.actions)
        self.language_model = load_language_model(spec.llm) if spec.llm else None

    def fixed_prompts(self) -> list[str]:
        return self.texts.all()

    def start_conversation(self, caller: str = "", outbound: bool = False) -> FrontDeskConversation:
        run_action = self._actions(self.name, self.own_actions) if self._actions else None
        return FrontDeskConversation(self, run_action, _phone_of(caller), outbound)

    def today(self) -> date:
        return datetime.now(UTC).astimezone(self.timezone).date()


class FrontDeskConversation:
    """One call's conversation with a `FrontDeskAgent` (the `Conversation` protocol)."""

    def __init__(
        self,
        agent: FrontDeskAgent,
        run_action: RunAction | None = None,
        caller_phone: str = "",
        outbound: bool = False,
    ) -> None:
        self.state = ConversationState()
        self._outbound = outbound
        self._agent = agent
        self._texts = agent.texts
        self._offered_more = False  # the last reply asked whether the caller needs anything else
        spec = agent.spec
        self.tasks = TaskRunner(
            spec.tasks,
            spec.slots,
            spec.verification,
            run_action,
            agent.today,
            caller_phone or None,
        )

    def greet(self) -> AsyncIterator[AgentAction]:
        return self._perform(self._greeting())

    async def _greeting(self) -> list[AgentAction]:
        spec = self._agent.spec
        greeting: list[AgentAction] = [Say(self._texts.greeting)]
        start = spec.start_task
        if self._outbound and spec.outbound is not None:
            greeting = [Say(spec.outbound.greeting)]
            start = spec.outbound.start_task
        if start is None:
            return greeting
        self.state.intent = start
        return greeting + await self._task_reply(await self.tasks.start(start, ""))

    def respond(self, caller_input: CallerInput) -> AsyncIterator[AgentAction]:
        if isinstance(caller_input, CallerSaid):
            self._caller(caller_input.text)
            actions = self._said(caller_input.text)
        elif isinstance(caller_input, CallerKeyed):
            self._caller(f"[keypad {caller_input.digits}]")
            actions = self._keyed(caller_input.digits)
        else:
            actions = _ready(self._silent(caller_input))
        return self._perform(actions)

    async def summary(self) -> str:
        """A sentence or two for a human who reads or takes over the call."""
        task = self.tasks.state()
        person = self.tasks.verified or {}
        facts = {
            "caller": person.get("full_name") or " ".join(
                str(person.get(key, "")) for key in ("first_name", "last_name")
            ).strip(),
            "verified": self.tasks.verified is not None if self._agent.spec.verification else None,
            "intent": task["task"] or self.state.intent,
            "done": task["completed"],
            "slots": {
                name: value for name, value in task["slots"].items()
                if name in self._agent.spec.slots
            },
        }
        transcript = [(entry.role, entry.text) for entry in self.state.history]
        return await summarize_call(self._agent.language_model, transcript, facts)

    def takes_short_answers(self) -> bool:
        """Whether "yes" or "okay" over the agent's speech answers its question."""
        return self.tasks.awaiting_yes_no()

    def agent_was_interrupted(self, heard_text: str) -> None:
        """Keep only what the caller heard of the agent's last turn; drop it if nothing."""
        for index in range(len(self.state.history) - 1, -1, -1):
            if self.state.history[index].role == "agent":
                if heard_text.strip():
                    self.state.history[index].text = heard_text.strip()
                else:
                    del self.state.history[index]
                return

    # ---- decisions: each returns the actions of one reply and updates the state ----

    async def _said(self, text: str) -> list[AgentAction]:
        tasks = self.tasks
        # the sentence encoder takes a few ms of numpy: keep it off the audio's event loop
        understanding = await asyncio.to_thread(self._agent.matcher.understand, text)
        intent = understanding.intent
        if intent is None and self._agent.language_model is not None and not tasks.active:
            intent = await self._classify(text)
        side_question = (
            intent in self._texts.answers and understanding.confidence >= SIDE_QUESTION_CONFIDENCE
        )
        switching = (
            tasks.is_task(intent)
            and tasks.task is not None
            and intent != tasks.task.name
            and understanding.confidence >= TOPIC_SWITCH_CONFIDENCE
        )
        if tasks.active and not switching and not (side_question and tasks.awaiting_free_text()):
            reply = await tasks.hear(text)
            if reply.handled:
                return await self._task_reply(reply)
        if tasks.is_task(intent):
            self.state.intent = intent
            self.state.not_understood_count = 0
            return await self._task_reply(await tasks.start(intent, text))
        if tasks.active:
            return await self._aside(intent)
        digit = spoken_digit(text) if self._texts.keypad else None
        if digit in self._texts.keypad:
            return self._answer(self._texts.keypad[digit])
        self.state.intent = intent
        if intent is None and self._agent.language_model is not None:
            answer = await self._free_answer(text)
            if answer:
                self.state.not_understood_count = 0
                return [Say(answer)]
        if intent is None or (intent == NO and not self._offered_more):
            return self._not_understood()
        self.state.not_understood_count = 0
        if intent in (GOODBYE, NO):
            return [Say(self._texts.farewell), EndCall(END_GOODBYE)]
        if intent == THANKS:
            return self._small_talk(self._texts.thanks, offers_more=True)
        if intent == HELLO:
            return self._small_talk(self._texts.hello, offers_more=False)
        if intent == YES:
            return self._small_talk(self._texts.yes, offers_more=False)
        if intent == ACK:
            text = self._texts.follow_up or self._texts.thanks
            if self._offered_more:
                text = self._texts.yes
            return self._small_talk(text, offers_more=True)
        return self._answer(intent)

    async def _classify(self, text: str) -> str | None:
        """The language model's pick among the agent's intents for words the matcher could
        not place, or None (also when it is slow or names no intent)."""
        spec = self._agent.spec
        choices = {intent.name: intent.examples[0] for intent in spec.all_intents()}
        choices |= {task.name: task.examples[0] for task in spec.tasks}
        menu = "; ".join(f"{name} (e.g. {example!r})" for name, example in choices.items())
        messages = [
            {"role": "system", "content": CLASSIFY_INSTRUCTIONS.format(menu=menu)},
            {"role": "user", "content": text},
        ]
        try:
            answer = await self._agent.language_model.complete(
                messages, max_tokens=CLASSIFY_MAX_TOKENS, timeout_s=FREE_ANSWER_TIMEOUT_S
            )
        except LanguageModelError:
            return None
        name = answer.strip().strip(".'\"").lower()
        return name if name in choices else None

    async def _free_answer(self, text: str) -> str | None:
        """The language model's answer from the agent's own knowledge, or None when it has
        none or is slow: the caller then gets the usual clarifying question, never silence."""
        knowledge = " ".join(self._texts.answers.values())
        messages = [
            {"role": "system", "content": FREE_ANSWER_INSTRUCTIONS.format(
                business=self._agent.spec.business, knowledge=knowledge)},
            {"role": "user", "content": text},
        ]
        try:
            answer = await self._agent.language_model.complete(
                messages, max_tokens=FREE_ANSWER_MAX_TOKENS, timeout_s=FREE_ANSWER_TIMEOUT_S
            )
        except LanguageModelError:
            return None
        answer = answer.strip()
        return None if not answer or UNKNOWN_MARK in answer.upper() else answer

    async def _aside(self, intent: str | None) -> list[AgentAction]:
        """Words a running task could not use: a side question, goodbye, or not understood."""
        pending = self.tasks.pending_prompt()
        if intent in self._texts.answers:
            texts = [self._texts.answers[intent]] + ([pending] if pending else [])
            return [Say(text) for text in texts]
        if intent == GOODBYE:
            self.tasks.cancel()
            return [Say(self._texts.farewell), EndCall(END_GOODBYE)]
        return await self._task_reply(self.tasks.missed_current())

    async def _task_reply(self, reply: TaskReply) -> list[AgentAction]:
        texts = list(reply.texts)
        if reply.finished and self.tasks.active:  # back to a task a topic switch set aside
            resumed = await self.tasks.resume()
            texts += ["Now, back to what we were doing."] + resumed.texts
        self.state.task = self.tasks.state()
        self._offered_more = reply.finished and not self.tasks.active
        return [Say(text) for text in texts if text]

    def _answer(self, intent: str) -> list[AgentAction]:
        self.state.intent = intent
        self.state.not_understood_count = 0
        self._offered_more = self._texts.follow_up is not None
        actions: list[AgentAction] = [Say(self._texts.answers[intent])]
        if self._texts.follow_up:
            actions.append(Say(self._texts.follow_up))
        return actions

    def _small_talk(self, text: str, offers_more: bool) -> list[AgentAction]:
        self._offered_more = offers_more
        return [Say(text)]

    def _not_understood(self) -> list[AgentAction]:
        self.state.intent = None
        self._offered_more = False
        self.state.not_understood_count += 1
        prompts = self._texts.not_understood
        if self.state.not_understood_count > len(prompts):
            return [Say(self._texts.closing), EndCall(END_NOT_UNDERSTOOD)]
        prompt = prompts[self.state.not_understood_count - 1]
        if prompt == self._last_said():  # an agent file may repeat a prompt: never back to back
            others = [p for p in prompts if p != prompt]
            prompt = others[0] if others else self._texts.keypad_menu
        return [Say(prompt)]

    async def _keyed(self, digits: str) -> list[AgentAction]:
        if self.tasks.active:
            actions: list[AgentAction] = []
            for key in digits:
                reply = await self.tasks.hear_digit(key)
                if not reply.handled:
                    break
                actions += await self._task_reply(reply)
            else:
                return actions
        digit = digits.rstrip("#")
        if digit in self._texts.keypad:
            return self._answer(self._texts.keypad[digit])
        self._offered_more = False
        if digit == KEYPAD_HELP_DIGIT:
            return [Say(self._texts.keypad_menu)]
        return [Say(self._texts.unknown_key)]

    def _silent(self, silence: CallerSilent) -> list[AgentAction]:
        self.state.no_input_count += 1
        reprompts = self._texts.reprompts
        if self.state.no_input_count > len(reprompts):
            return [Say(self._texts.no_input_goodbye), EndCall(END_NO_INPUT)]
        pending = self.tasks.pending_prompt()
        if pending:  # in the middle of a task, ask its question again
            return [Say(f"{TASK_REPROMPT} {pending}")]
        return [Say(reprompts[self.state.no_input_count - 1])]

    # ---- history ----

    def _caller(self, text: str) -> None:
        self.state.no_input_count = 0
        self.state.history.append(HistoryEntry("caller", text))

    def _last_said(self) -> str | None:
        for entry in reversed(self.state.history):
            if entry.role == "agent":
                return entry.text
        return None

    async def _perform(self, decision: Awaitable[list[AgentAction]]) -> AsyncIterator[AgentAction]:
        entry: HistoryEntry | None = None
        for action in await decision:
            if isinstance(action, Say):
                if entry is None:
                    entry = HistoryEntry("agent", action.text)
                    self.state.history.append(entry)
                else:
                    entry.text = f"{entry.text} {action.text}"
            yield action


ActionsFactory = Callable[[str, ActionRegistry], RunAction]
"""Given an agent name and its own actions, the function its conversations use to run
actions."""


async def _ready(actions: list[AgentAction]) -> list[AgentAction]:
    return actions


def _phone_of(caller: str) -> str:
    """The phone number in a caller id such as 'sip:+15551230001@host' ('' if none)."""
    user = caller.split(":", 1)[-1].split("@", 1)[0]
    digits = re.sub(r"[^\d+]", "", user)
    return digits if len(digits.lstrip("+")) >= 7 else ""


def _spoken_list(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])}, or {items[-1]}"


def _fill(text: str, values: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], text)
