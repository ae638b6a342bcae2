"""Read case files and write them into case rows: the two halves of an import.

``casefile_read`` reads and checks every file (structure, identifiers against
the database, the key's rules) and writes nothing; one error anywhere and the
import writes nothing. ``CaseWriter`` then writes a checked spec's content and
key onto a case row, or into a new draft. Which row, with which review status
and history, is the review workflow's decision, not the file's: the whole
import is ``leucocases.cases.import_workflow.case_files_import``, run by the
``import_cases`` command.

Writing into an existing row updates it in place (same primary key): its
fields, groups, labels, initial labs and key (findings, order rules, diagnosis
options) are replaced. Attempts, their choices and their graded reports are
never touched: choices point at workup steps, not findings, and a report is a
frozen copy, so past attempts read exactly as they did (a regrade is a
separate, deliberate action).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

from leucocases.cases.models import Case, CaseLabel, DiagnosisOption, Finding, InitialLab, OrderRule
from leucocases.editorial.models import ReviewStatus
from leucocases.taxonomy.models import Cause, CauseGroup, Reference, WorkupStep

from . import DIFFICULTIES, SCORING_DECIMALS, CaseFileError, CaseSpec, KnownIds, parse_text
from .exporter import case_spec

__all__ = ["CASE_FILE_SUFFIXES", "CaseWriter", "ImportResult", "case_file_paths", "casefile_read", "known_ids"]

CASE_FILE_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(slots=True)
class ImportResult:
    """What an import did (or, with errors, why it did nothing)."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[CaseFileError] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    #: Created or updated cases that went live (approved) with this import.
    published: list[str] = field(default_factory=list)
    #: Approved cases whose update went into their draft of changes, for
    #: review: learners keep playing the approved version.
    pending: list[str] = field(default_factory=list)
    #: The checked cases, with the file each came from (``casefile_read``).
    specs: list[tuple[str, CaseSpec]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def known_ids() -> KnownIds:
    """The identifiers case files may name, as they stand in the database."""
    return KnownIds(
        steps=frozenset(WorkupStep.objects.values_list("slug", flat=True)),
        causes=frozenset(Cause.objects.values_list("slug", flat=True)),
        groups=frozenset(CauseGroup.objects.values_list("slug", flat=True)),
        references=frozenset(Reference.objects.values_list("key", flat=True)),
        labels=frozenset(CaseLabel.objects.values_list("slug", flat=True)),
    )


def case_file_paths(paths: Iterable[str | Path]) -> tuple[list[Path], list[CaseFileError]]:
    """Expand files and directories (searched recursively, in name order) into
    case files; a path that does not exist is an error."""
    found: list[Path] = []
    errors: list[CaseFileError] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            inside = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in CASE_FILE_SUFFIXES)
            if not inside:
                errors.append(CaseFileError(str(path), None, "", "no case files (.yaml, .yml, .json) here", "empty"))
            found.extend(inside)
        elif path.is_file():
            found.append(path)
        else:
            errors.append(CaseFileError(str(path), None, "", "no such file or directory", "missing"))
    # The same file named twice (a file and its directory) is read once.
    unique = list(dict.fromkeys(found))
    return unique, errors


def casefile_read(*, paths: Sequence[str | Path]) -> ImportResult:
    """Read and check every case file under ``paths``; write nothing.

    Returns the checked specs with their files, or the errors.
    """
    files, errors = case_file_paths(paths)
    result = ImportResult(errors=errors, files=[str(f) for f in files])
    known = known_ids()
    defined_in: dict[str, str] = {}
    for file in files:
        name = str(file)
        try:
            text = file.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            result.errors.append(CaseFileError(name, None, "", f"not UTF-8 text (byte {exc.start})", "encoding"))
            continue
        except OSError as exc:
            result.errors.append(CaseFileError(name, None, "", f"cannot be read: {exc.strerror}", "unreadable"))
            continue
        parsed = parse_text(text, file=name, known=known)
        result.errors.extend(parsed.errors)
        for spec in parsed.cases:
            if spec.slug in defined_in:
                message = f"the slug is also used by a case in {defined_in[spec.slug]}"
                result.errors.append(CaseFileError(name, spec.slug, "slug", message, "duplicate_slug"))
                continue
            defined_in[spec.slug] = name
            result.specs.append((name, spec))
    return result


