"""The gradebook of a quiz as CSV and as XLSX (instructor rights; see ``gradebook``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.http import require_GET

from leucocases.editorial.access import instructor_required
from leucocases.quizzes.models import Quiz

from .forms import CohortFilterForm
from .gradebook import Gradebook, gradebook_notes, gradebook_table, quiz_gradebook
from .spreadsheets import csv_write, xlsx_bytes

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _gradebook(request: HttpRequest, slug: str) -> Gradebook:
    quiz = get_object_or_404(Quiz, slug=slug)
    return quiz_gradebook(quiz=quiz, cohort=CohortFilterForm(request.GET or None).selected())


def _attachment(response: HttpResponse, gradebook: Gradebook, suffix: str) -> HttpResponse:
    cohort = f"-{gradebook.cohort.slug}" if gradebook.cohort is not None else ""
    stamp = timezone.localtime().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="{gradebook.quiz.slug}{cohort}-gradebook-{stamp}.{suffix}"'
    return response


@instructor_required
@require_GET
def quiz_gradebook_csv(request: HttpRequest, slug: str) -> HttpResponse:
    gradebook = _gradebook(request, slug)
    sheet = gradebook_table(gradebook)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    csv_write(header=sheet.header, rows=sheet.rows, out=response)
    return _attachment(response, gradebook, "csv")


@instructor_required
@require_GET
def quiz_gradebook_xlsx(request: HttpRequest, slug: str) -> HttpResponse:
    gradebook = _gradebook(request, slug)
    exported_at = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    content = xlsx_bytes([gradebook_table(gradebook), gradebook_notes(gradebook, exported_at=exported_at)])
    return _attachment(HttpResponse(content, content_type=XLSX_TYPE), gradebook, "xlsx")
