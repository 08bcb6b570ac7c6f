"""Bright Smile Dental: booking, rescheduling and cancelling leave the right records."""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise

from sqlalchemy import select
from sqlalchemy.orm import Session

from callwright.store.business.crm import Person
from callwright.store.business.scheduling import Appointment, Provider


def appointments_of(engine, first_name: str) -> list[tuple[str, str, datetime]]:
    with Session(engine) as session:
        rows = session.execute(
            select(Appointment.status, Provider.name, Appointment.starts_at)
            .join(Provider, Provider.id == Appointment.provider_id)
            .join(Person, Person.id == Appointment.person_id)
            .where(Person.first_name == first_name)
            .order_by(Appointment.starts_at)
        ).all()
    return [(status, provider, starts.astimezone()) for status, provider, starts in rows]


def local(moment: datetime) -> str:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo("America/Chicago")).strftime("%a %H:%M")


async def test_new_patient_books_a_checkup_after_verifying_and_a_correction(call, engine):
    caller = call("dental")
    await caller.start()
    reply = await caller.says("Hi, I'd like to book a checkup please")
    assert "name" in reply.lower()  # identity first
    assert "birth" in (await caller.says("James Wilson")).lower()
    assert "day" in (await caller.says("November second nineteen seventy two")).lower()
    assert "morning or afternoon" in await caller.says("next Wednesday")
    offer = await caller.says("any time is fine")
    assert "Wednesday, December 2" in offer
    offer = await caller.says("no, Thursday not Wednesday, around two pm")
    assert "Thursday, December 3 at 2 PM" in offer
    confirm = await caller.says("2 pm please")
    assert "checkup" in confirm and "Thursday, December 3 at 2 PM" in confirm
    done = await caller.says("yes")
    assert "all set" in done.lower()
    booked = appointments_of(engine, "James")
    assert [(status, local(start)) for status, _, start in booked] == [("booked", "Thu 14:00")]


async def test_caller_id_recognises_maria_and_she_moves_her_cleaning(call, engine):
    caller = call("dental", caller_id="sip:+15551230001@127.0.0.1")
    await caller.start()
    reply = await caller.says("I need to reschedule my appointment")
    assert "day" in reply.lower()  # recognised by caller id: no name or birth date asked
    assert "morning or afternoon" in await caller.says("Friday")
    offer = await caller.says("it doesn't matter")
    assert "Friday, December 4" in offer
    # 11 was not offered: the agent searches again from 11 and takes the 11 o'clock opening
    confirm = await caller.says("do you have something at eleven?")
    assert "from Tuesday, December 1 at 10 AM to Friday, December 4 at 11 AM" in confirm
    await caller.says("yes, that's right")
    booked = appointments_of(engine, "Maria")
    assert [(status, local(start)) for status, _, start in booked] == [("booked", "Fri 11:00")]


async def test_side_question_mid_flow_is_answered_and_the_flow_resumes(call, engine):
    caller = call("dental", caller_id="+15551230001")
    await caller.start()
    await caller.says("I want to cancel my appointment")
    reply = await caller.says("actually first, what are your hours?")
    assert "Monday to Friday" in reply
    assert "cancel your cleaning on Tuesday, December 1" in reply  # back to the question
    await caller.says("yes please")
    assert [status for status, _, _ in appointments_of(engine, "Maria")] == ["cancelled"]


async def test_an_answer_with_a_question_in_it_gets_both_taken(call):
    caller = call("dental", caller_id="+15551230001")
    await caller.start()
    await caller.says("I'd like to book a filling")
    await caller.says("Friday")
    reply = await caller.says("Afternoon if you can. Actually, what time do you close on Fridays?")
    assert "Monday to Friday" in reply  # the question answered
    assert "Shall I book it?" in reply and "PM" in reply  # and the afternoon taken


async def test_birth_date_keyed_on_the_phone_keypad(call):
    caller = call("dental")
    await caller.start()
    await caller.says("when is my appointment")
    await caller.says("My name is Maria Lopez, L-O-P-E-Z")
    assert await caller.keys("0314") == ""  # still typing: the agent waits silently
    reply = await caller.keys("1985")
    assert "cleaning with Dr. Sarah Chen on Tuesday, December 1 at 10 AM" in reply


async def test_wrong_birth_date_is_not_accepted_and_nothing_is_booked(call, engine):
    caller = call("dental")
    await caller.start()
    await caller.says("book a cleaning")
    await caller.says("Maria Lopez")
    reply = await caller.says("January first nineteen ninety")
    assert "couldn't find" in reply.lower()
    await caller.says("Maria Lopez")
    reply = await caller.says("February second two thousand")
    assert "can't find your record" in reply.lower()
    assert len(appointments_of(engine, "Maria")) == 1  # only the seeded one


async def test_topic_switch_to_another_task_and_back(call, engine):
    caller = call("dental", caller_id="+15551230001")
    await caller.start()
    ask = await caller.says("I'd like to book a checkup")
    assert "What day" in ask
    reply = await caller.says("wait, first, when is my appointment?")
    assert "cleaning with Dr. Sarah Chen on Tuesday, December 1 at 10 AM" in reply
    assert reply.endswith("What day would suit you?")  # back to the booking
    await caller.says("Wednesday")
    offer = await caller.says("whatever's earliest")
    assert "Wednesday, December 2" in offer  # the checkup was remembered


async def test_a_bare_hour_while_choosing_looks_for_that_time(call, engine):
    caller = call("dental", "+15551230002")
    await caller.start()
    await caller.says("I'd like to book a checkup next Wednesday")
    offered = await caller.says("no preference")
    assert "Which would you like" in offered and "11 AM" not in offered
    confirm = await caller.says("Eleven, please.")
    assert "11 AM" in confirm and "Shall I book it" in confirm