class CaseWriter:
    """Writes checked specs onto case rows, looking identifiers up once per import."""

    def __init__(self) -> None:
        self.steps = dict(WorkupStep.objects.values_list("slug", "pk"))
        self.causes = dict(Cause.objects.values_list("slug", "pk"))
        self.groups = dict(CauseGroup.objects.values_list("slug", "pk"))
        self.labels = dict(CaseLabel.objects.values_list("slug", "pk"))
        self.references = dict(Reference.objects.values_list("key", "pk"))

    @staticmethod
    def says(spec: CaseSpec, case: Case) -> bool:
        """Whether ``case``'s content and key are what ``spec`` says (the
        file's ``status`` aside: the review workflow owns a case's status)."""
        return _comparable(case_spec(case)) == _comparable(spec)

    def write(self, spec: CaseSpec, case: Case | None, *, author=None) -> Case:
        """Write ``spec``'s content and key onto ``case``, or into a new draft
        authored by ``author``; the review status and record are left alone."""
        if case is None:
            case = Case(slug=spec.slug, review_status=ReviewStatus.DRAFT, author=author)
        case.title = spec.title
        case.difficulty = DIFFICULTIES[spec.difficulty]
        case.is_practice = spec.practice
        case.presentation = spec.presentation
        case.learning_objectives = spec.learning_objectives
        for name in SCORING_DECIMALS:
            setattr(case, name, _decimal(getattr(spec.scoring, name)))
        for letter, low in spec.scoring.grade_bands.thresholds():
            setattr(case, f"grade_band_{letter.lower()}", _decimal(low))
        case.save()
        case.groups.set([self.groups[g] for g in spec.groups])
        case.labels.set([self.labels[label] for label in spec.labels])

        # Replace the key wholesale. Nothing references these rows but the
        # case itself (choices point at workup steps), so attempts and their
        # stored reports are unaffected.
        case.initial_labs.all().delete()
        case.findings.all().delete()
        case.order_rules.all().delete()
        case.diagnosis_options.all().delete()

        InitialLab.objects.bulk_create(
            InitialLab(
                case=case,
                position=position,
                name=row.name,
                value=row.value,
                unit=row.unit,
                reference_range=row.range,
                flag=row.flag,
            )
            for position, row in enumerate(spec.initial_labs, start=1)
        )
        for f in spec.findings:
            finding = Finding.objects.create(
                case=case,
                step_id=self.steps[f.step],
                occurrence=f.occurrence,
                tier=f.tier,
                weight=_decimal(f.weight),
                any_of=f.any_of,
                result=f.result,
                table=[row.to_json() for row in f.table],
                series={} if f.series is None else f.series.to_json(),
                rationale=f.rationale,
                expert_position=f.expert_position,
            )
            finding.references.set(self._refs(f.citations))
        for r in spec.order_rules:
            rule = OrderRule.objects.create(
                case=case,
                before_id=self.steps[r.before],
                before_occurrence=r.before_occurrence,
                after_id=self.steps[r.after],
                after_occurrence=r.after_occurrence,
                rationale=r.rationale,
                premature_counts_as_harmful=r.counts_as_harmful,
            )
            rule.references.set(self._refs(r.citations))
        for d in spec.diagnosis:
            option = DiagnosisOption.objects.create(
                case=case,
                cause_id=self.causes[d.cause],
                credit=_decimal(d.credit),
                rationale=d.rationale,
            )
            option.references.set(self._refs(d.citations))
        return case

    def _refs(self, keys: Iterable[str]) -> list[int]:
        return [self.references[k] for k in keys]


def _comparable(spec: CaseSpec) -> CaseSpec:
    """The spec without its status, and with its unordered parts (groups,
    labels and citations are sets in the database) in a fixed order, to tell
    "unchanged" from "updated"."""
    return replace(
        spec,
        status="",
        groups=tuple(sorted(spec.groups)),
        labels=tuple(sorted(spec.labels)),
        findings=tuple(replace(f, citations=tuple(sorted(f.citations))) for f in spec.findings),
        order_rules=tuple(replace(r, citations=tuple(sorted(r.citations))) for r in spec.order_rules),
        diagnosis=tuple(replace(d, citations=tuple(sorted(d.citations))) for d in spec.diagnosis),
    )


def _decimal(value: float | int) -> Decimal:
    # Through repr, so 0.6 is stored as 0.6 and not 0.59999999999999997779.
    return Decimal(repr(value))
