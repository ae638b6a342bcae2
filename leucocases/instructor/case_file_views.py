"""Case files in the browser: upload (check, or import as drafts) and download.

The same import and export as ``manage.py import_cases`` and ``export_cases``
(``case_files``, ``cases.casefile.exporter``), with instructor rights.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from leucocases.cases.casefile.exporter import casefile_export, cases_for_export
from leucocases.cases.import_report import (
    dry_run_summary,
    expert_path_summary,
    import_drafts_note,
    import_refusal,
    import_summary,
)
from leucocases.cases.models import Case
from leucocases.editorial.access import instructor_required

from .case_files import Upload, case_files_upload
from .forms import CaseFilesForm

CHECK = "check"


@instructor_required
@require_http_methods(["GET", "POST"])
def case_files(request: HttpRequest) -> HttpResponse:
    """GET: the upload form. POST: check the files (``action=check``) or import them as drafts."""
    form = CaseFilesForm(request.POST or None, request.FILES or None)
    context: dict = {"form": form}
    if request.method == "POST" and form.is_valid():
        uploads = [Upload(name=f.name, content=f.read()) for f in form.cleaned_data["files"]]
        dry_run = request.POST.get("action") == CHECK
        result = case_files_upload(uploads=uploads, author=request.user, dry_run=dry_run)
        if not result.ok:
            context |= {"errors": [str(e) for e in result.errors], "refusal": import_refusal(result.errors)}
        elif dry_run:
            context |= {"checked": [expert_path_summary(spec) for _f, spec in result.specs]}
            context["checked_summary"] = dry_run_summary(result)
        else:
            messages.success(request, import_summary(result))
            note = import_drafts_note(result)
            if note:
                messages.info(request, f"{note} A colleague approves them in the admin.")
            return redirect("instructor:case_files")
    return render(request, "instructor/case_files.html", context)


@instructor_required
@require_GET
def case_file_download(request: HttpRequest, slug: str) -> HttpResponse:
    """The case as ``export_cases --slug SLUG`` writes it (a draft of changes by its own slug)."""
    case = get_object_or_404(cases_for_export(Case.objects.filter(slug=slug)))
    response = HttpResponse(casefile_export(cases=[case]), content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{case.slug}.yaml"'
    return response
