"""Order actions: status and tracking, the return policy, starting a return; and the seeder.

The return window is a business setting (the `return_policies` table, seeded with the store's
demo data, DEFAULT_RETURN_WINDOW_DAYS without a row), not an agent parameter, so the agent,
the HTTP API and the CLI all judge a return by the same policy. A return may start while the
order was delivered at most `return_window_days` calendar days ago in the business's time zone:
with a 30-day window, an order delivered on March 1 can be returned through March 31.

Order numbers have ORDER_NUMBER_DIGITS digits. A number that is not on record but one digit
off (misheard, added or dropped) from exactly one order of the caller (`phone`, e.g. the
caller id) names that order, with `matched_exactly` false so the agent reads it back.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from callwright.actions.crm import business_for, normalize_phone, person_by_reference, zone_of
from callwright.actions.likeness import digits_of, one_digit_off
from callwright.actions.records import clean_number, local_iso, parse_moment
from callwright.actions.registry import ActionContext, ActionRegistry, ActionResult
from callwright.store.business.businesses import Business
from callwright.store.business.crm import Person
from callwright.store.business.orders import (
    DEFAULT_RETURN_WINDOW_DAYS,
    ORDER_STATUSES,
    Order,
    OrderReturn,
    ReturnPolicy,
)

RETURN_STARTED = "started"
ORDER_NUMBER_DIGITS = 6


def register(registry: ActionRegistry) -> None:
    registry.register("orders.status", order_status, retry_safe=True, reads_only=True)
    registry.register("orders.return_policy", return_policy, retry_safe=True, reads_only=True)
    # Idempotent: a second attempt finds the return the first one made.
    registry.register("orders.start_return", start_return, retry_safe=True)


def order_status(
    context: ActionContext, number: str | int, phone: str | None = None
) -> ActionResult:
    """Status, carrier, tracking number and dates of the order with this number, or of the
    caller's order one digit off it; a number of the wrong length is "invalid"."""
    with Session(context.engine) as session:
        business = business_for(session, context.business)
        order, exact = _order(session, business, number, phone)
        if order is None:
            heard = len(digits_of(number))
            if heard != ORDER_NUMBER_DIGITS:
                return ActionResult.failure(
                    "invalid",
                    f"Order numbers have six digits; I heard {heard}.",
                    number=clean_number(number),
                    digits_heard=heard,
                )
            return _order_not_found(number)
        return ActionResult.success(**order_data(order, zone_of(business)), matched_exactly=exact)


def return_policy(context: ActionContext) -> ActionResult:
    """The store's return window in days and its conditions, if any."""
    with Session(context.engine) as session:
        business = business_for(session, context.business)
        window_days, details = _policy(session, business)
        return ActionResult.success(return_window_days=window_days, details=details)


def start_return(
    context: ActionContext, number: str | int, reason: str, phone: str | None = None
) -> ActionResult:
    """Start a return of a delivered order inside the return window; idempotent per order.
    The order is found as by `order_status`, `phone` the caller's.

    Fails with "not_allowed" (and says why) for an order not delivered yet, cancelled, or
    delivered longer ago than the window; a second call returns the existing return with
    `created` false.
    """
    reason = str(reason or "").strip()
    if not reason:
        return ActionResult.failure("invalid", "Could you tell me why you would like to return it?")
    with Session(context.engine) as session:
        business = business_for(session, context.business)
        zone = zone_of(business)
        order, exact = _order(session, business, number, phone)
        if order is None:
            return _order_not_found(number)
        existing = _existing_return(session, order)
        if existing is not None:
            data = return_data(existing, order, zone)
            return ActionResult.success(**data, created=False, matched_exactly=exact)
        window_days, _ = _policy(session, business)
        refusal = _refusal(order, window_days, context.now, zone)
        if refusal is not None:
            return refusal
        order_return = OrderReturn(
            business_id=business.id,
            order_id=order.id,
            reason=reason,
            status=RETURN_STARTED,
            refund_eligible=True,
            created_at=context.now,
            call_id=context.call_id,
        )
        session.add(order_return)
        try:
            session.commit()
        except IntegrityError:  # another call started it a moment ago
            session.rollback()
            existing = _existing_return(session, order)
            if existing is None:
                raise
            data = return_data(existing, order, zone)
            return ActionResult.success(**data, created=False, matched_exactly=exact)
        data = return_data(order_return, order, zone)
        return ActionResult.success(**data, created=True, matched_exactly=exact)


def days_since_delivery(order: Order, now: datetime, zone: ZoneInfo) -> int | None:
    """Calendar days from delivery to `now` in the business's time zone; None if undelivered."""
    if order.delivered_at is None:
        return None
    return (now.astimezone(zone).date() - order.delivered_at.astimezone(zone).date()).days


