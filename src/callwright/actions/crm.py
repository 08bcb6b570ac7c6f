"""CRM actions: find a caller by phone or by name plus birth date, take notes, qualify leads.

Also the helpers the other business backends share: finding the business of a context,
phone numbers in E.164 and accent-free name comparison (`fold_name`, from `likeness`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from callwright.actions.likeness import fold_name
from callwright.actions.people_matching import match_name
from callwright.actions.registry import ActionContext, ActionRegistry, ActionResult
from callwright.store.business.businesses import Business
from callwright.store.business.crm import Lead, Note, Person

DEFAULT_COUNTRY_CODE = "1"  # numbers without one are North American (NANP)
NATIONAL_DIGITS = 10  # NANP: area code + 7 digits
E164_MIN_DIGITS = 8
E164_MAX_DIGITS = 15
DISPOSITIONS = ("handed_to_rep", "follow_up", "not_interested", "nurture")
NO_BUDGET_ANSWERS = frozenset(
    {"no", "none", "nothing", "zero", "0", "no budget", "not sure", "unknown", "dont know"}
)
LEAD_TEXT_FIELDS = ("name", "company", "budget", "need", "plan_recommended")
LEAD_INT_FIELDS = ("team_size", "timeline_months")
_YES = frozenset({"yes", "true", "y", "1"})
_NO = frozenset({"no", "false", "n", "0"})
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


class UnknownBusiness(LookupError):
    """A context or request names a business that is not in the database."""


def business_for(session: Session, slug: str) -> Business:
    """The business with this slug; raises UnknownBusiness (an operator error, not a caller's)."""
    business = session.scalar(select(Business).where(Business.slug == slug))
    if business is None:
        raise UnknownBusiness(
            f"no business {slug!r} in the database; seed it first (`callwright seed`)"
        )
    return business


def zone_of(business: Business) -> ZoneInfo:
    return ZoneInfo(business.timezone)


def start_of_day(day: date, business: Business) -> datetime:
    """Midnight of `day` in the business's time zone: the default time of seeded records."""
    return datetime.combine(day, time(0), tzinfo=zone_of(business))


def normalize_phone(raw: str | None) -> str | None:
    """E.164 ("+15551230001") from what a caller, a form or a SIP header gives; None if invalid.

    Accepts "(555) 123-0001", "555.123.0001", "1 555 123 0001", "+44 20 7946 0958",
    "0044...", "sip:+15551230001@host" and "tel:+1-555-123-0001"; ten digits are North American.
    """
    if not raw:
        return None
    text = str(raw).strip()
    text = re.sub(r"^(sips?|tel):", "", text, flags=re.IGNORECASE).split("@")[0].split(";")[0]
    digits = re.sub(r"\D", "", text)
    if text.startswith("+"):
        pass
    elif digits.startswith("00"):
        digits = digits[2:]
    elif len(digits) == NATIONAL_DIGITS:
        digits = DEFAULT_COUNTRY_CODE + digits
    elif not (len(digits) == NATIONAL_DIGITS + 1 and digits.startswith(DEFAULT_COUNTRY_CODE)):
        return None
    if not E164_MIN_DIGITS <= len(digits) <= E164_MAX_DIGITS:
        return None
    return "+" + digits


def parse_date(value: date | str) -> date:
    """A date from a date, or an ISO date or datetime string; ValueError otherwise."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        return datetime.fromisoformat(text).date()  # "2026-12-01T00:00:00"


def as_int(value: Any) -> int:
    """An integer from an int or digits in a string ("12", "T-10423"); ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, int):
        return value
    digits = re.sub(r"\D", "", str(value))
    if not digits:
        raise ValueError(f"{value!r} is not a number")
    return int(digits)


def as_bool(value: Any) -> bool | None:
    """True/False from a bool or a yes/no word; None for None; ValueError otherwise."""
    if value is None or isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise ValueError(f"{value!r} is not yes or no")


