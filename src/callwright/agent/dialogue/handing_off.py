"""The hand-off side of a conversation: when a caller goes to a person, and how.

`HandOffPolicy` is part of each `FrontDeskConversation` (front_desk.py): it reads the
conversation's state and tasks, and answers with the actions of a hand-off. A hand-off is
a `Transfer` when someone can answer now
(a target is configured, it is inside the hours, no transfer failed yet on this call), else
the built-in message task: a callback number and a message, which become a ticket with the
summary. Once a message is taken, or could not be, the caller is told so: never a loop.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from callwright.agent.conversation import (
    AgentAction,
    ConversationState,
    EndCall,
    Say,
    Transfer,
)
from callwright.agent.dialogue.call_facts import call_facts, transcript
from callwright.agent.dialogue.flow import TaskReply
from callwright.agent.dialogue.handoff import (
    CALL_ID,
    CALLBACK,
    CALLBACK_PHONE,
    HANDOFF_REASON,
    HANDOFF_SUMMARY,
    MESSAGE_TASK,
    TICKET_PRIORITY,
    asks_for_callback,
    briefing,
    handoff_context,
    handoff_summary,
    reason_phrase,
    ticket_priority,
)
from callwright.agent.dialogue.history import last_said
from callwright.agent.dialogue.tasks import TaskRunner
from callwright.agent.dialogue.texts import MESSAGE_ALREADY_TAKEN, FrontDeskTexts
from callwright.agent.spec.handoff import (
    ASKED_FOR_HUMAN,
    EMERGENCY,
    FRUSTRATION,
    NOT_UNDERSTOOD,
)
from callwright.agent.understanding.entities import extract
from callwright.agent.understanding.escalation import Cue, cues, only_annoyed

if TYPE_CHECKING:
    from callwright.agent.dialogue.front_desk_agent import FrontDeskAgent

"""A person asked for later, not now ("can someone call me back", "leave a message")."""
REPEATED_NO_LIMIT = 3  # "no" to the agent's read-backs this many times in a row: a person
END_NOT_UNDERSTOOD = "not understood"


class HandOffPolicy:
    """One call's hand-offs: when words call for a person, and the actions that get one."""

    def __init__(
        self,
        agent: FrontDeskAgent,
        state: ConversationState,
        tasks: TaskRunner,
        task_reply: Callable[[TaskReply], Awaitable[list[AgentAction]]],
        caller_phone: str = "",
        call_id: str | None = None,
    ) -> None:
        self._agent = agent
        self._texts: FrontDeskTexts = agent.texts
        self.state = state
        self.tasks = tasks
        self._task_reply = task_reply
        self._caller_phone = caller_phone
        self._call_id = call_id
        self._people_unreachable = False  # a transfer failed: take messages from now on
        self._apologized = False
        self._annoyed = False  # mild annoyance is let pass once; again, it is frustration
        self._noes = 0  # "no" in a row to the agent's read-backs and offers
        self._last_words = ""

    def result(self, connected: bool, detail: str) -> None:
        """The call layer's word on the last transfer: connected, or why not."""
        if self.state.handoffs:
            self.state.handoffs[-1]["result"] = "transferred" if connected else "failed"
            self.state.handoffs[-1]["detail"] = detail

    async def escalation(self, text: str) -> list[AgentAction] | None:
        """A reply for words that call for a person (an emergency, a request for one, anger,
        "no" to the agent's read-backs again and again), or None for ordinary words."""
        self._last_words = text
        heard = cues(text)
        if Cue.EMERGENCY in heard:
            return await self.hand_off(EMERGENCY, [self._agent.handoff.emergency])
        if self._taking_message():
            # the message is already the way to a person; its words are the caller's own
            return await self.hand_off(ASKED_FOR_HUMAN) if Cue.HUMAN in heard else None
        angry = Cue.ANGER in heard
        if angry and Cue.HUMAN not in heard and only_annoyed(text) and not self._annoyed:
            self._annoyed = True  # "oh, that's annoying. Fine, then just the lamp": go on
            angry = False
        if Cue.HUMAN in heard:
            asked_for = CALLBACK if asks_for_callback(text) else ASKED_FOR_HUMAN
            return await self.hand_off(asked_for, apologize=angry)
        if angry:
            return await self.hand_off(FRUSTRATION)
        answer = extract("yes_no", text)
        rejecting = answer is not None and answer.value is False
        rejecting = rejecting and self.tasks.awaiting_kind in ("confirm", "change")
        self._noes = self._noes + 1 if rejecting else 0
        if self._noes >= REPEATED_NO_LIMIT:
            return await self.hand_off(FRUSTRATION)
        return None

    async def hand_off(
        self, reason: str, lead: list[str] | None = None, apologize: bool = False
    ) -> list[AgentAction]:
        """Hand the caller to a person for `reason`: a Transfer when someone can answer now,
        else a message for a callback (a ticket with the summary). Never a loop: once a
        message is taken or could not be, the caller is told so. A frustrated caller hears
        one apology in the call, however often they get angry."""
        handoff = self._agent.handoff
        texts = list(lead or [])
        if (apologize or reason == FRUSTRATION) and not self._apologized:
            texts.append(handoff.apology)
            self._apologized = True
        elif reason == NOT_UNDERSTOOD:
            texts.append(handoff.trouble)
        route = handoff.route(reason)
        summary, context = await self._handoff_summary(reason)
        entry = {"reason": reason, "mode": route.mode, "target": route.target, "summary": summary}
        entry["context"] = context
        self.state.handoffs.append(entry)
        if self._taking_message():
            entry["result"] = "message"
            pending = self.tasks.pending_prompt()
            return [Say(text) for text in [*texts, handoff.unavailable, pending] if text]
        if MESSAGE_TASK in self.tasks.failed:
            entry["result"] = "ended"
            return [
                *(Say(text) for text in texts),
                Say(handoff.message_failed),
                EndCall(END_NOT_UNDERSTOOD),
            ]
        if MESSAGE_TASK in self.tasks.completed:
            entry["result"] = "message"
            said = [*texts, handoff.unavailable, self._texts.follow_up]
            if " ".join(text for text in said if text) == last_said(self.state):
                said[len(texts)] = MESSAGE_ALREADY_TAKEN  # asked again: not the same words
            return [Say(text) for text in said if text]
        people = route.target is not None and not self._people_unreachable
        if reason == CALLBACK or not (people and self._agent.people_available()):
            entry["result"] = "message"
            if reason != CALLBACK:
                texts.append(handoff.failed if self._people_unreachable else handoff.closed_text())
            return await self._take_message(reason, summary, texts)
        entry["result"] = "pending"
        self.tasks.cancel()
        texts.append(route.say)
        if route.mode == "warm":
            texts.append(handoff.hold)
        transfer = Transfer(
            reason=reason,
            target=route.target,
            mode=route.mode,
            summary=summary,
            briefing=briefing(self._agent.spec.business, summary),
            ring_s=handoff.ring_s,
            context=context,
        )
        return [*(Say(text) for text in texts), transfer]

    async def transfer_failed(self) -> list[AgentAction]:
        """Nobody took the transfer: back to the caller with the offer of a callback."""
        self._people_unreachable = True
        last = self.state.handoffs[-1] if self.state.handoffs else {}
        reason, summary = last.get("reason", ASKED_FOR_HUMAN), last.get("summary", "")
        return await self._take_message(reason, summary, [self._agent.handoff.failed])

    async def _take_message(self, reason: str, summary: str, texts: list[str]) -> list[AgentAction]:
        tasks = self.tasks
        tasks.cancel()
        tasks.values[HANDOFF_REASON] = reason_phrase(reason)
        tasks.values[HANDOFF_SUMMARY] = summary
        tasks.values[TICKET_PRIORITY] = ticket_priority(reason)
        if self._call_id:
            tasks.values[CALL_ID] = self._call_id
        if CALLBACK_PHONE not in tasks.values:
            known = self._known_phone()
            if known is not None:
                tasks.values[CALLBACK_PHONE] = known
        self.state.intent = MESSAGE_TASK
        reply = await self._task_reply(await tasks.start(MESSAGE_TASK, ""))
        return [*(Say(text) for text in texts), *reply]

    async def _handoff_summary(self, reason: str) -> tuple[str, dict]:
        facts = call_facts(self.tasks, self.state, self._agent.spec)
        context = handoff_context(reason, facts, self._caller_phone, self._last_words)
        model = self._agent.language_model
        summary = await handoff_summary(
            model, transcript(self.state), facts, reason, self._last_words
        )
        return summary, context

    def _known_phone(self) -> str | None:
        """A number the caller already gave (a phone slot), else their caller id; read back
        before the message is sent, so a wrong guess is corrected, not used."""
        for name, spec in self._agent.spec.slots.items():
            if spec.type == "phone_number" and self.tasks.values.get(name):
                return self.tasks.values[name]
        caller_id = extract("phone_number", self._caller_phone) if self._caller_phone else None
        return None if caller_id is None else caller_id.value

    def _taking_message(self) -> bool:
        return self.tasks.task is not None and self.tasks.task.name == MESSAGE_TASK