def _refusal(order: Order, window_days: int, now: datetime, zone: ZoneInfo) -> ActionResult | None:
    if order.status == "cancelled":
        return ActionResult.failure(
            "not_allowed", "That order was cancelled, so there is nothing to return."
        )
    days = days_since_delivery(order, now, zone)
    if order.status != "delivered" or days is None:
        return ActionResult.failure(
            "not_allowed",
            "That order hasn't been delivered yet, so a return can start once it arrives.",
            status=order.status,
        )
    if days > window_days:
        return ActionResult.failure(
            "not_allowed",
            f"That order was delivered {days} days ago, which is outside our "
            f"{window_days}-day return window, so it can't be returned.",
            days_since_delivery=days,
            return_window_days=window_days,
        )
    return None


def order_data(order: Order, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "number": order.number,
        "person_id": order.person_id,
        "status": order.status,
        "carrier": order.carrier,
        "tracking_number": order.tracking_number,
        "total": str(order.total),
        "placed_at": local_iso(order.placed_at, zone),
        "shipped_at": local_iso(order.shipped_at, zone),
        "delivered_at": local_iso(order.delivered_at, zone),
    }


def return_data(order_return: OrderReturn, order: Order, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "return_id": order_return.id,
        "order_number": order.number,
        "reason": order_return.reason,
        "status": order_return.status,
        "refund_eligible": order_return.refund_eligible,
        "created_at": local_iso(order_return.created_at, zone),
    }


def _order(
    session: Session, business: Business, number: str | int, phone: str | None
) -> tuple[Order | None, bool]:
    """The order with this number, or the one order of the caller with this `phone` that the
    number is one digit off; and whether the number matched exactly. An unusable phone is
    no help, not an error: it usually comes from caller id."""
    query = select(Order).where(Order.business_id == business.id)
    order = session.scalar(query.where(Order.number == clean_number(number)))
    if order is not None:
        return order, True
    e164 = normalize_phone(phone)
    heard = digits_of(number)
    if e164 is None or not heard:
        return None, False
    theirs = session.scalars(
        query.join(Person, Order.person_id == Person.id).where(Person.phone == e164)
    )
    near = [order for order in theirs if one_digit_off(heard, order.number)]
    return (near[0], False) if len(near) == 1 else (None, False)


def _existing_return(session: Session, order: Order) -> OrderReturn | None:
    return session.scalar(select(OrderReturn).where(OrderReturn.order_id == order.id))


def _policy(session: Session, business: Business) -> tuple[int, str | None]:
    policy = session.get(ReturnPolicy, business.id)
    if policy is None:
        return DEFAULT_RETURN_WINDOW_DAYS, None
    return policy.return_window_days, policy.details


def _order_not_found(number: str | int) -> ActionResult:
    return ActionResult.failure(
        "not_found",
        "I couldn't find an order with that number. Could you read it to me again?",
        number=clean_number(number),
    )


def seed_orders(session: Session, business: Business, data: dict[str, Any], today: date) -> None:
    """Insert a store's return policy and orders; `today` is unused (dates come resolved).

    `data` (datetimes ISO 8601 with an offset; "person" is the phone number or "First Last" of a
    person in the CRM section, left out for a guest order):

        return_policy: {return_window_days: 30, details: "Items must be unused."}  # optional
        orders:
          - number: "100234"
            person: "+15551230004"            # or: Ana Ruiz
            status: shipped                   # processing | shipped | delivered | cancelled
            carrier: UPS                      # optional
            tracking_number: 1Z999AA10123456784   # optional
            total: "89.90"
            placed_at: "2026-11-20T14:05:00-05:00"
            shipped_at: "2026-11-21T09:00:00-05:00"     # optional
            delivered_at: null                          # optional
    """
    policy = data.get("return_policy")
    if policy is not None:
        session.merge(
            ReturnPolicy(
                business_id=business.id,
                return_window_days=int(policy["return_window_days"]),
                details=policy.get("details"),
            )
        )
    for item in data.get("orders", []):
        status = item["status"]
        if status not in ORDER_STATUSES:
            raise ValueError(
                f"order {item['number']}: status {status!r} is not one of {ORDER_STATUSES}"
            )
        reference = item.get("person")
        person = None if reference is None else person_by_reference(session, business, reference)
        session.add(
            Order(
                business_id=business.id,
                number=str(item["number"]),
                person_id=None if person is None else person.id,
                status=status,
                carrier=item.get("carrier"),
                tracking_number=item.get("tracking_number"),
                total=Decimal(str(item["total"])),
                placed_at=parse_moment(item["placed_at"]),
                shipped_at=parse_moment(item.get("shipped_at")),
                delivered_at=parse_moment(item.get("delivered_at")),
            )
        )
    session.flush()
