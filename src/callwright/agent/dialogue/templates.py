"""Filling `{placeholders}` in spoken texts, and the small conditions of flow steps.

Values are looked up by dotted path in a scope of slots and action results
(`{slot_choice.provider}`, `{found.slots.0.spoken}`) and formatted to be spoken:
dates as "Tuesday, March 3", times as "2:30 PM", amounts as "12 dollars and 50
cents", lists as "A, B, or C". Conditions are parsed with Python's `ast` and only
comparisons, `and`/`or`/`not`, paths and literals are allowed, so an agent file
cannot run code.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

_PLACEHOLDER = re.compile(r"\{([a-zA-Z_][\w.]*)(?::(amount|digits|phone))?\}")
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?)?$")
_MISSING = object()


class TemplateError(ValueError):
    """A condition in an agent file that is not a simple comparison."""


def lookup(scope: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path (`found.slots.0.provider`), or None when absent."""
    value: Any = scope
    for part in path.split("."):
        if isinstance(value, Mapping):
            value = value.get(part, _MISSING)
        elif isinstance(value, list | tuple) and part.isdigit():
            index = int(part)
            value = value[index] if index < len(value) else _MISSING
        else:
            value = getattr(value, part, _MISSING)
        if value is _MISSING:
            return None
    return value


def render(template: str, scope: Mapping[str, Any]) -> str:
    """Fill every `{path}` with its spoken form; unknown paths become empty.

    `{path:amount}` reads a number as money ("3 dollars and 50 cents"); `{path:digits}`
    reads it digit by digit ("1 0 0 2 3 4"), as reference numbers are read on the phone;
    `{path:phone}` reads a phone number as people say one ("5 5 5, 1 2 3, 0 0 0 1"), a
    North American one without its country code.
    """
    text = _PLACEHOLDER.sub(lambda match: _formatted(lookup(scope, match[1]), match[2]), template)
    return " ".join(text.split())


def _formatted(value: Any, style: str | None) -> str:
    if value is not None and style == "amount":
        try:
            return spoken_amount(Decimal(str(value)))
        except ArithmeticError:
            return spoken(value)
    if value is not None and style == "digits":
        return " ".join(str(value).replace(" ", "").lstrip("+"))
    if value is not None and style == "phone":
        return _spoken_phone(str(value).replace(" ", ""))
    return spoken(value)


def _spoken_phone(number: str) -> str:
    national = number[2:] if number.startswith("+1") and len(number) == 12 else number.lstrip("+")
    if len(national) != 10:
        return " ".join(national)
    return ", ".join(" ".join(group) for group in (national[:3], national[3:6], national[6:]))


def render_params(params: Mapping[str, Any], scope: Mapping[str, Any]) -> dict[str, Any]:
    """Action parameters: a whole-string placeholder keeps its value's type (as JSON-ready)."""
    rendered: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, str):
            whole = _PLACEHOLDER.fullmatch(value.strip())
            if whole:
                value = plain(lookup(scope, whole.group(1)))
            else:
                value = _PLACEHOLDER.sub(lambda m: _as_text(lookup(scope, m.group(1))), value)
        if value is not None:
            rendered[key] = value
    return rendered


def _as_text(value: Any) -> str:
    value = plain(value)
    return "" if value is None else str(value)


def plain(value: Any) -> Any:
    """A value as an action parameter: ISO dates and times, strings for amounts and names."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "first") and hasattr(value, "last"):
        return f"{value.first} {value.last}".strip()
    return value


def spoken(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return f"{spoken(value.date())} at {spoken(value.time())}"
    if isinstance(value, date):
        return f"{value:%A, %B} {value.day}"
    if isinstance(value, time):
        hour = value.hour % 12 or 12
        suffix = "AM" if value.hour < 12 else "PM"
        return f"{hour} {suffix}" if value.minute == 0 else f"{hour}:{value.minute:02d} {suffix}"
    if isinstance(value, Decimal):
        return spoken_amount(value)
    if hasattr(value, "first") and hasattr(value, "last"):
        return f"{value.first} {value.last}".strip()
    if isinstance(value, Mapping):
        return str(value.get("spoken") or value.get("name") or "")
    if isinstance(value, list | tuple):
        return spoken_list([spoken(item) for item in value])
    if isinstance(value, str) and _ISO_MOMENT.match(value):
        return spoken(datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value))
    return str(value)


def spoken_amount(amount: Decimal) -> str:
    dollars = int(amount)
    cents = int((amount - dollars) * 100)
    text = f"{dollars:,} dollar{'s' if dollars != 1 else ''}"
    return f"{text} and {cents} cents" if cents else text


def spoken_list(items: list[str]) -> str:
    items = [item for item in items if item]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])}, or {items[-1]}"


_COMPARISONS = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
}


def activity(phrase: str) -> str:
    """A task's verb phrase as an activity to list among topics: "move an appointment" ->
    "moving an appointment", "go over the charges" -> "going over the charges"."""
    verb, _, rest = phrase.strip().partition(" ")
    lower = verb.lower()
    if lower.endswith("ing") or not lower.isalpha():
        return phrase
    if lower.endswith("e") and not lower.endswith(("ee", "ye", "oe")):
        lower = lower[:-1]
    elif lower.endswith("ie"):
        lower = lower[:-2] + "y"
    return f"{lower}ing {rest}".strip()


def check_condition(condition: str) -> None:
    """Raise TemplateError if `condition` uses anything but the allowed forms."""
    _evaluate(_parse(condition), {}, dry_run=True)


def holds(condition: str, scope: Mapping[str, Any]) -> bool:
    return bool(_evaluate(_parse(condition), scope, dry_run=False))


def _parse(condition: str) -> ast.expr:
    try:
        return ast.parse(condition, mode="eval").body
    except SyntaxError as error:
        raise TemplateError(f"cannot read the condition {condition!r}: {error.msg}") from error


def _evaluate(node: ast.expr, scope: Mapping[str, Any], dry_run: bool) -> Any:
    if isinstance(node, ast.BoolOp):
        values = [_evaluate(value, scope, dry_run) for value in node.values]
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return not _evaluate(node.operand, scope, dry_run)
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        compare = _COMPARISONS.get(type(node.ops[0]))
        if compare is None:
            raise TemplateError("only ==, !=, <, <=, >, >= comparisons are allowed")
        left = _evaluate(node.left, scope, dry_run)
        right = _evaluate(node.comparators[0], scope, dry_run)
        if dry_run:
            return False
        try:
            return compare(_comparable(left), _comparable(right))
        except TypeError:
            return False
    if isinstance(node, ast.Constant) and isinstance(node.value, str | int | float | bool):
        return node.value
    if isinstance(node, ast.Name | ast.Attribute | ast.Subscript):
        return None if dry_run else lookup(scope, _path(node))
    raise TemplateError(
        "a condition may use slot and result names, literals, comparisons, and, or, not"
    )


def _comparable(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return Decimal(value)
        except ArithmeticError:
            return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Decimal(str(value))
    return value


def _path(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_path(node.value)}.{node.attr}"
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        return f"{_path(node.value)}.{node.slice.value}"
    raise TemplateError("a condition may use slot and result names, literals, comparisons")
