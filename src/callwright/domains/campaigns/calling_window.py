"""When a contact may be called: the campaign's hours and days, in the contact's own zone."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from callwright.domains.campaigns.settings import DAY_NAMES

SEARCH_DAYS = 8  # a week and a day: every allowed weekday comes round in that


def is_open(now: datetime, zone: str, window: tuple[time, time], days: list[str]) -> bool:
    """Whether a call may start at `now` (aware) for a contact living in `zone`."""
    local = now.astimezone(ZoneInfo(zone))
    start, end = window
    return DAY_NAMES[local.weekday()] in days and start <= local.time() < end


def next_open(now: datetime, zone: str, window: tuple[time, time], days: list[str]) -> datetime:
    """The first moment at or after `now` (aware) when the window is open, in UTC."""
    if is_open(now, zone, window, days):
        return now.astimezone(UTC)
    tz = ZoneInfo(zone)
    local = now.astimezone(tz)
    for offset in range(SEARCH_DAYS):
        day = local.date() + timedelta(days=offset)
        opening = datetime.combine(day, window[0], tzinfo=tz)
        if DAY_NAMES[day.weekday()] in days and opening >= local:
            return opening.astimezone(UTC)
    raise ValueError(f"no calling day in {days!r}")
