"""The case editor's pages: new, edit, dry run, learner preview, review moves.

Thin views over ``editor`` (the forms), ``services`` (writes), ``dry_run``
and ``preview``. Every page works as plain forms; the dry run answers htmx
with its panel alone.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leucocases.cases.admin.case_form import BAND_FIELDS, SCORING_FIELDS
from leucocases.cases.casefile.exporter import case_spec
from leucocases.cases.models import Case
from leucocases.cases.review import case_review_transition
from leucocases.editorial.access import instructor_required
from leucocases.editorial.models import ReviewStatus

from . import dry_run, preview, services
from .editor import ADD_OCCURRENCE, CaseEditor

SUBMIT = "submit"
SCORING_NAMES = frozenset((*SCORING_FIELDS, *BAND_FIELDS.values()))


def _edit_url(case: Case) -> str:
    return reverse("instructor:case_edit", kwargs={"slug": case.slug})


def _editor_page(request: HttpRequest, case: Case | None, editor: CaseEditor, **extra) -> HttpResponse:
    context = {
        "case": case,
        "editor": editor,
        "dry_form": extra.pop("dry_form", None) or dry_run.DryRunForm(prefix="dry", initial=_path_initial(request)),
        "dry_run_url": reverse("instructor:case_dry_run", kwargs={"slug": case.slug})
        if case
        else reverse("instructor:case_new_dry_run"),
        "review_moves": _review_moves(case, request.user),
        "scoring_names": SCORING_NAMES,
        **extra,
    }
    return render(request, "instructor/case_editor/editor.html", context)


def _path_initial(request: HttpRequest) -> dict:
    path = request.GET.get("path", "")
    return {"steps": "\n".join(s for s in path.split(",") if s)} if path else {}


def _review_moves(case: Case | None, user) -> list[tuple[str, str]]:
    """The review moves this page offers on ``case``: (status, button text)."""
    if case is None:
        return []
    status = case.review_status
    if status == ReviewStatus.DRAFT:
        return [(ReviewStatus.SUBMITTED, "Submit for review")]
    if status == ReviewStatus.SUBMITTED:
        return [(ReviewStatus.UNDER_REVIEW, "Start reviewing"), (ReviewStatus.DRAFT, "Return to draft")]
    if status == ReviewStatus.UNDER_REVIEW:
        return [(ReviewStatus.APPROVED, "Approve and publish"), (ReviewStatus.DRAFT, "Return to draft")]
    return []


def _post(request: HttpRequest, case: Case | None) -> HttpResponse:
    editor = CaseEditor(case=case, spec=None, data=request.POST)
    if ADD_OCCURRENCE in request.POST:
        # Only a row more: nothing is checked or stored yet.
        return _editor_page(request, case, editor, validated=False)
    if not editor.is_valid():
        return _editor_page(request, case, editor, validated=True, errors=editor.error_summary())
    spec = editor.case_spec(slug=case.slug if case else "")
    target, changed = services.case_editor_save(case=case, spec=spec, user=request.user)
    if case is not None and case.is_locked:
        messages.info(request, f"Saved in the draft of changes: learners keep playing version {case.version}.")
    else:
        messages.success(request, "Saved." if changed else "Nothing had changed.")
    if request.POST.get("action") == SUBMIT and target.review_status == ReviewStatus.DRAFT:
        return _move(request, target, ReviewStatus.SUBMITTED)
    return redirect(_edit_url(target))


@instructor_required
@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _post(request, None)
    return _editor_page(request, None, CaseEditor(case=None, spec=None))


@instructor_required
@require_http_methods(["GET", "POST"])
def case_edit(request: HttpRequest, slug: str) -> HttpResponse:
    case = get_object_or_404(Case.objects.select_related("draft_of"), slug=slug)
    draft = Case.objects.filter(draft_of=case).only("slug").first() if case.is_locked else None
    if request.method == "POST":
        return _post(request, case)
    if draft is not None:
        return redirect(_edit_url(draft))
    return _editor_page(request, case, CaseEditor(case=case, spec=case_spec(case)))


@instructor_required
@require_POST
def case_dry_run(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    """Grade the typed path against the key as the page now holds it; store nothing."""
    case = get_object_or_404(Case, slug=slug) if slug else None
    editor = CaseEditor(case=case, spec=None, data=request.POST)
    result = dry_run.dry_run(editor=editor, data=request.POST)
    if request.htmx:
        return render(request, "instructor/case_editor/dry_run_panel.html", {"result": result})
    return _editor_page(request, case, editor, validated=False, dry_form=result.form, dry_result=result)


@instructor_required
@require_GET
def case_preview(request: HttpRequest, slug: str) -> HttpResponse:
    """The case as a learner plays it, saved content, ordering allowed; records nothing."""
    case = get_object_or_404(Case, slug=slug)
    return render(request, "instructor/case_editor/preview.html", preview.preview_context(case=case, query=request.GET))


@instructor_required
@require_POST
def case_review(request: HttpRequest, slug: str) -> HttpResponse:
    case = get_object_or_404(Case, slug=slug)
    to_status = request.POST.get("to_status", "")
    if to_status not in ReviewStatus.values:
        messages.error(request, "Unknown review move.")
        return redirect(_edit_url(case))
    return _move(request, case, to_status)


def _move(request: HttpRequest, case: Case, to_status: str) -> HttpResponse:
    try:
        outcome = case_review_transition(case=case, user=request.user, to_status=to_status)
    except (PermissionDenied, ValidationError) as refusal:
        text = " ".join(refusal.messages) if isinstance(refusal, ValidationError) else str(refusal)
        messages.error(request, text)
        return redirect(_edit_url(case))
    if outcome.published:
        messages.success(request, f"“{outcome.case}” version {outcome.published} is now what learners play.")
    else:
        messages.success(request, f"Review status: {ReviewStatus(to_status).label}.")
    return redirect(_edit_url(outcome.case))
