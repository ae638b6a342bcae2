"""Limits on what one case file may make the YAML reader build.

PyYAML's SafeLoader runs no code, but it will build whatever a file
describes: a "billion laughs" file (nine lists of nine aliases to the list
before) is 1 KB of text that stands for a billion values, and made
``import_cases`` grow to 2.2 GB and die after 37 s. ``LimitedLoader`` counts
while it composes, before anything is built, and stops at the first limit
crossed with an error that names the line:

- nesting deeper than ``MAX_DEPTH`` (a case file needs 7 levels);
- more than ``MAX_ALIASES`` aliases (``*name``);
- more than ``MAX_VALUES`` values in all, counting what each alias stands for
  (the largest shipped case has under 400);
- an alias inside the very node it names (a recursive structure).

The size of the text itself is checked before parsing (``MAX_CHARACTERS``).
Pure: no Django.
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["MAX_ALIASES", "MAX_CHARACTERS", "MAX_DEPTH", "MAX_VALUES", "LimitedLoader", "YamlLimitError"]

MAX_CHARACTERS = 500_000
MAX_DEPTH = 20
MAX_ALIASES = 100
MAX_VALUES = 20_000


class YamlLimitError(yaml.composer.ComposerError):
    """A limit above was crossed; carries the position where it happened."""


class LimitedLoader(yaml.SafeLoader):
    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0
        self._values = 0
        # Values each anchored node stands for, once it is complete (by id of the node).
        self._expanded: dict[int, int] = {}

    def _refuse(self, problem: str, mark: yaml.Mark) -> None:
        raise YamlLimitError(None, None, problem, mark)

    def _count(self, values: int, mark: yaml.Mark) -> None:
        self._values += values
        if self._values > MAX_VALUES:
            self._refuse(
                f"the file holds more than {MAX_VALUES:,} values, counting each alias as the values it "
                "repeats; a case needs a few hundred (is this a 'billion laughs' file?)",
                mark,
            )

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                message = f"more than {MAX_ALIASES} aliases (*name); a case file needs few or none"
                self._refuse(message, event.start_mark)
            node = super().compose_node(parent, index)
            if id(node) not in self._expanded:
                message = f"the alias *{event.anchor} is inside the node it names (a recursive structure)"
                self._refuse(message, event.start_mark)
            self._count(self._expanded[id(node)], event.start_mark)
            return node

        event = self.peek_event()
        self._depth += 1
        if self._depth > MAX_DEPTH:
            self._refuse(f"nested more than {MAX_DEPTH} levels deep; a case file needs 7", event.start_mark)
        before = self._values
        self._count(1, event.start_mark)
        node = super().compose_node(parent, index)
        self._depth -= 1
        if event.anchor is not None:
            self._expanded[id(node)] = self._values - before
        return node

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        # Python refuses to read an integer of more than 4,300 digits (a ValueError with no position).
        try:
            return super().construct_yaml_int(node)
        except ValueError:
            raise yaml.constructor.ConstructorError(
                None, None, f"the number {node.value[:20]}… is too long", node.start_mark
            ) from None


LimitedLoader.add_constructor("tag:yaml.org,2002:int", LimitedLoader.construct_yaml_int)
