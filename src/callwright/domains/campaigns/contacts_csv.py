"""Contact lists in and outcomes out, as CSV.

In: a header row with a `phone` column (E.164 or a SIP URI), an optional `timezone` column
(IANA), and any other columns as the contact's fields for the agent (first_name,
prescription_number, ...). Out: one row per attempt (a contact not yet called has one row
with the attempt columns empty)."""

from __future__ import annotations

import csv
import io

from callwright.domains.campaigns.book import ContactIn
from callwright.domains.campaigns.models import CampaignAttempt, CampaignContact

PHONE_COLUMN = "phone"
ZONE_COLUMN = "timezone"
MAX_CONTACTS = 100_000  # per upload
EXPORT_COLUMNS = (
    "phone", "timezone", "state", "outcome", "task_outcome", "attempts", "attempt",
    "started_at", "ended_at", "result", "attempt_task_outcome", "sip_status", "call_id",
    "decision_ms", "detail",
)


class ContactListError(ValueError):
    """The CSV cannot be read as a contact list; the message names the row and the fix."""


def read_contacts(text: str) -> list[ContactIn]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    columns = [name.strip() for name in reader.fieldnames or []]
    if PHONE_COLUMN not in columns:
        raise ContactListError(
            f"the contact list needs a '{PHONE_COLUMN}' column in its header row; "
            f"it has {', '.join(columns) or 'no header'}"
        )
    contacts = []
    for row_number, row in enumerate(reader, start=2):
        if None in row:
            raise ContactListError(f"row {row_number} has more cells than the header")
        cleaned = {key.strip(): (value or "").strip() for key, value in row.items()}
        phone = cleaned.pop(PHONE_COLUMN, "")
        if not phone:
            raise ContactListError(f"row {row_number} has no phone number")
        zone = cleaned.pop(ZONE_COLUMN, "") or None
        contacts.append(ContactIn(phone, zone, {k: v for k, v in cleaned.items() if v}))
        if len(contacts) > MAX_CONTACTS:
            raise ContactListError(f"more than {MAX_CONTACTS} contacts: split the list")
    return contacts


def write_outcomes(rows: list[tuple[CampaignContact, list[CampaignAttempt]]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for contact, attempts in rows:
        head = [contact.phone, contact.timezone, contact.state, contact.outcome or "",
                contact.task_outcome or "", contact.attempts]
        for attempt in attempts or [None]:
            writer.writerow(head + (_attempt_cells(attempt) if attempt else [""] * 9))
    return out.getvalue()


def _attempt_cells(attempt: CampaignAttempt) -> list[object]:
    return [
        attempt.number, attempt.started_at.isoformat(),
        attempt.ended_at.isoformat() if attempt.ended_at else "", attempt.result or "",
        attempt.task_outcome or "", attempt.sip_status or "", attempt.call_id or "",
        "" if attempt.decision_ms is None else round(attempt.decision_ms),
        attempt.detail or "",
    ]
