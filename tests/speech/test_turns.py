"""Turn-taking as deterministic timelines: VAD probabilities per 20 ms frame."""

from callwright.speech.turns import (
    TurnEventKind,
    TurnTaking,
    TurnTakingOptions,
    is_backchannel,
    sounds_complete,
)

FRAME_S = 0.02


def run(policy: TurnTaking, timeline: list[tuple[float, float, float]], agent_speaking=False):
    """timeline: (start_s, end_s, probability) segments; returns [(kind, at)]."""
    events = []
    end = max(segment[1] for segment in timeline)
    steps = round(end / FRAME_S)
    for step in range(1, steps + 1):
        at = step * FRAME_S
        probability = next((p for s, e, p in timeline if s < at <= e + 1e-9), 0.0)
        speaking = agent_speaking(at) if callable(agent_speaking) else agent_speaking
        for event in policy.on_frame(at, probability, speaking):
            events.append((event.kind, round(event.at, 3), event))
    return events


def kinds(events):
    return [kind for kind, _, _ in events]


def test_complete_sentence_ends_turn_after_short_silence():
    policy = TurnTaking()
    events = run(policy, [(0.5, 2.5, 0.9), (2.5, 2.6, 0.0)])
    assert kinds(events) == [TurnEventKind.SPEECH_STARTED, TurnEventKind.PAUSED]
    paused_at = events[-1][1]
    assert abs(paused_at - 2.58) < 1e-6  # 80 ms of silence after speech ending at 2.5
    # the transcript arrives and sounds complete; 100 ms of silence heard so far
    assert policy.transcript_ready(2.61, "What are your opening hours?") == []
    more = run_from(policy, 2.6, 2.7)  # the turn ends once 160 ms of silence is heard
    assert kinds(more) == [TurnEventKind.END_OF_TURN]
    ended = more[0][2]
    assert abs(ended.at - 2.66) < 1e-6
    assert abs(ended.speech_end - 2.5) < 1e-6
    assert abs(ended.speech_start - 0.5) < 1e-6


def test_a_transcript_ready_while_frames_are_held_up_does_not_end_the_turn():
    """On a busy machine the next frames can come late: silence is what was heard, not the
    time that passed, so speech still on its way ("Can I talk... to a real person") is kept."""
    policy = TurnTaking()
    run(policy, [(0.5, 1.0, 0.9), (1.0, 1.1, 0.0)])
    assert policy.transcript_ready(1.5, "Can I talk?") == []  # 400 ms passed, 100 ms heard
    resumed = run_from(policy, 1.1, 1.3, probability=0.9)  # the held-up frames: speech
    assert kinds(resumed) == [TurnEventKind.RESUMED]


def test_trailing_off_waits_for_the_long_silence():
    policy = TurnTaking()
    events = run(policy, [(0.0, 1.0, 0.9), (1.0, 1.1, 0.0)])
    assert kinds(events)[-1] is TurnEventKind.PAUSED
    assert policy.transcript_ready(1.2, "My phone number is") == []
    more = run_from(policy, 1.1, 2.2)
    assert kinds(more) == [TurnEventKind.END_OF_TURN]
    assert abs(more[0][1] - (1.0 + 1.1)) < 1e-6


def test_an_answer_that_decides_an_action_is_let_finish():
    """ "I did... n't buy anything": a pause that would end an ordinary complete turn does
    not end a yes or no that writes to the records."""
    policy = TurnTaking()
    policy.decisive = True
    run(policy, [(0.5, 1.0, 0.9), (1.0, 1.1, 0.0)])
    assert policy.transcript_ready(1.2, "I did.") == []  # 200 ms: not over yet
    resumed = run_from(policy, 1.2, 1.6, probability=0.9)  # "...n't buy anything"
    assert kinds(resumed) == [TurnEventKind.RESUMED]
    later = run_from(policy, 1.6, 1.8)
    assert kinds(later) == [TurnEventKind.PAUSED]
    assert policy.transcript_ready(1.8, "I didn't buy anything.") == []
    ended = run_from(policy, 1.8, 2.1)
    assert kinds(ended) == [TurnEventKind.END_OF_TURN]
    assert abs(ended[0][1] - (1.6 + 0.46)) < 0.03  # after 450 ms of silence


def run_from(policy, start, end, probability=0.0):
    events = []
    step = round(start / FRAME_S)
    while step * FRAME_S < end - 1e-9:
        step += 1
        for event in policy.on_frame(step * FRAME_S, probability, False):
            events.append((event.kind, round(event.at, 3), event))
    return events


def test_slow_speaker_resuming_after_pause_is_not_cut_off():
    policy = TurnTaking()
    events = run(policy, [(0.0, 1.0, 0.9), (1.0, 1.5, 0.1), (1.5, 2.5, 0.9), (2.5, 2.6, 0.0)])
    assert kinds(events) == [
        TurnEventKind.SPEECH_STARTED,
        TurnEventKind.PAUSED,
        TurnEventKind.RESUMED,
        TurnEventKind.PAUSED,
    ]
    assert TurnEventKind.END_OF_TURN not in kinds(events)


def test_click_shorter_than_onset_is_ignored():
    policy = TurnTaking()
    events = run(policy, [(0.5, 0.54, 0.95), (0.54, 2.0, 0.0)])
    assert events == []


def test_barge_in_fires_after_sustained_speech_over_the_agent():
    policy = TurnTaking(TurnTakingOptions(barge_in_ms=100))
    events = run(policy, [(1.0, 1.5, 0.9)], agent_speaking=True)
    barge = [e for e in events if e[0] is TurnEventKind.BARGE_IN]
    assert len(barge) == 1
    assert abs(barge[0][1] - 1.1) < 1e-6
    assert barge[0][2].barge_in


def test_no_barge_in_when_agent_is_silent():
    policy = TurnTaking()
    events = run(policy, [(1.0, 1.5, 0.9)], agent_speaking=False)
    assert TurnEventKind.BARGE_IN not in kinds(events)


def test_short_noise_burst_over_agent_does_not_barge_in():
    policy = TurnTaking()
    events = run(policy, [(1.0, 1.06, 0.9), (1.06, 1.5, 0.0)], agent_speaking=True)
    assert TurnEventKind.BARGE_IN not in kinds(events)


def test_sounds_complete():
    assert sounds_complete("What time do you open on Saturday?")
    assert sounds_complete("I need a haircut")
    assert not sounds_complete("I'd like to book a haircut and")
    assert not sounds_complete("my number is")
    assert not sounds_complete("It's about my card and")
    # what callers end turns with: not held for the incomplete-turn wait
    assert sounds_complete("No, that's it.")
    assert sounds_complete("Yes, please, start it")
    assert sounds_complete("Okay.")
    assert not sounds_complete("um")
    assert not sounds_complete("")


def test_backchannels():
    assert is_backchannel("Mm-hmm.")
    assert is_backchannel("okay")
    assert is_backchannel("Yeah, right.")
    assert not is_backchannel("wait, stop")
    assert not is_backchannel("what are your hours")
    assert not is_backchannel("")
