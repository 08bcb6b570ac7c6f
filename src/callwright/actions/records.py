"""Small helpers the record-keeping actions (orders, pharmacy, cards) share: record numbers as
heard, moments in a business's zone, and seed moments read from YAML."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def clean_number(number: str | int) -> str:
    """A record number as heard or typed: "# 100 234" -> "100234"."""
    return "".join(str(number).split()).lstrip("#")


def local_iso(moment: datetime | None, zone: ZoneInfo) -> str | None:
    """The moment as ISO text in `zone`; None stays None."""
    return None if moment is None else moment.astimezone(zone).isoformat()


def parse_moment(value: str | datetime | None) -> datetime | None:
    """An aware datetime from ISO text (YAML may already have parsed it)."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"{value} has no UTC offset; write it like 2026-11-24T10:00:00-06:00")
    return moment
