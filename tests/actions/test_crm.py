"""CRM actions: finding callers by phone or name and birth date, notes, lead qualification."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, select
from sqlalchemy.orm import Session

from callwright.actions import crm
from callwright.actions.registry import ActionRegistry
from callwright.store.business.crm import Lead, Note, Person
from callwright.store.models import Base
from tests.actions.dental_demo import NOW, context, seed_dental


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'business.db'}")
    Base.metadata.create_all(engine)
    seed_dental(engine)
    yield engine
    engine.dispose()


@pytest.mark.parametrize(
    ("raw", "e164"),
    [("+15551230001", "+15551230001"), ("(555) 123-0001", "+15551230001"),
     ("555.123.0001", "+15551230001"), ("1 555 123 0001", "+15551230001"),
     ("sip:+15551230001@pbx.example.org", "+15551230001"),
     ("tel:+44-20-7946-0958", "+442079460958"),
     ("0044 20 7946 0958", "+442079460958"), ("123 0001", None), ("hello", None), ("", None)],
)  # fmt: skip
def test_phone_numbers_normalise_to_e164(raw: str, e164: str | None) -> None:
    assert crm.normalize_phone(raw) == e164


@pytest.mark.parametrize("phone", ["+15551230001", "(555) 123-0001", "555 123 0001", "15551230001"])
def test_a_caller_is_found_by_phone_in_any_format(engine: Engine, phone: str) -> None:
    result = crm.find_person(context(engine), phone=phone)
    assert result.ok
    assert (result.data["first_name"], result.data["last_name"]) == ("Maria", "Lopez")


def test_a_caller_is_found_by_name_and_birth_date_ignoring_case_and_accents(
    engine: Engine,
) -> None:
    result = crm.find_person(
        context(engine), first_name="MARÍA", last_name="lópez", birth_date="1985-03-14"
    )
    assert result.ok and result.data["full_name"] == "Maria Lopez"
    wrong_birthday = crm.find_person(
        context(engine), first_name="Maria", last_name="Lopez", birth_date="1985-03-15"
    )
    assert wrong_birthday.error == "not_found"
    wrong_name = crm.find_person(
        context(engine), phone="+15551230001", first_name="James", birth_date="1985-03-14"
    )
    assert wrong_name.error == "not_found"


def test_too_little_to_identify_is_asked_for(engine: Engine) -> None:
    assert crm.find_person(context(engine), first_name="Maria", last_name="Lopez").error == (
        "invalid"
    )
    assert crm.find_person(context(engine), phone="12").error == "invalid"
    assert crm.find_person(context(engine), last_name="Lopez", birth_date="March").error == (
        "invalid"
    )


def test_two_people_on_one_phone_are_ambiguous_until_named(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        business = crm.business_for(session, "dental")
        crm.create_person(
            session, business, first_name="Ana", last_name="Lopez",
            birth_date="2012-06-01", phone="555-123-0001", created_at=NOW,
        )  # fmt: skip
    result = crm.find_person(context(engine), phone="+15551230001")
    assert result.error == "ambiguous" and result.data["count"] == 2
    named = crm.find_person(context(engine), phone="+15551230001", first_name="ana")
    assert named.ok and named.data["first_name"] == "Ana"


def test_people_of_another_business_are_invisible(engine: Engine) -> None:
    seed_dental(engine, slug="other")
    with Session(engine) as session:
        assert len(session.scalars(select(Person)).all()) == 4
    assert crm.find_person(context(engine), phone="+15551230002").ok


def test_a_note_is_stored_with_the_call(engine: Engine) -> None:
    maria = crm.find_person(context(engine), phone="+15551230001").data["person_id"]
    result = crm.add_note(context(engine, call_id="call-7"), maria, "  Wants a reminder text ")
    assert result.ok
    with Session(engine) as session:
        notes = session.scalars(select(Note).where(Note.person_id == maria).order_by(Note.id))
        assert [(n.text, n.call_id) for n in notes] == [
            ("Prefers morning appointments", None),
            ("Wants a reminder text", "call-7"),
        ]
    assert crm.add_note(context(engine), 999, "x").error == "not_found"
    assert crm.add_note(context(engine), maria, " ").error == "invalid"


def _lead(engine: Engine, lead_id: int) -> Lead:
    with Session(engine) as session:
        return session.get_one(Lead, lead_id)


def test_a_lead_qualifies_by_the_default_rule_as_answers_arrive(engine: Engine) -> None:
    first = crm.save_lead(
        context(engine, call_id="s1"), name="Dana Reyes", company="Globex", phone="555 777 1234"
    )
    assert first.ok and first.data["qualified"] is False
    lead_id = first.data["lead_id"]
    crm.save_lead(context(engine), lead_id=lead_id, team_size="12", need="usage dashboards")
    assert _lead(engine, lead_id).qualified is False  # no budget or timeline yet
    last = crm.save_lead(
        context(engine), lead_id=lead_id, budget="about 800 a month", timeline_months=2,
        authority="yes",
    )  # fmt: skip
    assert last.data["qualified"] is True
    stored = _lead(engine, lead_id)
    assert (stored.name, stored.phone, stored.team_size, stored.authority, stored.call_id) == (
        "Dana Reyes", "+15557771234", 12, True, "s1",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "qualified"),
    [({"team_size": 9, "budget": "500", "timeline_months": 1}, False),
     ({"team_size": 10, "budget": "500", "timeline_months": 3}, True),
     ({"team_size": 50, "budget": "500", "timeline_months": 4}, False),
     ({"team_size": 50, "budget": "no budget", "timeline_months": 1}, False),
     ({"team_size": 50, "budget": "Not sure", "timeline_months": 1}, False)],
)  # fmt: skip
def test_default_qualification_rule(engine: Engine, fields: dict, qualified: bool) -> None:
    assert crm.save_lead(context(engine), **fields).data["qualified"] is qualified


def test_a_rule_from_the_agent_file_replaces_the_default(engine: Engine) -> None:
    rule = {"min_team_size": 3, "max_timeline_months": 6, "authority_required": True}
    fields = {"team_size": 4, "budget": "300", "timeline_months": 5}
    assert crm.save_lead(context(engine), qualification=rule, **fields).data["qualified"] is False
    result = crm.save_lead(context(engine), qualification=rule, authority=True, **fields)
    assert result.data["qualified"] is True
    bad = crm.save_lead(context(engine), qualification={"min_budget": 5}, **fields)
    assert bad.error == "invalid"


def test_disposition_is_recorded_and_checked(engine: Engine) -> None:
    lead_id = crm.save_lead(context(engine), name="Sam").data["lead_id"]
    assert crm.set_disposition(context(engine), lead_id, "follow_up").ok
    assert _lead(engine, lead_id).disposition == "follow_up"
    assert crm.set_disposition(context(engine), lead_id, "sold_to_aliens").error == "invalid"
    assert crm.set_disposition(context(engine), 9999, "nurture").error == "not_found"
    assert _lead(engine, lead_id).disposition == "follow_up"


def test_seeded_lead_is_qualified_and_linked_fields_are_kept(engine: Engine) -> None:
    with Session(engine) as session:
        lead = session.scalars(select(Lead)).one()
        assert (lead.name, lead.phone, lead.qualified, lead.disposition) == (
            "Pat Doe", "+15551239999", True, "handed_to_rep",
        )  # fmt: skip


async def test_unknown_lead_fields_fail_through_the_registry(engine: Engine) -> None:
    registry = ActionRegistry()
    crm.register(registry)
    result = await registry.run("crm.save_lead", {"shoe_size": 9}, context(engine))
    assert result.error == "invalid"
    found = await registry.run("crm.find_person", {"phone": "5551230002"}, context(engine))
    assert found.data["full_name"] == "James Wilson"
