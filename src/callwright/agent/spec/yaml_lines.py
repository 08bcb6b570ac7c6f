"""YAML loading that remembers where each value came from, for line-numbered errors.

`load_yaml` parses a document twice over the same text: once into plain Python data and once
into PyYAML's node tree, whose marks carry line numbers. `YamlDocument.line_of` then maps a
location such as ``("intents", 2, "answer")`` (the shape pydantic reports) to a 1-based line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml

Location = Sequence[str | int]


class YamlProblem(Exception):
    """The text is not valid YAML, or is YAML an agent file cannot be (duplicate keys)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass(frozen=True, slots=True)
class YamlDocument:
    data: Any
    root: yaml.Node | None

    def line_of(self, location: Location) -> int:
        """The line of the deepest node `location` reaches: the key's line for a mapping key,
        the enclosing mapping's first line for a key that is missing."""
        node = self.root
        if node is None:
            return 1
        line = _line(node)
        for part in location:
            child = _child(node, part)
            if child is None:
                break
            key_node, node = child
            line = _line(key_node if key_node is not None else node)
        return line


def load_yaml(text: str) -> YamlDocument:
    """Parse `text`; raises YamlProblem with the line of the first syntax error."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = error.problem or str(error)
        context = f" ({error.context})" if error.context else ""
        start = error.context_mark
        if error.context and start is not None and start.line + 1 != line:
            context = f" ({error.context} that starts on line {start.line + 1})"
        raise YamlProblem(line, f"YAML syntax error: {problem}{context}") from error
    except yaml.YAMLError as error:
        raise YamlProblem(1, f"YAML syntax error: {error}") from error
    if root is not None:
        _reject_duplicate_keys(root)
    return YamlDocument(data, root)


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _child(node: yaml.Node, part: str | int) -> tuple[yaml.Node | None, yaml.Node] | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(part):
                return key_node, value_node
    elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
        if 0 <= part < len(node.value):
            return None, node.value[part]
    return None


def _reject_duplicate_keys(node: yaml.Node) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                if key_node.value in seen:
                    raise YamlProblem(
                        _line(key_node),
                        f"duplicate key '{key_node.value}' (first given on line "
                        f"{seen[key_node.value]}); keep one of them",
                    )
                seen[key_node.value] = _line(key_node)
            _reject_duplicate_keys(value_node)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _reject_duplicate_keys(item)
