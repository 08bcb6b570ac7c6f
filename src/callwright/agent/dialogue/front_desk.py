"""The front-desk conversation: answer what the caller asks, from fixed texts, and end well.

Each call of a `FrontDeskAgent` (front_desk_agent.py) gets a `FrontDeskConversation`.
A reply is a few `Say`s, recorded in the history as they are yielded (history.py), so when
the caller barges in `agent_was_interrupted` can replace the whole turn with what they
heard. The counters in `state` count in a row: understanding the caller resets the
not-understood ladder, and any caller input resets the no-input ladder. The replies to words
are `SaidReplies` (said.py); this module keeps the call's course: greeting, keypad, silence,
checkpoints and copies, and on a call the agent placed, the callee's "don't call me again"
(outbound.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING

from callwright.actions.registry import RunAction
from callwright.agent.conversation import (
    AgentAction,
    CallerInput,
    CallerKeyed,
    CallerSaid,
    CallerSilent,
    ConversationState,
    EndCall,
    PressKeys,
    Say,
    TransferFailed,
)
from callwright.agent.dialogue.answers import Answers
from callwright.agent.dialogue.call_facts import call_facts, transcript
from callwright.agent.dialogue.checkpoint import (
    Checkpoint,
    CountedActions,
    restore_checkpoint,
    speculative_copy,
    take_checkpoint,
)
from callwright.agent.dialogue.handing_off import HandOffPolicy
from callwright.agent.dialogue.history import add_caller, keep_heard, recorded, reprompt
from callwright.agent.dialogue.outbound import END_OPTED_OUT, contact_values, opening, opts_out
from callwright.agent.dialogue.phone_menu import PhoneMenu
from callwright.agent.dialogue.said import SaidReplies
from callwright.agent.dialogue.task_choice import TaskQuestion
from callwright.agent.dialogue.tasks import TaskRunner
from callwright.agent.llm.client import summarize_call
from callwright.agent.spec.handoff import ASKED_FOR_HUMAN, NO_INPUT

if TYPE_CHECKING:
    from callwright.agent.dialogue.front_desk_agent import FrontDeskAgent

KEYPAD_HUMAN_DIGIT, KEYPAD_HELP_DIGIT = "0", "*"  # the operator, as on every phone menu; the menu
END_NO_INPUT = "no input"


class FrontDeskConversation(SaidReplies):
    """One call's conversation with a `FrontDeskAgent` (the `Conversation` protocol)."""

    def __init__(
        self,
        agent: FrontDeskAgent,
        run_action: RunAction | None = None,
        caller_phone: str = "",
        outbound: bool = False,
        call_id: str | None = None,
        contact: Mapping[str, str] | None = None,
    ) -> None:
        self.state = ConversationState()
        self._outbound = agent.spec.outbound if outbound else None  # how a call we placed opens
        self._contact = dict(contact or {})
        menu = agent.spec.phone_menu if outbound else None
        self._menu = PhoneMenu(menu) if menu else None  # until a person answers (phone_menu.py)
        self._agent = agent
        self._texts = agent.texts
        self._answers = Answers(agent, self.state)
        self._offered_more = False  # the last reply asked whether the caller needs anything else
        self._task_question: TaskQuestion | None = None  # asked: which of two tasks?
        self._actions = CountedActions(run_action, agent.changes_records)
        self.tasks = TaskRunner(
            agent.tasks,
            agent.slots,
            agent.spec.verification,
            self._actions.runner(),
            agent.today,
            None if outbound else caller_phone or None,  # a number we dialled proves nobody
        )
        if self._outbound is not None:
            values = contact_values(
                self._outbound, self._contact, agent.slots, agent.spec.verification, agent.today
            )
            self.tasks.values.update(values)
        self._handoffs = HandOffPolicy(
            agent, self.state, self.tasks, self._task_reply, caller_phone, call_id
        )

    def greet(self) -> AsyncIterator[AgentAction]:
        return recorded(self.state, self._in_menu("") if self._menu else self._greeting())

    async def _greeting(self) -> list[AgentAction]:
        spec = self._agent.spec
        greeting: list[AgentAction] = [Say(self._texts.greeting)]
        start = spec.start_task
        if self._outbound is not None:
            greeting = [Say(opening(self._outbound, spec.business, self._contact))]
            start = self._outbound.start_task
        if start is None:
            return greeting
        self.state.intent = start
        return greeting + await self._task_reply(await self.tasks.start(start, ""))

    def respond(self, caller_input: CallerInput) -> AsyncIterator[AgentAction]:
        if isinstance(caller_input, CallerSaid):
            add_caller(self.state, caller_input.text)
        elif isinstance(caller_input, CallerKeyed):
            add_caller(self.state, f"[keypad {caller_input.digits}]")
        if self._menu is not None and isinstance(caller_input, CallerSaid | CallerSilent):
            heard = caller_input.text if isinstance(caller_input, CallerSaid) else ""
            return recorded(self.state, self._in_menu(heard))
        if self._outbound and opts_out(self._outbound, caller_input, self.tasks.takes_keys()):
            actions = self._opt_out(self._outbound.opt_out_say)
        elif isinstance(caller_input, CallerSaid):
            actions = self._said(caller_input.text)
        elif isinstance(caller_input, CallerKeyed):
            actions = self._keyed(caller_input.digits)
        elif isinstance(caller_input, TransferFailed):
            actions = self._handoffs.transfer_failed()
        else:
            actions = self._silent(caller_input)
        return recorded(self.state, actions)

    async def summary(self) -> str:
        """A sentence or two for a human who reads or takes over the call."""
        facts = call_facts(self.tasks, self.state, self._agent.spec)
        return await summarize_call(self._agent.language_model, transcript(self.state), facts)

    def takes_short_answers(self) -> bool:
        """Whether "yes" or "okay" over the agent's speech answers its question."""
        return self.tasks.awaiting_yes_no()

    def hears_awaited(self, text: str) -> bool | None:
        return self.tasks.hears_awaited(text)

    def decides_action(self) -> bool:
        """Whether the yes or no awaited now decides what is written (every yes-or-no of a
        task does: a read-back, or one that records a charge as the caller's own)."""
        return self.tasks.awaiting_yes_no()

    def checkpoint(self) -> Checkpoint:
        """The conversation as it is now, to go back to (`restore`)."""
        return take_checkpoint(self, self._actions, self._shared())

    def speculative_copy(self) -> FrontDeskConversation:
        """A copy to answer ahead of time; it raises `WouldChangeRecords` at a write."""
        return speculative_copy(self, self._actions, self._shared())

    def _shared(self) -> list[object]:
        """What a copy references instead of copying: the agent and its specs."""
        agent = self._agent
        return [agent, agent.spec, agent.spec.outbound, agent.slots, agent.tasks, *agent.tasks]

    def restore(self, checkpoint: Checkpoint) -> bool:
        """Back to `checkpoint`, unless an action ran since (then False)."""
        return restore_checkpoint(self, self._actions, checkpoint)

    def handoff_result(self, connected: bool, detail: str) -> None:
        """The call layer's word on the last transfer: connected, or why not."""
        self._handoffs.result(connected, detail)

    def agent_was_interrupted(self, heard_text: str) -> None:
        """Keep only what the caller heard of the agent's last turn; drop it if nothing."""
        keep_heard(self.state, heard_text)

    async def _opt_out(self, say: str) -> list[AgentAction]:
        """The callee asked not to be called again: whatever was under way, goodbye."""
        self.tasks.cancel()
        self.state.task = self.tasks.state()
        self.state.opted_out = True
        return [Say(say), EndCall(END_OPTED_OUT)]

    async def _in_menu(self, heard: str) -> list[AgentAction]:
        """In a business's phone menu: press the agent file's keys for a prompt, say nothing
        otherwise; the first words of a person end the menu, and the agent greets them."""
        assert self._menu is not None
        keys = self._menu.hear(heard)
        if keys is None:
            self._menu = None
            return await self._greeting()
        return [PressKeys(keys)] if keys else []

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
            return await self._answer(self._texts.keypad[digit])
        self._offered_more = False
        if digit == KEYPAD_HUMAN_DIGIT:
            return await self._hand_off(ASKED_FOR_HUMAN)
        if digit == KEYPAD_HELP_DIGIT:
            return [Say(self._texts.keypad_menu)]
        return [Say(self._texts.unknown_key)]

    async def _silent(self, silence: CallerSilent) -> list[AgentAction]:
        self.state.no_input_count += 1
        reprompts = self._texts.reprompts
        if self.state.no_input_count > len(reprompts):
            if self._agent.spec.no_input.then == "handoff":
                return await self._hand_off(NO_INPUT)
            return [Say(self._texts.no_input_goodbye), EndCall(END_NO_INPUT)]
        return [Say(reprompt(self.state.no_input_count, reprompts, self.tasks.pending_prompt()))]
