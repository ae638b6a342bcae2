"""The stored reports' digests for item analysis, read in a fixed number of queries.

``report_records`` turns the current reports of submitted attempts into
``statistics.ReportRecord``s, by case, from their ``ReportDigest``; a report
met for the first time is digested by the database (``ReportLines`` and
``ReportMissed`` pick the few parts out of its JSON, in SQLite's and
PostgreSQL's SQL) and its digest stored, so Python never decodes the
rationales that make up most of every report.
"""

from __future__ import annotations

import json
from collections import defaultdict

from django.db import connection
from django.db.models import Func, JSONField, QuerySet, TextField
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from leucocases.cases.models import GradedReport
from leucocases.cases.report_outline import grade_letter

from . import statistics
from .models import ReportDigest

__all__ = ["ReportLines", "ReportMissed", "report_records"]


def report_records(reports: QuerySet[GradedReport]) -> dict[int, list[statistics.ReportRecord]]:
    """Current reports of submitted attempts, by case.

    One query reads the reports' digests (``ReportDigest``); reports met for
    the first time are digested in one more query and their digests stored
    in one bulk insert. Never one query per attempt.
    """
    reports = reports.filter(superseded_at__isnull=True, attempt__submitted_at__isnull=False)
    rows = list(
        reports.order_by("attempt_id")
        # As text, decoded below in one json.loads for all rows: ten thousand
        # small decodes cost more than the query.
        .annotate(lines_text=Cast("digest__lines", TextField()), missed_text=Cast("digest__missed", TextField()))
        .values_list(
            "pk",
            "attempt_id",
            "attempt__case_id",
            "attempt__quiz_case__quiz_attempt_id",
            "total",
            "digest__report_id",
            "lines_text",
            "missed_text",
            "digest__diagnosis",
            "digest__diagnosis_verdict",
            "digest__grade",
        )
    )
    fresh = _digest_missing([row[0] for row in rows if row[5] is None])
    stored = json.loads("[" + ",".join(f"[{row[6]},{row[7]}]" for row in rows if row[5] is not None) + "]")
    stored_parts = iter(stored)
    by_case: dict[int, list[statistics.ReportRecord]] = defaultdict(list)
    for pk, attempt_id, case_id, quiz_attempt_id, total, digested, _lines, _missed, diagnosis, verdict, grade in rows:
        if digested is None:
            digest = fresh[pk]
            lines, missed, diagnosis, verdict = digest.lines, digest.missed, digest.diagnosis, digest.diagnosis_verdict
            grade = digest.grade
        else:
            lines, missed = next(stored_parts)
        steps, verdicts = zip(*lines, strict=True) if lines else ((), ())
        missed_steps, missed_occurrences = zip(*missed, strict=True) if missed else ((), ())
        by_case[case_id].append(
            statistics.ReportRecord(
                attempt_id=attempt_id,
                total=float(total),
                steps=steps,
                verdicts=verdicts,
                missed=missed_steps,
                missed_occurrences=missed_occurrences,
                diagnosis=diagnosis or None,
                diagnosis_verdict=verdict or "none",
                quiz_attempt_id=quiz_attempt_id,
                grade=grade or "",
            )
        )
    return by_case


def _digest_missing(report_ids: list[int]) -> dict[int, ReportDigest]:
    """Digest the given reports and store the digests (safe if another request
    stores the same ones at the same time)."""
    if not report_ids:
        return {}
    digests = {}
    reports = GradedReport.objects.filter(pk__in=report_ids)
    if connection.vendor in ("sqlite", "postgresql"):
        # The database picks the few parts out of each report's JSON, so
        # Python never decodes the rationales (most of every report).
        rows = reports.annotate(
            line_pairs=ReportLines("data"),
            missed_pairs=ReportMissed("data"),
            chosen=KT("data__diagnosis__chosen"),
            verdict=KT("data__diagnosis__verdict"),
            stored_grade=KT("data__grade"),
            bands=KT("data__scoring__grade_bands"),
        ).values_list("pk", "total", "line_pairs", "missed_pairs", "chosen", "verdict", "stored_grade", "bands")
        for pk, total, lines, missed, chosen, verdict, grade, bands in rows:
            digests[pk] = ReportDigest(
                report_id=pk,
                lines=[[str(step), str(verdict_)] for step, verdict_ in lines or ()],
                missed=[[str(step), _occurrence(occurrence)] for step, occurrence in missed or ()],
                diagnosis=chosen or "",
                diagnosis_verdict=verdict or "none",
                # Engine 1 stored no grade: the letter its total earns, as the report page gives it.
                grade=grade_letter(grade, total=total, bands=json.loads(bands) if bands else None),
            )
    else:
        for pk, total, data in reports.values_list("pk", "total", "data"):
            record = statistics.record_from_data(attempt_id=0, total=total, data=data or {})
            digests[pk] = ReportDigest.from_record(report_id=pk, record=record)
    ReportDigest.objects.bulk_create(digests.values(), batch_size=500, ignore_conflicts=True)
    return digests


def _occurrence(value: object) -> int:
    # A missed essential of engine 1 names no occurrence: its first.
    return value if isinstance(value, int) and value > 0 else 1


class _ReportJSONPart(Func):
    """A part of a stored report's JSON picked out by the database: each
    subclass gives the query in SQLite's dialect (``SQLITE``) and PostgreSQL's
    (``POSTGRESQL``), as their JSON functions differ."""

    arity = 1
    output_field = JSONField()
    SQLITE = POSTGRESQL = ""

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template=self.SQLITE, **extra_context)

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template=self.POSTGRESQL, **extra_context)


class ReportLines(_ReportJSONPart):
    """``[[step, verdict], …]`` of a stored report's lines, in order, built by
    the database; a line without a step or a verdict is no choice (as in
    ``cases.report_outline``)."""

    SQLITE = (
        "(SELECT json_group_array(json_array(json_extract(j.value, '$.step'), json_extract(j.value, '$.verdict')))"
        " FROM json_each(%(expressions)s, '$.lines') AS j"
        " WHERE json_extract(j.value, '$.step') <> '' AND json_extract(j.value, '$.verdict') <> '')"
    )
    POSTGRESQL = (
        "(SELECT coalesce(jsonb_agg(jsonb_build_array(l.value->>'step', l.value->>'verdict') ORDER BY l.ord),"
        " '[]'::jsonb) FROM jsonb_array_elements(coalesce(%(expressions)s->'lines', '[]'::jsonb))"
        " WITH ORDINALITY AS l(value, ord) WHERE l.value->>'step' <> '' AND l.value->>'verdict' <> '')"
    )


class ReportMissed(_ReportJSONPart):
    """``[[step, occurrence], …]``: a stored report's missed essentials, built
    by the database (occurrence null when the report names none: engine 1)."""

    SQLITE = (
        "(SELECT json_group_array(json_array(json_extract(j.value, '$.step'), json_extract(j.value, '$.occurrence')))"
        " FROM json_each(%(expressions)s, '$.missed_essentials') AS j WHERE json_extract(j.value, '$.step') <> '')"
    )
    POSTGRESQL = (
        "(SELECT coalesce(jsonb_agg(jsonb_build_array(m.value->>'step', m.value->'occurrence') ORDER BY m.ord),"
        " '[]'::jsonb) FROM jsonb_array_elements(coalesce(%(expressions)s->'missed_essentials', '[]'::jsonb))"
        " WITH ORDINALITY AS m(value, ord) WHERE m.value->>'step' <> '')"
    )
