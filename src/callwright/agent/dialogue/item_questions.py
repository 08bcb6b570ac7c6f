"""Questions about one of several items, and answers given before they are asked.

A slot with `about` asks yes or no about the first of a list of items (flagged charges,
orders). Callers often answer for all of them at once ("the gas one was me, the Apple one
wasn't"): `ItemQuestions` keeps each answer until the question about its item comes up.
"""

from __future__ import annotations

import json
from typing import Any

from callwright.agent.dialogue.templates import lookup
from callwright.agent.spec.tasks import SlotSpec
from callwright.agent.understanding.item_answers import ItemAnswers, answers_by_item


class ItemQuestions:
    """One call's answers about items, by item, said before their question was asked."""

    def __init__(self) -> None:
        self._answers: dict[str, bool] = {}  # item -> yes/no

    def hear(
        self, text: str, spec: SlotSpec, scope: dict[str, Any], asked: bool = True
    ) -> ItemAnswers | None:
        """The answers the words give about the items `spec` asks about, each one kept;
        None when there are no items. Words said before the question was `asked` ("the
        coffee is mine, ElectroMart isn't", before the charges were read) count only for
        the items they name."""
        items = lookup(scope, spec.about or "") or []
        if not items:
            return None
        heard = answers_by_item(text, items, spec.item_words, 0 if asked else None)
        for index, answer in heard.answers.items():
            self._answers[_item_key(items[index], spec)] = answer
        return heard

    def answered(self, spec: SlotSpec, scope: dict[str, Any]) -> bool | None:
        """What the caller already said about the item `spec` asks about, or None."""
        items = lookup(scope, spec.about or "") if spec.about else None
        if not items:
            return None
        return self._answers.get(_item_key(items[0], spec))

    def answered_ahead(self, spec: SlotSpec, scope: dict[str, Any]) -> bool:
        """Whether the caller already said something about an item after the first."""
        items = lookup(scope, spec.about or "") if spec.about else None
        return any(_item_key(item, spec) in self._answers for item in (items or [])[1:])


def _item_key(item: Any, spec: SlotSpec) -> str:
    if not isinstance(item, dict):
        return str(item)
    return json.dumps([item.get(name) for name in spec.item_words] or item, default=str)
