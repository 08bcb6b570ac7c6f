"""A `PressKeys` reply on the virtual line: the keys go out through the transport after what
the agent said before them, once, and the call records them as a "keys_sent" event."""

from callwright.agent.conversation import CallerSaid, PressKeys, Say
from tests.support.virtual_call import EchoAgent, EchoConversation, Phrase, run_call


class MenuConversation(EchoConversation):
    """Answers "press two" by saying "okay" and pressing 2, "press quietly" by pressing 9#."""

    async def respond(self, caller_input):
        if isinstance(caller_input, CallerSaid) and caller_input.text == "press two":
            self.inputs.append(caller_input)
            yield Say("okay")
            yield PressKeys("2")
            return
        if isinstance(caller_input, CallerSaid) and caller_input.text == "press quietly":
            self.inputs.append(caller_input)
            yield PressKeys("9#")
            return
        async for action in super().respond(caller_input):
            yield action


def menu_agent() -> EchoAgent:
    agent = EchoAgent()
    agent.conversation = MenuConversation()
    return agent


async def test_keys_go_out_after_the_words_before_them_and_are_recorded():
    phrases = [Phrase(1.0, 1.6, "press two")]
    line, _, record = await run_call(phrases, 4.0, agent=menu_agent())
    assert [digits for _, digits in line.pressed] == ["2"]
    pressed_at = line.pressed[0][0]
    okay = [at for at, frame in line.sent if frame.utterance_id is not None and at > 1.6]
    assert okay and pressed_at >= max(okay)  # "okay" was on the wire before the key
    sent = [event for event in record.events if event.kind == "keys_sent"]
    assert [event.data for event in sent] == [{"digits": "2"}]


async def test_a_reply_of_keys_only_says_nothing():
    phrases = [Phrase(1.0, 1.6, "press quietly")]
    line, _, record = await run_call(phrases, 4.0, agent=menu_agent())
    assert [digits for _, digits in line.pressed] == ["9#"]
    assert not [at for at, frame in line.sent if frame.utterance_id is not None and at > 1.6]
    assert [e.data["digits"] for e in record.events if e.kind == "keys_sent"] == ["9#"]
