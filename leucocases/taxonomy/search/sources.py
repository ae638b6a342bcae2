"""What the search index holds, kind by kind, and which of it readers may see.

A source turns rows into ``Document`` text for the index and, at question
time, returns the rows readers may see. Taxonomy registers its own kinds
(``taxonomy_sources``); a higher app registers its kinds from its
``AppConfig.ready`` (the cases app: practice cases), so this lower app never
imports it.
"""

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Document:
    """The raw text of one searchable object (analysed when written to the index)."""

    kind: str
    object_id: int
    title: str
    body: str = ""
    context: str = ""  # where it sits: a fact's page
    section: str = ""  # the part of the site: a cause's group (never a case's: that would give its key away)


@dataclass(frozen=True)
class Source:
    kind: str
    #: The text of the objects with these ids (every object when ``None``); missing ids are simply absent.
    documents: Callable[[Collection[int] | None], Iterable[Document]]
    #: The objects with these ids that any reader may see, by id, ready for the answer page.
    visible: Callable[[Collection[int]], dict[int, Any]]


_SOURCES: dict[str, Source] = {}


def register_source(source: Source) -> None:
    _SOURCES[source.kind] = source


def registered_sources() -> list[Source]:
    return list(_SOURCES.values())


def source_for(kind: str) -> Source:
    return _SOURCES[kind]
