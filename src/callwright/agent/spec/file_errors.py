"""Problems in a YAML file checked by a pydantic model, said the way a person fixes them:
`file:line: intents[2].answer: field required`, an unknown key with the one meant
("did you mean 'answer'?") and the keys allowed there."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from callwright.agent.spec.yaml_lines import Location


def field_path(location: Location) -> str:
    """("intents", 2, "answer") -> "intents[2].answer"."""
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def problem_line(path: Path, line: int, location: Location, message: str) -> str:
    """One problem as `file:line: field: message`."""
    where = field_path(location)
    return f"{path}:{line}: {where}: {message}" if where else f"{path}:{line}: {message}"


def readable(error: Any, root: type[BaseModel]) -> str:
    """A pydantic validation error, said for the person editing the file (`root` is the
    file's model, for the keys allowed where a key is unknown)."""
    kind, location = error["type"], error["loc"]
    if kind == "missing":
        return "field required"
    if kind == "extra_forbidden":
        key = str(location[-1])
        model = _model_at(root, location[:-1])
        if model is None:
            return f"unknown key '{key}'"
        allowed = list(model.model_fields)
        close = difflib.get_close_matches(key, allowed, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return f"unknown key '{key}'{hint}; allowed keys: {', '.join(allowed)}"
    if kind == "value_error":
        return str(error["ctx"]["error"])
    if kind == "string_type" and isinstance(error.get("input"), bool):
        return "expected text; YAML reads yes/no/on/off as true/false, so put it in quotes"
    if kind in ("model_type", "dict_type"):
        model = _model_at(root, location)
        if model is not None:
            return f"expected a mapping with keys: {', '.join(model.model_fields)}"
    message = error["msg"]
    return message[:1].lower() + message[1:]


def _model_at(root: type[BaseModel], location: Location) -> type[BaseModel] | None:
    annotation: Any = root
    for part in location:
        annotation = _without_none(annotation)
        if isinstance(part, str) and _is_model(annotation) and part in annotation.model_fields:
            annotation = annotation.model_fields[part].annotation
        elif isinstance(part, int) and get_origin(annotation) is list:
            annotation = get_args(annotation)[0]
        else:
            return None
    annotation = _without_none(annotation)
    return annotation if _is_model(annotation) else None


def _without_none(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, type(int | None)):
        options = [a for a in get_args(annotation) if a is not type(None)]
        return options[0] if len(options) == 1 else annotation
    return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)
