"""Case files: the YAML/JSON format of docs/case-format.md.

``schema`` is pure (no Django): it parses, checks and writes the format.
``importer`` and ``exporter`` connect it to the database; import them
directly (``from leucocases.cases.casefile.importer import casefile_read``)
so that importing this package never pulls in Django.
"""

from .schema import CaseFileError, CaseSpec, KnownIds, dump_documents, parse_text

__all__ = ["CaseFileError", "CaseSpec", "KnownIds", "dump_documents", "parse_text"]