def person_in(session: Session, business: Business, person_id: Any) -> Person | None:
    try:
        number = as_int(person_id)
    except ValueError:
        return None
    person = session.get(Person, number)
    return person if person is not None and person.business_id == business.id else None


def person_data(person: Person) -> dict[str, Any]:
    return {
        "person_id": person.id,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "full_name": f"{person.first_name} {person.last_name}",
        "phone": person.phone,
    }


def create_person(
    session: Session,
    business: Business,
    *,
    first_name: str,
    last_name: str,
    birth_date: date | str | None = None,
    phone: str | None = None,
    email: str | None = None,
    created_at: datetime,
) -> Person:
    """Add a person; ValueError with what to fix for a blank name or an unusable phone number."""
    if not first_name.strip() or not last_name.strip():
        raise ValueError("a person needs a first and a last name")
    e164 = normalize_phone(phone)
    if phone and e164 is None:
        raise ValueError(f"phone {phone!r} is not a phone number; give it as e.g. +15551230001")
    person = Person(
        business_id=business.id,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        birth_date=None if birth_date in (None, "") else parse_date(birth_date),
        phone=e164,
        email=email or None,
        created_at=created_at,
    )
    session.add(person)
    session.flush()
    return person


def find_person(
    context: ActionContext,
    phone: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    birth_date: str | None = None,
) -> ActionResult:
    """Identify the caller by phone, or by name and date of birth.

    The phone and birth date must match exactly; the name may be misheard within the rules of
    `people_matching` (swapped, run together, one letter off). The answer carries the
    person's real name and `matched_exactly`, false when the name heard was not theirs to the
    letter, so the agent reads back whom it found. Two people matching is "ambiguous".
    """
    try:
        born = None if not birth_date else parse_date(birth_date)
    except ValueError:
        return ActionResult.failure("invalid", "I didn't catch that date of birth.")
    e164 = normalize_phone(phone)
    if phone and e164 is None:
        return ActionResult.failure("invalid", "That doesn't sound like a full phone number.")
    if e164 is None and (born is None or not (first_name or last_name)):
        return ActionResult.failure(
            "invalid", "To find your record I need your phone number, or your name and birth date."
        )
    with Session(context.engine) as session:
        business = business_for(session, context.business)
        query = select(Person).where(Person.business_id == business.id).order_by(Person.id)
        if e164 is not None:
            query = query.where(Person.phone == e164)
        if born is not None:
            query = query.where(Person.birth_date == born)
        keyed = list(session.scalars(query))
        found = match_name(
            first_name or "", last_name or "", [(p.first_name, p.last_name) for p in keyed]
        )
        if not found.people:
            return ActionResult.failure("not_found", "I couldn't find a record with those details.")
        if len(found.people) > 1:
            return ActionResult.failure(
                "ambiguous",
                "More than one person matches; could you tell me your full name and birth date?",
                count=len(found.people),
            )
        return ActionResult.success(
            **person_data(keyed[found.people[0]]), matched_exactly=found.exact
        )


def add_note(context: ActionContext, person_id: int, text: str) -> ActionResult:
    if not str(text).strip():
        return ActionResult.failure("invalid", "There was nothing to write down.")
    with Session(context.engine) as session:
        business = business_for(session, context.business)
        person = person_in(session, business, person_id)
        if person is None:
            return ActionResult.failure("not_found", "I couldn't find that person's record.")
        note = Note(
            business_id=business.id,
            person_id=person.id,
            text=str(text).strip(),
            created_at=context.now,
            call_id=context.call_id,
        )
        session.add(note)
        session.commit()
        return ActionResult.success(note_id=note.id, person_id=person.id)


