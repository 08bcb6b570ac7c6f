"""Order actions on a temporary SQLite database: status, return policy, returns by the window."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.orm import Session

from callwright.actions import orders
from callwright.actions.crm import create_person
from callwright.actions.registry import ActionContext, ActionRegistry
from callwright.store.business.businesses import Business
from callwright.store.business.orders import Order, OrderReturn, ReturnPolicy
from callwright.store.models import Base

STORE_ZONE = ZoneInfo("America/New_York")
# Tuesday 2026-11-24, 9:00 in New York (EST, UTC-5).
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=STORE_ZONE)
TODAY = NOW.date()
CALL_ID = "c" * 32


def _at(days_ago: int, hour: int = 12) -> str:
    day = TODAY - timedelta(days=days_ago)
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=STORE_ZONE).isoformat()


DEMO = {
    "return_policy": {"return_window_days": 30, "details": "Items must be unused."},
    "orders": [
        {
            "number": "100234",
            "person": "+15551230004",
            "status": "shipped",
            "carrier": "UPS",
            "tracking_number": "1Z999AA10123456784",
            "total": "89.90",
            "placed_at": _at(3),
            "shipped_at": _at(2),
        },
        {
            "number": "100587",
            "person": "Ana Ruiz",
            "status": "delivered",
            "carrier": "USPS",
            "total": "42.00",
            "placed_at": _at(15),
            "shipped_at": _at(13),
            "delivered_at": _at(10),
        },
        {
            "number": "100999",
            "person": "Ana Ruiz",
            "status": "delivered",
            "total": "120.50",
            "placed_at": _at(50),
            "delivered_at": _at(45),
        },
        {"number": "100111", "status": "cancelled", "total": "15.00", "placed_at": _at(5)},
        # Delivered on the 30th and the 31st day before today, New York time: the window counts
        # calendar days there, not 24-hour periods and not UTC dates.
        {
            "number": "100300",
            "status": "delivered",
            "total": "10.00",
            "placed_at": _at(35),
            "delivered_at": _at(30, hour=8),  # more than 30 times 24 hours ago
        },
        {
            "number": "100310",
            "status": "delivered",
            "total": "10.00",
            "placed_at": _at(35),
            "delivered_at": _at(31, hour=21),  # already day 30 in UTC
        },
    ],
}


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'orders.db'}")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        for slug in ("retail", "other"):
            business = Business(slug=slug, name=f"{slug} store", timezone=STORE_ZONE.key)
            session.add(business)
            session.flush()
            create_person(
                session,
                business,
                first_name="Ana",
                last_name="Ruiz",
                phone="+15551230004",
                created_at=NOW,
            )
        retail = session.scalar(select(Business).where(Business.slug == "retail"))
        orders.seed_orders(session, retail, DEMO, TODAY)
        session.commit()
    yield engine
    engine.dispose()


def _context(engine: Engine, now: datetime = NOW, business: str = "retail") -> ActionContext:
    return ActionContext(engine=engine, business=business, now=now, call_id=CALL_ID)


def _return_count(engine: Engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(OrderReturn))


def test_status_of_a_shipped_order_has_carrier_and_tracking(engine: Engine) -> None:
    result = orders.order_status(_context(engine), "100234")
    assert result.ok
    assert result.data["status"] == "shipped"
    assert result.data["carrier"] == "UPS"
    assert result.data["tracking_number"] == "1Z999AA10123456784"
    assert result.data["total"] == "89.90"
    assert result.data["shipped_at"] == _at(2)
    assert result.data["delivered_at"] is None


def test_status_accepts_a_number_as_heard_or_keyed(engine: Engine) -> None:
    assert orders.order_status(_context(engine), "# 100 234").data["number"] == "100234"
    assert orders.order_status(_context(engine), 100234).ok


def test_unknown_order_is_not_found_with_a_sentence_to_speak(engine: Engine) -> None:
    result = orders.order_status(_context(engine), "555555")
    assert (result.ok, result.error) == (False, "not_found")
    assert result.message and result.message.endswith("?")


def test_orders_of_another_business_are_invisible(engine: Engine) -> None:
    assert orders.order_status(_context(engine, business="other"), "100234").error == "not_found"


def test_return_policy_reports_the_window(engine: Engine) -> None:
    result = orders.return_policy(_context(engine))
    assert result.data == {"return_window_days": 30, "details": "Items must be unused."}


def test_return_within_the_window_is_started_once(engine: Engine) -> None:
    first = orders.start_return(_context(engine), "100587", "wrong size")
    assert first.ok, first.message
    assert first.data["created"] is True
    assert first.data["status"] == "started"
    assert first.data["refund_eligible"] is True
    again = orders.start_return(_context(engine), "100587", "it does not fit")
    assert again.ok
    assert again.data["created"] is False
    assert again.data["return_id"] == first.data["return_id"]
    assert again.data["reason"] == "wrong size"
    assert _return_count(engine) == 1
    with Session(engine) as session:
        stored = session.scalar(select(OrderReturn))
        assert stored.call_id == CALL_ID
        assert stored.created_at == NOW


def test_return_after_45_days_is_refused_with_the_reason(engine: Engine) -> None:
    result = orders.start_return(_context(engine), "100999", "changed my mind")
    assert (result.ok, result.error) == (False, "not_allowed")
    assert "45 days" in result.message and "30-day" in result.message
    assert result.data == {"days_since_delivery": 45, "return_window_days": 30}
    assert _return_count(engine) == 0


def test_window_edge_counts_calendar_days_in_the_business_time_zone(engine: Engine) -> None:
    last_day = orders.start_return(_context(engine), "100300", "broken")
    assert last_day.ok, last_day.message
    day_after = orders.start_return(_context(engine), "100310", "broken")
    assert day_after.error == "not_allowed"
    assert day_after.data["days_since_delivery"] == 31


def test_window_closes_the_next_day(engine: Engine) -> None:
    tomorrow = NOW + timedelta(days=1)
    assert orders.start_return(_context(engine, tomorrow), "100300", "broken").error == (
        "not_allowed"
    )


def test_undelivered_and_cancelled_orders_cannot_be_returned(engine: Engine) -> None:
    shipped = orders.start_return(_context(engine), "100234", "late")
    assert shipped.error == "not_allowed"
    assert "delivered" in shipped.message
    cancelled = orders.start_return(_context(engine), "100111", "late")
    assert cancelled.error == "not_allowed"
    assert "cancelled" in cancelled.message
    assert _return_count(engine) == 0


def test_a_return_needs_a_reason(engine: Engine) -> None:
    result = orders.start_return(_context(engine), "100587", "  ")
    assert result.error == "invalid"
    assert _return_count(engine) == 0


def test_a_shorter_window_of_the_business_applies(engine: Engine) -> None:
    with Session(engine) as session:
        session.get(ReturnPolicy, 1).return_window_days = 7
        session.commit()
    result = orders.start_return(_context(engine), "100587", "wrong size")
    assert result.error == "not_allowed"
    assert "7-day" in result.message


def test_without_a_policy_row_the_window_is_30_days(engine: Engine) -> None:
    with Session(engine) as session:
        session.delete(session.get(ReturnPolicy, 1))
        session.commit()
    assert orders.return_policy(_context(engine)).data["return_window_days"] == 30
    assert orders.start_return(_context(engine), "100587", "wrong size").ok
    assert orders.start_return(_context(engine), "100999", "wrong size").error == "not_allowed"


def test_seeded_orders_link_people_by_phone_or_name(engine: Engine) -> None:
    with Session(engine) as session:
        owners = dict(session.execute(select(Order.number, Order.person_id)).all())
    assert owners["100234"] == owners["100587"] == 1  # Ana Ruiz of "retail"
    assert owners["100111"] is None


def test_seeding_an_unknown_person_names_the_problem(engine: Engine) -> None:
    data = {"orders": [{**DEMO["orders"][0], "number": "1", "person": "Nobody Here"}]}
    with Session(engine) as session, pytest.raises(ValueError, match="Nobody Here"):
        orders.seed_orders(session, session.get(Business, 1), data, date(2026, 11, 24))


async def test_registered_actions_run_through_the_registry(engine: Engine) -> None:
    registry = ActionRegistry()
    orders.register(registry)
    assert registry.names() == ["orders.return_policy", "orders.start_return", "orders.status"]
    result = await registry.run(
        "orders.start_return", {"number": "100587", "reason": "too big"}, _context(engine)
    )
    assert result.ok and result.data["order_number"] == "100587"
    missing = await registry.run("orders.status", {}, _context(engine))
    assert missing.error == "invalid"


def test_times_are_spoken_in_the_business_time_zone(engine: Engine) -> None:
    delivered = orders.order_status(_context(engine), "100587").data["delivered_at"]
    assert datetime.fromisoformat(delivered).utcoffset() == timedelta(hours=-5)
    assert datetime.fromisoformat(delivered).astimezone(UTC).hour == 17
