"""`callwright seed`: load every agent's demo data (agents/<name>.data.yaml) into the database.

Dates in the data may be relative to the day of seeding, in the business's time
zone: `today`, `tomorrow`, `next tuesday`, `today-10d`, each optionally followed
by a time (`next tuesday 10:00`). Seeding a business again replaces its records,
so the demo always starts from the state the example agents describe.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

import callwright.domains.pharmacy.models  # noqa: F401  (registers tables _fresh_business clears)
from callwright.agent.spec.agent_file import load_agent_spec
from callwright.agent.spec.loader import DEMO_DATA_SUFFIX
from callwright.store.business.businesses import Business
from callwright.store.models import Base

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_RELATIVE = re.compile(
    r"^(?P<day>today|tomorrow|next (?P<weekday>" + "|".join(WEEKDAYS) + r"))"
    r"(?:(?P<offset>[+-]\d+)d)?(?: (?P<hour>\d{1,2}):(?P<minute>\d{2}))?$"
)

Seeder = Callable[[Session, Business, dict, date], None]


def seeders() -> dict[str, Seeder]:
    """Each data section and the backend that loads it, in an order that respects references."""
    from callwright.actions import cards, crm, orders, scheduling, tickets
    from callwright.domains.pharmacy.seed import seed_pharmacy

    return {
        "crm": crm.seed_crm,
        "scheduling": scheduling.seed_scheduling,
        "tickets": tickets.seed_tickets,
        "orders": orders.seed_orders,
        "pharmacy": seed_pharmacy,
        "cards": cards.seed_cards,
    }


class DemoDataError(ValueError):
    """A demo data file that cannot be loaded; the message names the file and section."""


def resolve_relative(value: Any, today: date, zone: ZoneInfo) -> Any:
    """Turn relative date expressions anywhere in parsed YAML into ISO strings."""
    if isinstance(value, dict):
        return {key: resolve_relative(item, today, zone) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve_relative(item, today, zone) for item in value]
    if not isinstance(value, str):
        return value
    match = _RELATIVE.match(value.strip().lower())
    if match is None:
        return value
    day = today + timedelta(days=1) if match["day"] == "tomorrow" else today
    if match["weekday"]:
        ahead = (WEEKDAYS.index(match["weekday"]) - today.weekday() - 1) % 7 + 1
        day = today + timedelta(days=ahead)
    day += timedelta(days=int(match["offset"] or 0))
    if match["hour"] is None:
        return day.isoformat()
    moment = datetime.combine(day, time(int(match["hour"]), int(match["minute"])), zone)
    return moment.isoformat()


def seed_demo_data(
    engine: Engine,
    agents_dir: Path,
    today: date | None = None,
    *,
    replace: bool = True,
    only: Collection[str] = (),
) -> list[str]:
    """Give every agent (or those named in `only`) its business, with the records of its
    demo data file if it has one; returns the business slugs seeded.

    With `replace` false, businesses already in the database are left as they are (the
    server seeds only what is missing, so records made by calls survive a restart).
    """
    seeded: list[str] = []
    for agent_file in sorted(agents_dir.glob("*.yaml")):
        if agent_file.name.endswith(DEMO_DATA_SUFFIX):
            continue
        path = agent_file.with_name(agent_file.stem + DEMO_DATA_SUFFIX)
        spec = load_agent_spec(agent_file)
        if only and spec.name not in only:
            continue
        if not replace and _business_exists(engine, spec.name):
            continue
        zone = ZoneInfo(spec.timezone or "UTC")
        day = today or datetime.now(zone).date()
        try:
            text = path.read_text(encoding="utf-8") if path.exists() else ""
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as error:
            raise DemoDataError(f"{path}: not valid YAML: {error}") from error
        data = resolve_relative(data, day, zone)
        with Session(engine) as session, session.begin():
            business = _fresh_business(session, spec.name, spec.business, zone.key)
            for section, seed in seeders().items():
                if section in data:
                    try:
                        seed(session, business, data[section], day)
                    except (KeyError, ValueError, TypeError) as error:
                        raise DemoDataError(f"{path}: section {section}: {error}") from error
        seeded.append(spec.name)
    return seeded


def _business_exists(engine: Engine, slug: str) -> bool:
    with Session(engine) as session:
        return session.scalar(select(Business.id).where(Business.slug == slug)) is not None


def _fresh_business(session: Session, slug: str, name: str, timezone: str) -> Business:
    existing = session.scalar(select(Business).where(Business.slug == slug))
    if existing is not None:
        for table in reversed(Base.metadata.sorted_tables):
            if "business_id" in table.c:
                session.execute(delete(table).where(table.c.business_id == existing.id))
        session.delete(existing)
        session.flush()
    business = Business(slug=slug, name=name, timezone=timezone)
    session.add(business)
    session.flush()
    return business
