"""REST routes for a store's orders and returns, under /api/businesses/{slug}.

Starting a return goes through the `orders.start_return` action, so the HTTP API applies the
same return policy as the phone agent.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Response, status
from pydantic import AwareDatetime, BaseModel, Field
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from callwright.actions import orders as order_actions
from callwright.actions.crm import person_in
from callwright.actions.registry import ActionResult
from callwright.api.business_lookup import act_for, seeded_business
from callwright.store.business.orders import NUMBER_LENGTH, Order, OrderReturn
from callwright.store.models import NAME_LENGTH

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
OrderStatus = Literal["processing", "shipped", "delivered", "cancelled"]


class OrderIn(BaseModel):
    number: str = Field(min_length=1, max_length=NUMBER_LENGTH)
    person_id: int | None = None
    status: OrderStatus
    carrier: str | None = Field(default=None, max_length=NAME_LENGTH)
    tracking_number: str | None = Field(default=None, max_length=NUMBER_LENGTH)
    total: Decimal = Field(ge=0, decimal_places=2)
    placed_at: AwareDatetime
    shipped_at: AwareDatetime | None = None
    delivered_at: AwareDatetime | None = None


class OrderOut(BaseModel):
    number: str
    person_id: int | None
    status: str
    carrier: str | None
    tracking_number: str | None
    total: Decimal  # a string in JSON, e.g. "89.90"
    placed_at: datetime
    shipped_at: datetime | None
    delivered_at: datetime | None

    @classmethod
    def of(cls, order: Order) -> OrderOut:
        return cls(
            number=order.number,
            person_id=order.person_id,
            status=order.status,
            carrier=order.carrier,
            tracking_number=order.tracking_number,
            total=order.total,
            placed_at=order.placed_at,
            shipped_at=order.shipped_at,
            delivered_at=order.delivered_at,
        )


class ReturnIn(BaseModel):
    reason: str = Field(min_length=1)


class ReturnOut(BaseModel):
    id: int
    order_number: str
    reason: str
    status: str
    refund_eligible: bool
    created_at: datetime
    call_id: str | None

    @classmethod
    def of(cls, order_return: OrderReturn, order: Order) -> ReturnOut:
        return cls(
            id=order_return.id,
            order_number=order.number,
            reason=order_return.reason,
            status=order_return.status,
            refund_eligible=order_return.refund_eligible,
            created_at=order_return.created_at,
            call_id=order_return.call_id,
        )


def orders_router(engine: Engine, *, clock: Callable[[], datetime] | None = None) -> APIRouter:
    """Routes for orders and returns; `clock` gives "now" for return windows (UTC default)."""
    router = APIRouter(prefix="/api/businesses/{slug}", tags=["orders"])
    now = clock or (lambda: datetime.now(UTC))

    @router.get("/orders", response_model=list[OrderOut])
    def list_orders(
        slug: str,
        status_: Annotated[OrderStatus | None, Query(alias="status")] = None,
        person_id: int | None = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> list[OrderOut]:
        """Orders, newest first."""
        with Session(engine) as session:
            query = select(Order).where(Order.business_id == seeded_business(session, slug).id)
            if status_ is not None:
                query = query.where(Order.status == status_)
            if person_id is not None:
                query = query.where(Order.person_id == person_id)
            query = query.order_by(Order.placed_at.desc(), Order.id.desc())
            return [OrderOut.of(o) for o in session.scalars(query.limit(limit).offset(offset))]

    @router.post("/orders", response_model=OrderOut, status_code=status.HTTP_201_CREATED)
    def create_order(slug: str, order_in: OrderIn) -> OrderOut:
        with Session(engine) as session:
            business = seeded_business(session, slug)
            if (
                order_in.person_id is not None
                and person_in(session, business, order_in.person_id) is None
            ):
                raise HTTPException(
                    422, f"no person {order_in.person_id} in business {slug!r}; create it first"
                )
            order = Order(business_id=business.id, **order_in.model_dump())
            session.add(order)
            try:
                session.commit()
            except IntegrityError as error:
                raise HTTPException(
                    409, f"order {order_in.number!r} already exists in business {slug!r}"
                ) from error
            return OrderOut.of(order)

    @router.get("/orders/{number}", response_model=OrderOut)
    def show_order(slug: str, number: str) -> OrderOut:
        with Session(engine) as session:
            return OrderOut.of(_order(session, slug, number))

    @router.post("/orders/{number}/returns", response_model=ReturnOut)
    def start_return(slug: str, number: str, return_in: ReturnIn, response: Response) -> ReturnOut:
        """Start a return by the store's policy: 201 when started, 200 when one exists, 422
        (with the reason) when the policy does not allow it."""
        result = act_for(engine, slug, now(), order_actions.start_return, number, return_in.reason)
        _raise_for_failure(result, f"no order {number!r} in business {slug!r}")
        response.status_code = (
            status.HTTP_201_CREATED if result.data["created"] else status.HTTP_200_OK
        )
        with Session(engine) as session:
            order_return = session.get(OrderReturn, result.data["return_id"])
            return ReturnOut.of(order_return, session.get(Order, order_return.order_id))

    @router.get("/returns", response_model=list[ReturnOut])
    def list_returns(
        slug: str,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> list[ReturnOut]:
        """Returns, newest first."""
        with Session(engine) as session:
            rows = session.execute(
                select(OrderReturn, Order)
                .join(Order, OrderReturn.order_id == Order.id)
                .where(OrderReturn.business_id == seeded_business(session, slug).id)
                .order_by(OrderReturn.created_at.desc(), OrderReturn.id.desc())
                .limit(limit)
                .offset(offset)
            )
            return [ReturnOut.of(order_return, order) for order_return, order in rows]

    return router


def _order(session: Session, slug: str, number: str) -> Order:
    order = session.scalar(
        select(Order).where(
            Order.business_id == seeded_business(session, slug).id, Order.number == number
        )
    )
    if order is None:
        raise HTTPException(404, f"no order {number!r} in business {slug!r}")
    return order


def _raise_for_failure(result: ActionResult, not_found_detail: str) -> None:
    """404 for a missing record, 409 for a conflict, 422 (with the reason) for the rest."""
    if result.ok:
        return
    if result.error == "not_found":
        raise HTTPException(404, not_found_detail)
    raise HTTPException(409 if result.error == "conflict" else 422, result.message)
