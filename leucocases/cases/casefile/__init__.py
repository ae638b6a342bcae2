"""Case files: the YAML/JSON format of docs/case-format.md.

The format itself is pure (no Django) and is re-exported here:

- ``records``: the typed records of a parsed case (``CaseSpec`` ...) and the
  problems authors read (``FieldProblem``, ``CaseFileError``);
- ``json_schema``: structure and types (``CASE_SCHEMA``), the vocabularies and
  the column sizes values must fit;
- ``versions``: the fields that need ``schema: 2`` (no ``schema:`` is 1; export
  writes 2);
- ``structure``: the schema's errors in authors' words, numbers' limits;
- ``semantics``: names that must exist, and the key's rules (the engine's
  ``validate_key``), each problem under its field;
- ``reader``: YAML/JSON within limits (``yamllimits``) -> checked records;
- ``writer``: records -> one canonical YAML layout, so export -> import ->
  export is byte-identical.

``importer``, ``exporter`` and ``rows`` (the mapping of key rows to records
that the export and the grading key share) connect the format to the
database; import them directly (``from leucocases.cases.casefile.importer
import casefile_read``) so that importing this package never pulls in Django.
"""

from .json_schema import (
    CASE_SCHEMA,
    DIFFICULTIES,
    MAX_LENGTHS,
    MAX_SERIES_VALUE,
    REVIEW_STATUSES,
    SCORING_DECIMALS,
)
from .reader import load_text, parse_text
from .records import (
    CaseFileError,
    CaseSpec,
    DiagnosisSpec,
    FieldProblem,
    FindingSpec,
    KnownIds,
    LabRow,
    OrderRuleSpec,
    ParseResult,
    Series,
    SeriesPoint,
    TableRow,
    case_from_document,
    series_from_json,
    table_rows,
)
from .semantics import check_differential, check_key, check_references, document_errors, scoring_problems
from .structure import series_problems, table_problems
from .writer import case_document, dump_documents, plain_number

__all__ = [
    "CASE_SCHEMA",
    "DIFFICULTIES",
    "MAX_LENGTHS",
    "MAX_SERIES_VALUE",
    "REVIEW_STATUSES",
    "SCORING_DECIMALS",
    "CaseFileError",
    "CaseSpec",
    "DiagnosisSpec",
    "FieldProblem",
    "FindingSpec",
    "KnownIds",
    "LabRow",
    "OrderRuleSpec",
    "ParseResult",
    "Series",
    "SeriesPoint",
    "TableRow",
    "case_document",
    "case_from_document",
    "check_differential",
    "check_key",
    "check_references",
    "document_errors",
    "dump_documents",
    "load_text",
    "parse_text",
    "plain_number",
    "scoring_problems",
    "series_from_json",
    "series_problems",
    "table_problems",
    "table_rows",
]
