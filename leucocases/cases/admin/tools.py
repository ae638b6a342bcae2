"""The case admin's own pages, beyond the declarative change form.

Dry-run a path against the current key (stores nothing), the change history
(every revision, and one revision's diff and case file), review comments
under the change form, and the links to learner preview, item analysis and
regrade that the change page and these pages show.
"""

from __future__ import annotations

import re

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from leucocases.taxonomy.models import Cause, WorkupStep

from .. import history
from .. import review as case_review
from ..dry_run import dry_run_reasoning
from ..forms import ReviewCommentForm
from ..grading import InvalidKeyError
from ..grading.certainty import Certainty
from ..grading.differential import MAX_CAUSES
from ..keys import grade_path
from ..models import Case, CaseRevision, DiagnosisOption


class DryRunForm(forms.Form):
    steps = forms.CharField(
        label="Steps, in the order chosen",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 40}),
        help_text="Catalogue slugs (investigations and actions), one per line or separated by commas (see the "
        "catalogue below). A slug listed twice is that entry's second occurrence (a follow-up count, say).",
    )
    diagnosis = forms.ModelChoiceField(
        label="Chosen cause",
        queryset=Cause.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label="(no diagnosis)",
    )
    first_differential = forms.CharField(
        label="Differential after the presentation",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 40}),
        help_text=f"Up to {MAX_CAUSES} cause slugs, most likely first, one per line or separated by commas "
        "(compared only if the case keys this checkpoint).",
    )
    final_differential = forms.CharField(
        label="Differential with the final diagnosis",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 40}),
        help_text=f"Up to {MAX_CAUSES} cause slugs, most likely first.",
    )
    certainty = forms.ChoiceField(
        label="Certainty stated",
        choices=[("", "(none)"), *((level.value, level.value.capitalize()) for level in Certainty)],
        required=False,
    )

    def _causes(self, name: str) -> list[str]:
        slugs = [s.strip() for s in re.split(r"[,\s]+", self.cleaned_data[name]) if s.strip()]
        known = set(Cause.objects.filter(slug__in=slugs).values_list("slug", flat=True))
        if unknown := [s for s in slugs if s not in known]:
            raise ValidationError(
                "Unknown cause: %(causes)s.", code="unknown_cause", params={"causes": ", ".join(unknown)}
            )
        if len(slugs) > MAX_CAUSES or len(set(slugs)) != len(slugs):
            raise ValidationError(f"Up to {MAX_CAUSES} different causes.", code="differential")
        return slugs

    def clean_first_differential(self):
        return self._causes("first_differential")

    def clean_final_differential(self):
        return self._causes("final_differential")

    def lists(self) -> dict[str, list[str]]:
        """The differentials entered, by checkpoint (call once valid)."""
        return {
            "presentation": self.cleaned_data["first_differential"],
            "final": self.cleaned_data["final_differential"],
        }

    def clean_steps(self):
        slugs = [s.strip() for s in re.split(r"[,\s]+", self.cleaned_data["steps"]) if s.strip()]
        known = set(WorkupStep.objects.filter(slug__in=slugs).values_list("slug", flat=True))
        unknown = [s for s in slugs if s not in known]
        if unknown:
            raise ValidationError(
                "Unknown workup step: %(steps)s.", code="unknown_step", params={"steps": ", ".join(unknown)}
            )
        return slugs


