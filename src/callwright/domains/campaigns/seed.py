"""The demo campaigns: each `<name>.yaml` (settings) in agents/campaigns/ with its
`<name>.csv` (contacts), created in draft the first time a server starts on a database
without them. Starting one is the user's choice (`callwright campaigns start NAME`)."""

from __future__ import annotations

import logging
from collections.abc import Collection
from pathlib import Path

import yaml
from pydantic import ValidationError
from sqlalchemy import Engine

from callwright.domains.campaigns.book import CampaignBook, CampaignError, CampaignNotFound
from callwright.domains.campaigns.contacts_csv import ContactListError, read_contacts
from callwright.domains.campaigns.settings import CampaignSettings

log = logging.getLogger("callwright.campaigns")
FOLDER = "campaigns"  # under the agents folder


def seed_demo_campaigns(engine: Engine, folder: Path, agents: Collection[str]) -> list[str]:
    """Create the campaigns of `folder` not yet in the database whose agent is loaded;
    returns their names. A broken file is logged and skipped: the server still starts."""
    book = CampaignBook(engine)
    created = []
    for settings_file in sorted(folder.glob("*.yaml")):
        try:
            settings = CampaignSettings.model_validate(yaml.safe_load(settings_file.read_text()))
            if settings.agent not in agents or _exists(book, settings.name):
                continue
            contacts_file = settings_file.with_suffix(".csv")
            contacts = read_contacts(contacts_file.read_text()) if contacts_file.exists() else []
            book.create(settings)
            book.add_contacts(settings.name, contacts)
        except (OSError, yaml.YAMLError, ValidationError, ContactListError,
                CampaignError) as error:
            log.error("demo campaign %s not created: %s", settings_file, error)
            continue
        created.append(settings.name)
    return created


def _exists(book: CampaignBook, name: str) -> bool:
    try:
        book.get(name)
    except CampaignNotFound:
        return False
    return True