@dataclass(frozen=True, slots=True)
class QualificationRule:
    """When a lead goes to a sales rep. Default: a team of 10 or more, a budget, and a
    timeline within 3 months; the decision maker on the line is optional."""

    min_team_size: int = 10
    max_timeline_months: int = 3
    budget_required: bool = True
    authority_required: bool = False

    @classmethod
    def parse(cls, data: dict[str, Any] | None) -> QualificationRule:
        """From an agent file's `qualification:` mapping; unknown keys are an error."""
        if not data:
            return cls()
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(
                f"unknown qualification keys {sorted(unknown)}; "
                f"known: {sorted(cls.__dataclass_fields__)}"
            )
        return cls(**data)

    def serialize(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    def qualifies(self, lead: Lead) -> bool:
        return (
            lead.team_size is not None
            and lead.team_size >= self.min_team_size
            and lead.timeline_months is not None
            and lead.timeline_months <= self.max_timeline_months
            and (not self.budget_required or budget_given(lead.budget))
            and (not self.authority_required or lead.authority is True)
        )


def budget_given(budget: str | None) -> bool:
    """Whether the caller named a budget ("about 500 a month"), not "none" or "not sure"."""
    if budget is None:
        return False
    words = " ".join(_NOT_ALNUM.sub(" ", budget.casefold()).split())
    return bool(words) and words not in NO_BUDGET_ANSWERS


def save_lead(
    context: ActionContext,
    lead_id: int | None = None,
    person_id: int | None = None,
    phone: str | None = None,
    authority: bool | str | None = None,
    disposition: str | None = None,
    qualification: dict[str, Any] | None = None,
    **fields: Any,
) -> ActionResult:
    """Create a lead, or update `lead_id` with the fields given (None leaves a field as it is),
    then recompute `qualified` by `qualification` (see QualificationRule) or the default.

    Fields: name, company, phone, team_size, budget, authority, need, timeline_months,
    plan_recommended, disposition, person_id.
    """
    unknown = set(fields) - set(LEAD_TEXT_FIELDS) - set(LEAD_INT_FIELDS)
    if unknown:
        raise TypeError(f"save_lead got unknown fields {sorted(unknown)}")
    try:
        rule = QualificationRule.parse(qualification)
        values = _lead_values(fields, authority)
    except (TypeError, ValueError):
        return ActionResult.failure("invalid", "Some of those details didn't come through clearly.")
    if disposition is not None and disposition not in DISPOSITIONS:
        return ActionResult.failure("invalid", "I can't file the call that way.")
    with Session(context.engine) as session:
        business = business_for(session, context.business)
        if lead_id is None:
            lead = Lead(business_id=business.id, created_at=context.now, call_id=context.call_id)
            session.add(lead)
        else:
            lead = _lead_in(session, business, lead_id)
            if lead is None:
                return ActionResult.failure("not_found", "I couldn't find that lead.")
        if person_id is not None:
            person = person_in(session, business, person_id)
            if person is None:
                return ActionResult.failure("not_found", "I couldn't find that person's record.")
            values["person_id"] = person.id
        if phone:
            values["phone"] = normalize_phone(phone)
            if values["phone"] is None:
                return ActionResult.failure(
                    "invalid", "That doesn't sound like a full phone number."
                )
        if disposition is not None:
            values["disposition"] = disposition
        for name, value in values.items():
            setattr(lead, name, value)
        lead.qualified = rule.qualifies(lead)
        lead.updated_at = context.now
        session.commit()
        return ActionResult.success(**lead_data(lead))


def set_disposition(context: ActionContext, lead_id: int, disposition: str) -> ActionResult:
    if disposition not in DISPOSITIONS:
        return ActionResult.failure("invalid", "I can't file the call that way.")
    with Session(context.engine) as session:
        business = business_for(session, context.business)
        lead = _lead_in(session, business, lead_id)
        if lead is None:
            return ActionResult.failure("not_found", "I couldn't find that lead.")
        lead.disposition = disposition
        lead.updated_at = context.now
        session.commit()
        return ActionResult.success(**lead_data(lead))


def lead_data(lead: Lead) -> dict[str, Any]:
    return {
        "lead_id": lead.id,
        "person_id": lead.person_id,
        "name": lead.name,
        "company": lead.company,
        "phone": lead.phone,
        "team_size": lead.team_size,
        "budget": lead.budget,
        "authority": lead.authority,
        "need": lead.need,
        "timeline_months": lead.timeline_months,
        "qualified": lead.qualified,
        "disposition": lead.disposition,
        "plan_recommended": lead.plan_recommended,
    }


def _lead_in(session: Session, business: Business, lead_id: Any) -> Lead | None:
    try:
        lead = session.get(Lead, as_int(lead_id))
    except ValueError:
        return None
    return lead if lead is not None and lead.business_id == business.id else None


def _lead_values(fields: dict[str, Any], authority: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in LEAD_TEXT_FIELDS:
        if fields.get(name) is not None:
            values[name] = str(fields[name]).strip()
    for name in LEAD_INT_FIELDS:
        if fields.get(name) is not None:
            values[name] = as_int(fields[name])
    if authority is not None:
        values["authority"] = as_bool(authority)
    return values


def seed_crm(session: Session, business: Business, data: dict, today: date) -> None:
    """Insert the people (with notes) and leads of a demo data `crm:` section.

    Shape (every key but the names optional)::

        people:
          - {first_name: Maria, last_name: Lopez, birth_date: "1985-03-14",
             phone: "+15551230001", email: maria@example.com, notes: ["Prefers mornings"]}
        leads:
          - {name: Pat Doe, company: Initech, phone: "+15551239999", person: "+1555...",
             team_size: 25, budget: "2000 a month", authority: true, need: "dashboards",
             timeline_months: 2, disposition: follow_up, plan_recommended: Team}

    A lead's `person` is a phone number or "First Last" of a person above. Records are stamped
    at midnight of `today` in the business's time zone; `qualified` follows the default rule.
    """
    stamp = start_of_day(today, business)
    for entry in data.get("people", []):
        person = create_person(
            session,
            business,
            first_name=entry["first_name"],
            last_name=entry["last_name"],
            birth_date=entry.get("birth_date"),
            phone=entry.get("phone"),
            email=entry.get("email"),
            created_at=stamp,
        )
        for text in entry.get("notes", []):
            session.add(
                Note(business_id=business.id, person_id=person.id, text=text, created_at=stamp)
            )
    rule = QualificationRule()
    known = {"person", "phone", "authority", "disposition", *LEAD_TEXT_FIELDS, *LEAD_INT_FIELDS}
    for entry in data.get("leads", []):
        if unknown := set(entry) - known:
            raise ValueError(f"unknown lead keys {sorted(unknown)}; known: {sorted(known)}")
        disposition = entry.get("disposition")
        if disposition is not None and disposition not in DISPOSITIONS:
            raise ValueError(f"lead disposition {disposition!r} is not one of {DISPOSITIONS}")
        reference = entry.get("person")
        person = None if reference is None else person_by_reference(session, business, reference)
        lead = Lead(
            business_id=business.id,
            person_id=None if person is None else person.id,
            phone=normalize_phone(entry.get("phone")),
            disposition=disposition,
            created_at=stamp,
            updated_at=stamp,
            **_lead_values(entry, entry.get("authority")),
        )
        lead.qualified = rule.qualifies(lead)
        session.add(lead)
    session.flush()


def person_by_reference(session: Session, business: Business, reference: str) -> Person:
    """A seeded person named in demo data by phone number or by "First Last"; ValueError if
    none or several match."""
    query = select(Person).where(Person.business_id == business.id)
    e164 = normalize_phone(reference)
    if e164 is not None:
        matches = list(session.scalars(query.where(Person.phone == e164)))
    else:
        wanted = fold_name(reference)
        matches = [
            p for p in session.scalars(query) if fold_name(p.first_name + p.last_name) == wanted
        ]
    if len(matches) != 1:
        raise ValueError(
            f"demo data names person {reference!r}, which matches {len(matches)} people of "
            f"{business.slug!r}; list them under crm.people with a unique phone or name"
        )
    return matches[0]


def register(registry: ActionRegistry) -> None:
    registry.register("crm.find_person", find_person, retry_safe=True, reads_only=True)
    registry.register("crm.add_note", add_note)
    registry.register("crm.save_lead", save_lead)
    registry.register("crm.set_disposition", set_disposition, retry_safe=True)
