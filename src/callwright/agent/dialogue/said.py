"""The front desk's reply to what the caller said: a task's turn, a side question, small talk.

`SaidReplies` is the part of `FrontDeskConversation` (front_desk.py) that turns the caller's
words into a reply, with the steps it shares with the keypad and silence replies: a task's
reply, a fixed answer, a hand-off, the not-understood ladder. It keeps nothing of its own:
all it reads and updates is the conversation's, which `checkpoint` and `speculative_copy` copy.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from callwright.agent.conversation import AgentAction, ConversationState, EndCall, Say, Transfer
from callwright.agent.dialogue.answers import NO_ANSWER_TOPIC, Answers
from callwright.agent.dialogue.flow import TaskReply
from callwright.agent.dialogue.handing_off import END_NOT_UNDERSTOOD, HandOffPolicy
from callwright.agent.dialogue.handoff import CALLBACK, MESSAGE_TASK, asks_for_callback
from callwright.agent.dialogue.history import last_said, not_back_to_back, said_again
from callwright.agent.dialogue.task_choice import TaskQuestion, chosen_task, rival_task
from callwright.agent.dialogue.tasks import TaskRunner
from callwright.agent.dialogue.texts import FrontDeskTexts
from callwright.agent.llm.dialogue_model import classify, free_answer
from callwright.agent.spec.handoff import NOT_UNDERSTOOD
from callwright.agent.understanding.homophones import fix_homophones
from callwright.agent.understanding.intents import Understanding
from callwright.agent.understanding.questions import (
    asks_to_repeat,
    changes_mind,
    is_question,
    nothing_more,
)
from callwright.agent.understanding.small_talk import ACK, GOODBYE, HELLO, NO, THANKS, YES
from callwright.agent.understanding.words import spoken_digit

if TYPE_CHECKING:
    from callwright.agent.dialogue.front_desk_agent import FrontDeskAgent

SIDE_QUESTION_CONFIDENCE = 0.6  # a question this clear is not taken as a free-text answer
ASKED_WITH_ANSWER_CONFIDENCE = 0.5  # "yes. What time do you close?": answered along
CHANGED_MIND_CONFIDENCE = 0.45  # another task, named with "actually" or "instead"
TOPIC_SWITCH_CONFIDENCE = 0.7  # another task this clearly asked for is not an answer to this one
READY_LEAD_IN = "Great."  # before the question again, when the caller only said "yes"
END_GOODBYE = "goodbye"


class SaidReplies:
    """A `FrontDeskConversation`'s replies to words. Each decision returns the actions of one
    reply and updates the conversation's attributes below, which its `__init__` sets."""

    state: ConversationState
    tasks: TaskRunner
    _agent: FrontDeskAgent
    _texts: FrontDeskTexts
    _answers: Answers
    _handoffs: HandOffPolicy
    _offered_more: bool
    _task_question: TaskQuestion | None

    async def _said(self, text: str) -> list[AgentAction]:
        tasks = self.tasks
        text = fix_homophones(text)  # "wear are you?": where
        escalation = await self._handoffs.escalation(text)
        if escalation is not None:
            return escalation
        last = last_said(self.state)
        if last and asks_to_repeat(text):  # never taken for an answer ("sorry, what?")
            waiting = tasks.pending_prompt() if tasks.number_pending else None  # "4 8, okay."
            return [Say(waiting or said_again(last))]
        # the sentence encoder takes a few ms of numpy: keep it off the audio's event loop
        understanding = await asyncio.to_thread(self._agent.matcher.understand, text)
        if understanding.intent == MESSAGE_TASK and not asks_for_callback(text):
            understanding = Understanding(None, 0.0)  # "... and I make the call": no message
        intent = understanding.intent
        question, self._task_question = self._task_question, None
        if question is not None:  # the answer to "move it, or cancel it?"
            picked = chosen_task(question, text, understanding, self._agent.task_specs)
            if picked is not None:
                intent, text = picked, f"{question.heard} {text}"
                understanding = Understanding(picked, 1.0)
        if intent is None and self._agent.language_model is not None and not tasks.active:
            intent = await classify(self._agent.language_model, self._agent.spec, text)
        side_question = (
            intent in self._texts.answers and understanding.confidence >= SIDE_QUESTION_CONFIDENCE
        )
        other_task = tasks.is_task(intent) and tasks.task is not None and intent != tasks.task.name
        instead = other_task and changes_mind(text)
        answers_task = other_task and tasks.task is not None and intent in tasks.task.answered_by
        free_text = tasks.awaiting_free_text()
        # any words answer a free-text question ("what should I pass on?"): a task named in
        # them is their content, unless the caller turns away from the question
        switching = other_task and (
            (understanding.confidence >= TOPIC_SWITCH_CONFIDENCE and not free_text)
            or ((instead or answers_task) and understanding.confidence >= CHANGED_MIND_CONFIDENCE)
        )
        if tasks.active and not switching and not (side_question and free_text):
            reply = await tasks.hear(text)
            if reply.handled:  # "end of the day. Actually, what time do you close?": both
                sure = understanding.confidence >= ASKED_WITH_ANSWER_CONFIDENCE
                asked = sure and is_question(text) and self._answers.gives(intent)
                answers = self._side_answers([intent]) if asked else []
                return answers + await self._task_reply(reply)
        if intent == MESSAGE_TASK:
            self.state.not_understood_count = 0
            return await self._hand_off(CALLBACK)
        not_offered = self._answers.not_offered(text, tasks.pending_prompt())
        if not_offered is not None:  # "how much are eyelash extensions?" at a hair studio
            self.state.intent, self.state.not_understood_count = NO_ANSWER_TOPIC, 0
            self._offered_more = not tasks.active and self._texts.follow_up is not None
            return [Say(text) for text in not_offered]
        asked_too = [i for i in understanding.also if self._answers.gives(i) and i != intent]
        task_too = next((i for i in understanding.also if tasks.is_task(i)), None)
        if self._answers.gives(intent) and task_too and not tasks.active:
            asked_too, intent = [intent, *asked_too], task_too  # "book me, and do you take ..."
        if tasks.is_task(intent) and (switching or not tasks.active):
            self.state.not_understood_count = 0
            rival = None if tasks.active else rival_task(understanding, self._agent.task_specs)
            if rival is not None and not asked_too:
                self._task_question = TaskQuestion(intent, rival, text)
                return [Say(self._task_question.prompt(self._agent.task_specs))]
            self.state.intent = intent
            answers = self._side_answers(asked_too)
            replaces = (instead or answers_task) and switching  # "move it" answers a reminder
            started = await tasks.start(intent, text, instead=replaces)
            return answers + await self._task_reply(started)
        if tasks.active:
            return await self._aside(intent, text)
        digit = spoken_digit(text) if self._texts.keypad else None
        if digit in self._texts.keypad:
            return await self._answer(self._texts.keypad[digit])
        self.state.intent = intent
        if intent is None and self._agent.language_model is not None:
            facts = self._texts.answers.values()
            answer = await free_answer(self._agent.language_model, self._agent.spec, facts, text)
            if answer:
                self.state.not_understood_count = 0
                return [Say(answer)]
        default_task = self._default_task()
        if intent is None and default_task is not None:  # a sales call: what they need
            lead_in = self._no_answer() if is_question(text) else []
            self.state.intent = default_task
            self.state.not_understood_count = 0
            return lead_in + await self._task_reply(await tasks.start(default_task, text))
        if intent is None and is_question(text):
            return self._no_answer()
        if intent is None and self._offered_more and nothing_more(text):
            intent = GOODBYE  # "nah, that's it, thanks man"
        if intent is None or (intent == NO and not self._offered_more):
            return await self._not_understood()
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
        return await self._answer(intent, asked_too, understanding.open_question, text)

    async def _hand_off(
        self, reason: str, lead: list[str] | None = None, apologize: bool = False
    ) -> list[AgentAction]:
        actions = await self._handoffs.hand_off(reason, lead, apologize)
        if any(isinstance(action, Transfer) for action in actions):
            self._offered_more = False
        return actions

    def _side_answers(self, intents: list[str]) -> list[AgentAction]:
        return [Say(text) for text in self._answers.to(intents)]

    async def _aside(self, intent: str | None, text: str) -> list[AgentAction]:
        """Words a running task could not use: a side question, goodbye, or not understood."""
        pending = self.tasks.pending_prompt()
        if intent in self._texts.answers:
            return [Say(text) for text in (*self._answers.to([intent]), pending) if text]
        if intent is None and is_question(text):
            return [Say(text) for text in (self._answers.none(), pending) if text]
        if intent == GOODBYE:
            self.tasks.cancel()
            return [Say(self._texts.farewell), EndCall(END_GOODBYE)]
        if intent in (YES, ACK, HELLO) and pending:  # "yes?", "okay": ready for the question
            return [Say(f"{READY_LEAD_IN} {pending}")]
        return await self._task_reply(self.tasks.missed_current())

    async def _task_reply(self, reply: TaskReply) -> list[AgentAction]:
        texts = list(reply.texts)
        if reply.handoff is not None:
            self._record_task()
            return [*(Say(text) for text in texts if text), *await self._hand_off(reply.handoff)]
        if reply.finished and self.tasks.active:  # back to a task a topic switch set aside
            resumed = await self.tasks.resume()
            texts += ["Now, back to what we were doing."] + resumed.texts
        self._record_task()
        self._offered_more = reply.finished and not self.tasks.active
        return [Say(text) for text in texts if text]

    def _record_task(self) -> None:
        """The task state into the conversation's, with the last outcome a step reached."""
        self.state.task = self.tasks.state()
        outcomes = self.state.task["outcomes"]
        self.state.task_outcome = outcomes[-1] if outcomes else None

    async def _answer(
        self,
        intent: str,
        also: list[str] | None = None,
        open_question: bool = False,
        text: str = "",
    ) -> list[AgentAction]:
        """The answer to `intent`, and to the other questions asked with it (`also`); an
        honest word on one nothing answers (`open_question`)."""
        self.state.intent = intent
        self.state.not_understood_count = 0
        self._offered_more = self._texts.follow_up is not None
        actions = self._side_answers([intent, *(also or [])])
        if open_question:
            actions.append(Say(self._answers.none(other=True)))
        reason = self._agent.intent_handoffs.get(intent)
        if reason is not None:  # a question the agent must leave to a person
            return actions + await self._hand_off(reason)
        default_task = self._default_task()
        if default_task is not None:
            # a sales call: after the answer, on to finding what the caller needs
            self._offered_more = False
            return actions + await self._task_reply(await self.tasks.start(default_task, text))
        if self._texts.follow_up:
            actions.append(Say(self._texts.follow_up))
        return actions

    def _default_task(self) -> str | None:
        """The task any unplaced words lead to (a sales line's qualifying), until it has run:
        after its summary, an objection is not a new lead."""
        default_task = self._agent.spec.default_task
        done = {*self.tasks.completed, *self.tasks.failed}
        return default_task if default_task not in done else None

    def _no_answer(self) -> list[AgentAction]:
        """An honest reply to a question nothing in the agent answers, with what it can do."""
        self.state.intent = NO_ANSWER_TOPIC
        self.state.not_understood_count = 0
        self._offered_more = False
        return [Say(self._answers.none())]

    def _small_talk(self, text: str, offers_more: bool) -> list[AgentAction]:
        self._offered_more = offers_more
        return [Say(text)]

    async def _not_understood(self) -> list[AgentAction]:
        """The agent's ladder: rephrase, offer the choices, then a person (or goodbye)."""
        self.state.intent = None
        self._offered_more = False
        self.state.not_understood_count += 1
        prompts = self._texts.not_understood
        if self.state.not_understood_count > len(prompts):
            if self._agent.spec.not_understood.then == "handoff":
                self.state.not_understood_count = 0
                return await self._hand_off(NOT_UNDERSTOOD)
            return [Say(self._texts.closing), EndCall(END_NOT_UNDERSTOOD)]
        prompt = prompts[self.state.not_understood_count - 1]
        return [Say(not_back_to_back(prompt, prompts, self.state, self._texts.keypad_menu))]