class CaseToolsMixin:
    """Mix into the case admin (before its bases): the tool pages and their links."""

    #: The tool pages: (route under the case's admin URL, view method, URL name's ending).
    TOOL_PAGES = (
        ("dry-run/", "dry_run_view", "dry_run"),
        ("revisions/", "revisions_view", "revisions"),
        ("revisions/<int:number>/", "revision_view", "revision"),
        ("comments/", "comment_add_view", "comment"),
    )

    def get_urls(self):
        app, model = self.opts.app_label, self.opts.model_name
        tools = [
            path(
                f"<path:object_id>/{route}",
                self.admin_site.admin_view(getattr(self, view)),
                name=f"{app}_{model}_{end}",
            )
            for route, view, end in self.TOOL_PAGES
        ]
        return [*tools, *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), **self._tool_links(object_id)}
        case = self.get_object_for_links(object_id)
        if case is not None:
            extra_context |= {
                "review_comments": case.review_comments.select_related("author"),
                "comment_form": ReviewCommentForm(auto_id="id_review_comment_%s"),
                "comment_url": reverse("admin:cases_case_comment", args=[case.pk]),
                "can_comment": self.has_change_permission(request),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def _tool_links(self, object_id) -> dict[str, str]:
        case = self.get_object_for_links(object_id)
        if case is None:
            return {}
        return {
            "dry_run_url": reverse("admin:cases_case_dry_run", args=[case.pk]),
            "preview_url": case.get_absolute_url(),
            "revisions_url": reverse("admin:cases_case_revisions", args=[case.pk]),
            "analysis_url": reverse("instructor:case_analysis", kwargs={"slug": case.slug}),
            "regrade_url": reverse("instructor:case_regrade", kwargs={"slug": case.slug}),
        }

    def _case_or_404(self, request, object_id):
        case = self.get_object(request, unquote(object_id))
        if case is None:
            raise Http404("No such case.")
        if not self.has_view_or_change_permission(request, case):
            raise PermissionDenied
        return case

    def _tool_context(self, request, case, title: str) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": case,
            "title": title,
            "subtitle": None,
            "has_view_permission": True,
            **self._tool_links(case.pk),
        }

    # -- review comments -----------------------------------------------------

    def comment_add_view(self, request, object_id):
        """Post a review comment (shown at the foot of the change page)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        case = self._case_or_404(request, object_id)
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = ReviewCommentForm(request.POST)
        if form.is_valid():
            try:
                case_review.review_comment_add(case=case, user=request.user, body=form.cleaned_data["body"])
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                self.message_user(request, "Your review comment was added.", messages.SUCCESS)
        else:
            self.message_user(
                request, "The comment was not added: write one (at most 5,000 characters).", messages.ERROR
            )
        return HttpResponseRedirect(reverse("admin:cases_case_change", args=[case.pk]) + "#review-comments")

    # -- change history ----------------------------------------------------

    def revisions_view(self, request, object_id):
        """Every revision of the case, newest first, each linking to its changes."""
        case = self._case_or_404(request, object_id)
        revisions = CaseRevision.objects.filter(case=case).select_related("user").order_by("-number")
        context = {
            **self._tool_context(request, case, f"Change history: {case.title}"),
            "revisions": revisions,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/cases/case/revisions.html", context)

    def revision_view(self, request, object_id, number):
        """One revision: what changed since the one before, and the case file as it then stood."""
        case = self._case_or_404(request, object_id)
        revision = CaseRevision.objects.filter(case=case, number=number).select_related("user").first()
        if revision is None:
            raise Http404("No such revision.")
        previous = CaseRevision.objects.filter(case=case, number__lt=number).order_by("-number").first()
        following = CaseRevision.objects.filter(case=case, number__gt=number).order_by("number").first()
        context = {
            **self._tool_context(request, case, f"Revision {revision.number}: {case.title}"),
            "revision": revision,
            "previous": previous,
            "following": following,
            "diff": history.revision_diff(older=previous, newer=revision),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/cases/case/revision.html", context)

    def get_object_for_links(self, object_id):
        try:
            return Case.objects.only("pk", "slug").get(pk=object_id)
        except (Case.DoesNotExist, ValueError, ValidationError):
            return None

    def dry_run_view(self, request, object_id):
        """Grade a path against this case's current key; store nothing."""
        case = self._case_or_404(request, object_id)
        form = DryRunForm(request.GET or None)
        report = reasoning = None
        key_problems = []
        if form.is_bound and form.is_valid():
            cause = form.cleaned_data["diagnosis"]
            try:
                report = grade_path(
                    case=case,
                    step_slugs=form.cleaned_data["steps"],
                    diagnosis_slug=None if cause is None else cause.slug,
                )
            except InvalidKeyError as exc:
                key_problems = [p.message for p in exc.problems]
            else:
                correct = DiagnosisOption.objects.filter(case=case, credit=1).values_list("cause__slug", flat=True)
                reasoning = dry_run_reasoning(
                    differential=case.differential,
                    correct_cause=correct.first() or "",
                    lists=form.lists(),
                    certainty=form.cleaned_data["certainty"],
                    report=report,
                )
        keyed: dict[str, list[str]] = {}
        for f in case.findings.select_related("step").order_by("step", "occurrence"):
            tier = f.get_tier_display() if f.occurrence == 1 else f"occurrence {f.occurrence}: {f.get_tier_display()}"
            keyed.setdefault(f.step.slug, []).append(tier)
        context = {
            **self._tool_context(request, case, f"Dry-run a path: {case.title}"),
            "form": form,
            "report": report,
            "reasoning": reasoning,
            "key_problems": key_problems,
            "step_names": dict(WorkupStep.objects.values_list("slug", "name")),
            "catalogue": [
                {
                    "slug": s.slug,
                    "name": s.name,
                    "category": s.get_category_display(),
                    "tier": "; ".join(keyed.get(s.slug, ())),
                }
                for s in WorkupStep.objects.all()
            ],
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/cases/case/dry_run.html", context)