async def test_a_change_of_mind_mid_task_switches_to_the_task_now_named(call, engine):
    caller = call("dental", "+15551230001")
    await caller.start()
    await caller.says("I'd like to book an appointment")
    moving = await caller.says("actually, no, I need to reschedule my appointment instead")
    assert "Which" in moving or "day" in moving.lower()
    assert caller.conversation.state.intent == "reschedule"


async def test_the_time_of_day_asked_for_is_the_time_booked(call, engine):
    caller = call("dental", "+15551230002")
    await caller.start()
    await caller.says("I need to get in for a checkup")
    assert "morning or afternoon" in await caller.says("Wednesday works")
    confirm = await caller.says("sometime after lunch is best")
    assert "Wednesday, December 2 at 1 PM" in confirm  # the first opening after lunch
    await caller.says("yes")
    booked = appointments_of(engine, "James")
    assert [local(start) for status, _, start in booked if status == "booked"] == ["Wed 13:00"]


async def test_every_detail_of_the_first_sentence_is_used(call, engine):
    """Born "November second": the "second" picks no appointment type."""
    caller = call("dental")
    await caller.start()
    confirm = await caller.says(
        "Hi, this is James Wilson, date of birth November second, nineteen seventy-two, and "
        "I need to get a filling done with Doctor Chen, Friday morning if possible."
    )
    assert "filling with Dr. Sarah Chen on Friday, December 4" in confirm
    assert "AM" in confirm and "Shall I book it" in confirm


async def test_moving_instead_of_booking_moves_it_to_the_day_named_and_books_nothing(
    call, engine
):
    caller = call("dental", "+15551230001")
    await caller.start()
    await caller.says("I'd like to book a cleaning, please")
    confirm = await caller.says(
        "oh wait, I already have a cleaning on Tuesday, don't I? Can we just move that one to "
        "Friday afternoon instead of booking a new one?"
    )
    assert "move your cleaning from Tuesday, December 1" in confirm
    assert "to Friday, December 4 at 1 PM" in confirm
    done = await caller.says("yes, perfect")
    assert "back to what we were doing" not in done  # the booking was dropped, not set aside
    booked = appointments_of(engine, "Maria")
    assert [(status, local(start)) for status, _, start in booked] == [("booked", "Fri 13:00")]


async def test_the_day_of_the_appointment_to_move_is_not_the_new_day(call):
    caller = call("dental", "+15551230001")
    await caller.start()
    reply = await caller.says("I've got a cleaning on Tuesday and I need to change it")
    if "book a new appointment" in reply:  # asked which was meant
        reply = await caller.says("move it")
    assert reply.endswith("What day would suit you?")
    assert "morning or afternoon" in await caller.says("Thursday")
    offer = await caller.says("Wednesday actually, late morning")  # the newer day counts
    assert "Wednesday, December 2 at 10:30 AM" in offer


async def test_a_read_back_answered_both_ways_twice_is_left_undone(call, engine):
    caller = call("dental", "+15551230001")
    await caller.start()
    await caller.says("I need to cancel my appointment")
    torn = "yes, well, actually no, hmm"
    assert "yes or a no" in await caller.says(torn)
    reply = await caller.says(torn)  # never the same question a third time
    assert "leave that as it is" in reply
    assert [status for status, _, _ in appointments_of(engine, "Maria")] == ["booked"]


async def test_a_read_back_called_off_is_not_done_and_not_asked_again(call, engine):
    caller = call("dental", "+15551230001")
    await caller.start()
    await caller.says("I need to cancel my appointment")
    reply = await caller.says("yes, well, actually no, don't cancel it, leave it as it is")
    assert "won't go ahead" in reply and "?" in reply and "cancel" not in reply.lower()
    assert [status for status, _, _ in appointments_of(engine, "Maria")] == ["booked"]


async def test_details_given_before_their_question_are_kept_and_never_the_same_prompt_twice(call):
    caller = call("dental")
    await caller.start()
    replies = [await caller.says(text) for text in (
        "I'd like to book a checkup", "with Doctor Patel", "on Friday", "in the afternoon")]
    assert "Dr. Omar Patel, got it." in replies[1]  # what was taken is read back
    assert "Friday" in replies[2]
    assert all(later != earlier for earlier, later in pairwise(replies))
    values = caller.conversation.tasks.values
    assert values["appointment_type"] == "checkup" and "Patel" in values["provider"]
    assert values["day"].strftime("%A") == "Friday"


async def test_the_task_turned_down_in_the_answer_to_which_one_is_not_picked(call, engine):
    caller = call("dental", "+15551230001")
    await caller.start()
    await caller.says(
        "I need to cancel my cleaning on Tuesday. Actually, no, wait, don't cancel it, "
        "can we just move it?"
    )
    reply = await caller.says("No, don't cancel it. Move it, to Thursday morning, please.")
    assert "cancel" not in reply.lower() and "Thursday" in reply
    assert [status for status, _, _ in appointments_of(engine, "Maria")] == ["booked"]


async def test_the_appointment_day_named_a_week_off_is_still_not_the_new_day(call):
    caller = call("dental", "+15551230001")
    await caller.start()
    reply = await caller.says(
        "I've got a cleaning on Tuesday next week and I need to push it back a couple of days"
    )
    if "book a new appointment" in reply:  # asked which was meant
        reply = await caller.says("move it")
    assert reply.endswith("What day would suit you?")  # not moved to the Tuesday after
