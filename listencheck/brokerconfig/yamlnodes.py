"""YAML documents as plain values that remember their line (for ``file:line`` everywhere).

Scalars stay strings (``9092`` and ``"9092"`` alike; ``null``/``~`` become None); merge keys
(``<<: *defaults``) are applied, explicit keys winning, as Compose does.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from listencheck.brokerconfig.model import BrokerConfigError

if TYPE_CHECKING:
    import yaml

Value = str | None | list["Node"] | dict[str, "Node"]


@dataclass(frozen=True)
class Node:
    """A YAML value (a string, None, a list or a mapping of nodes) and the line it starts on."""

    value: Value
    line: int

    def get(self, key: str) -> Node | None:
        return self.value.get(key) if isinstance(self.value, dict) else None

    def text(self) -> str | None:
        """The scalar as a string, or None when it is null or not a scalar."""
        return self.value if isinstance(self.value, str) else None

    def items(self) -> Iterator[tuple[str, Node]]:
        if isinstance(self.value, dict):
            yield from self.value.items()

    def elements(self) -> list[Node]:
        return self.value if isinstance(self.value, list) else []

    def path(self, *keys: str) -> Node | None:
        node: Node | None = self
        for key in keys:
            node = node.get(key) if node is not None else None
        return node


def load_yaml(text: str, path: str) -> list[Node]:
    """Every document of a YAML stream; a syntax error becomes a BrokerConfigError at its line."""
    import yaml  # here, not at the top: PyYAML costs ~11 ms of start-up, and only a file needs it

    try:
        return [_convert(doc) for doc in yaml.compose_all(text, Loader=yaml.SafeLoader) if doc is not None]
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark is not None else None
        raise BrokerConfigError(f"not valid YAML: {e.problem or e.context}", path, line) from None
    except yaml.YAMLError as e:  # pragma: no cover - every parser error is marked
        raise BrokerConfigError(f"not valid YAML: {e}", path) from None


def _convert(node: yaml.Node) -> Node:
    import yaml

    line = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode):
        if node.tag == "tag:yaml.org,2002:null":
            return Node(None, line)
        return Node(str(node.value), line)
    if isinstance(node, yaml.SequenceNode):
        return Node([_convert(child) for child in node.value], line)
    mapping: dict[str, Node] = {}
    merged: dict[str, Node] = {}
    for key_node, value_node in node.value:
        key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
        if key == "<<":
            sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            for source in sources:
                for k, v in _convert(source).items():
                    merged.setdefault(k, v)
            continue
        mapping[key] = _convert(value_node)
    return Node({**merged, **mapping}, line)
