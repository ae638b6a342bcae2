"""Authoring cases in the admin, and reading attempts and reports.

The key's rules (an essential step, order rules between keyed steps and
without cycles, exactly one full-credit cause, sane scoring) are the grading
engine's, reached through the case-file schema (``casefile.check_key``
and ``scoring_problems``): the admin only maps each problem back onto the
inline form and field it concerns. Because those rules span several inlines,
the three key formsets share one ``KeyCheck`` per request.

Review tools: every save, review transition, archive, unarchive and
duplicate records a ``CaseRevision`` (the whole case file, who, when, what)
through ``history``, ``review`` and ``authoring``, explicitly, from
``save_related`` and the actions, never from a signal; the change page lists
review comments under the form, and links to the change history, the item
analysis and the regrade page.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from leucocases.editorial.admin import REVIEW_FIELDSET, REVIEW_LIST_FILTER, LockedWithParentInline, ReviewableAdmin
from leucocases.taxonomy.models import Cause, WorkupStep
from leucocases.taxonomy.search.indexed_admin import SearchIndexedAdmin
from leucocases.taxonomy.search.models import SearchEntry

from . import authoring, history, policies
from . import review as case_review
from .casefile import (
    DiagnosisSpec,
    FieldProblem,
    FindingSpec,
    OrderRuleSpec,
    check_key,
    scoring_problems,
    series_from_json,
    series_problems,
    table_problems,
    table_rows,
)
from .forms import ReviewCommentForm
from .grading import InvalidKeyError, ScoringSettings
from .keys import grade_path
from .models import (
    Attempt,
    Case,
    CaseLabel,
    CaseRevision,
    Choice,
    DiagnosisOption,
    Finding,
    GradedReport,
    InitialLab,
    OrderRule,
)

SCORING_FIELDS = (
    "essential_total_points",
    "low_yield_penalty",
    "harmful_penalty",
    "workup_weight",
    "diagnosis_weight",
    "harmful_cap",
)

# --------------------------------------------------------------------------
# The case form: scoring settings
# --------------------------------------------------------------------------


def plain_text(value: str) -> str:
    """Text as a form stores it: LF line endings, no surrounding whitespace."""
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


class PlainNewlinesMixin:
    """Browsers send textarea line breaks as CRLF, and a form strips the final
    newline a case file's text ends with. Text that differs from what is stored
    only in those ways is unchanged: not reported in the change history (it
    once listed every text field after a difficulty-only edit) and not
    rewritten. Changed text is stored with LF, like case files, so an edited
    case exports as readable ``|`` blocks."""

    @property
    def changed_data(self) -> list[str]:
        return [name for name in super().changed_data if not self._same_text(name)]

    def _same_text(self, name: str) -> bool:
        field = self.fields.get(name)
        if not isinstance(field, forms.CharField):
            return False
        initial, data = self.get_initial_for_field(field, name), self[name].data
        return isinstance(initial, str) and isinstance(data, str) and plain_text(initial) == plain_text(data)

    def clean(self):
        cleaned = super().clean()
        for name, value in cleaned.items():
            if not isinstance(value, str):
                continue
            if self.instance.pk is not None and self._same_text(name):
                cleaned[name] = self.get_initial_for_field(self.fields[name], name)
            elif "\r" in value:
                cleaned[name] = plain_text(value)
        return cleaned


class CaseAdminForm(PlainNewlinesMixin, forms.ModelForm):
    class Meta:
        model = Case
        fields = "__all__"  # noqa: DJ007 - the admin's fieldsets choose what is shown
        widgets = {"groups": forms.CheckboxSelectMultiple, "labels": forms.CheckboxSelectMultiple}

    def clean_is_practice(self):
        is_practice = self.cleaned_data["is_practice"]
        # A draft of changes is published into its case: the exams that hold that case count.
        case = self.instance.draft_of if self.instance.draft_of_id else self.instance
        if problems := policies.practice_flag_problems(case=case, is_practice=is_practice):
            raise ValidationError(problems)
        return is_practice

    def clean(self):
        cleaned = super().clean()
        values = {name: cleaned.get(name) for name in SCORING_FIELDS}
        if any(value is None for value in values.values()):
            return cleaned  # a field error is already shown
        for problem in scoring_problems(ScoringSettings(**values)):
            name = problem.field.removeprefix("scoring.")
            if name in SCORING_FIELDS:
                self.add_error(name, ValidationError(problem.message, code=problem.code))
            else:  # the weights' sum
                error = ValidationError(problem.message, code=problem.code)
                self.add_error("workup_weight", error)
                self.add_error("diagnosis_weight", error)
        return cleaned


# --------------------------------------------------------------------------
# The key: findings, order rules, diagnosis options, checked together
# --------------------------------------------------------------------------

_ITEM_PATH = re.compile(r"^(?P<section>findings|order_rules|diagnosis)\[(?P<index>\d+)\](?:\.(?P<field>\w+))?")


class KeyCheck:
    """Checks the whole key once per request, for the three key formsets.

    Each formset registers itself; the first one to validate runs the check
    over all three (their forms validated one by one, never the formsets'
    own ``clean``, so nothing recurses), and every formset then raises the
    problems that belong to it.
    """

    def __init__(self) -> None:
        self.formsets: dict[str, KeyFormSet] = {}
        self._problems: list[FieldProblem] | None = None
        self._forms: dict[str, list[forms.Form]] = {}

    def register(self, formset: KeyFormSet) -> None:
        self.formsets[formset.section] = formset

    def problems(self) -> list[FieldProblem]:
        if self._problems is None:
            self._problems = self._check()
        return self._problems

    def live_forms(self, section: str) -> list[forms.Form]:
        self.problems()
        return self._forms.get(section, [])

    def _check(self) -> list[FieldProblem]:
        if set(self.formsets) != {"findings", "order_rules", "diagnosis"}:
            return []
        for section, formset in self.formsets.items():
            live = []
            for form in formset.forms:
                errors = form.errors  # validates the form once; cached
                if formset.can_delete and form.cleaned_data.get("DELETE"):
                    continue
                if not form.has_changed() and form in formset.extra_forms:
                    continue
                if errors:
                    # Fix the fields first; key rules on half-read forms
                    # would only add confusing messages.
                    return []
                live.append(form)
            self._forms[section] = live
        return check_key(
            findings=[_finding_spec(f.cleaned_data) for f in self._forms["findings"]],
            order_rules=[_rule_spec(f.cleaned_data) for f in self._forms["order_rules"]],
            diagnosis=[_diagnosis_spec(f.cleaned_data) for f in self._forms["diagnosis"]],
        )


def _slug(obj) -> str:
    return "" if obj is None else obj.slug


def _finding_spec(data) -> FindingSpec:
    return FindingSpec(
        step=_slug(data.get("step")),
        tier=data.get("tier") or "",
        expert_position=data.get("expert_position"),
        result=data.get("result") or "",
        rationale=data.get("rationale") or "",
        citations=tuple(r.key for r in data.get("references") or ()),
    )


def _rule_spec(data) -> OrderRuleSpec:
    return OrderRuleSpec(
        before=_slug(data.get("before")),
        after=_slug(data.get("after")),
        rationale=data.get("rationale") or "",
        citations=tuple(r.key for r in data.get("references") or ()),
        counts_as_harmful=bool(data.get("premature_counts_as_harmful")),
    )


def _diagnosis_spec(data) -> DiagnosisSpec:
    credit = data.get("credit")
    return DiagnosisSpec(
        cause=_slug(data.get("cause")),
        credit=float(credit) if isinstance(credit, Decimal) else credit,
        rationale=data.get("rationale") or "",
        citations=tuple(r.key for r in data.get("references") or ()),
    )


# Field names in the format -> form fields.
_FORM_FIELD = {"step": "step", "expert_position": "expert_position", "tier": "tier", "before": "before"}
_FORM_FIELD |= {"after": "after", "cause": "cause", "credit": "credit"}


class KeyFormSet(BaseInlineFormSet):
    """An inline formset whose rows are part of the key (see ``KeyCheck``)."""

    section = ""
    label = ""

    def __init__(self, *args, key_check: KeyCheck | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.key_check = key_check
        if key_check is not None:
            key_check.register(self)

    def clean(self):
        super().clean()
        if self.key_check is None:
            return
        live = self.key_check.live_forms(self.section)
        whole: list[str] = []
        for problem in self.key_check.problems():
            match = _ITEM_PATH.match(problem.field)
            if match and match["section"] == self.section:
                index = int(match["index"])
                form_field = _FORM_FIELD.get(match["field"] or "")
                message = f"{self.label} {index + 1}: {problem.message}"
                form = live[index] if index < len(live) else None
                if form is not None:
                    form.add_error(form_field, ValidationError(problem.message, code=problem.code))
                whole.append(message)
            elif not match and problem.field.split(".")[0] == self.section:
                whole.append(problem.message)
        if whole:
            raise ValidationError([ValidationError(m, code="key") for m in whole])


class FindingFormSet(KeyFormSet):
    section = "findings"
    label = "Finding"


class OrderRuleFormSet(KeyFormSet):
    section = "order_rules"
    label = "Order rule"


class DiagnosisFormSet(KeyFormSet):
    section = "diagnosis"
    label = "Diagnosis option"


class FindingForm(PlainNewlinesMixin, forms.ModelForm):
    class Meta:
        model = Finding
        fields = ("step", "tier", "expert_position", "result", "table", "series", "rationale", "references")
        help_texts = {
            "table": 'Optional rows: [{"label": "Neutrophils", "value": "0.9", "unit": "×10⁹/L", "range": "2.0–7.5"}]',
            "series": 'Optional: {"label": "White cell count", "unit": "×10⁹/L", "low": 4.0, "high": 11.0, '
            '"points": [{"when": "Jan 2025", "value": 6.2}]}',
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Django adds a hidden "initial" input for fields with callable
        # defaults, copying aria-describedby onto it (invalid HTML). JSON
        # compares equal without it: an untouched extra form posts "[]"/"{}".
        for name in ("table", "series"):
            self.fields[name].show_hidden_initial = False

    def clean_table(self):
        value = self.cleaned_data.get("table")
        if value in (None, "", []):
            return []
        problems = table_problems(value)
        if problems:
            raise ValidationError([ValidationError(_row_message(p), code=p.code) for p in problems])
        return [row.to_json() for row in table_rows(value)]

    def clean_series(self):
        value = self.cleaned_data.get("series")
        if value in (None, "", {}):
            return {}
        problems = series_problems(value)
        if problems:
            raise ValidationError([ValidationError(_row_message(p), code=p.code) for p in problems])
        return series_from_json(value).to_json()


def _row_message(problem: FieldProblem) -> str:
    """``[1].label: ...`` -> ``row 2, label: ...`` (people count from one)."""
    where = re.sub(r"\[(\d+)\]", lambda m: f" row {int(m[1]) + 1}, ", problem.field).strip(" ,.")
    where = re.sub(r",\s*\.", ", ", where)
    return f"{where}: {problem.message}" if where else problem.message


class OrderRuleForm(PlainNewlinesMixin, forms.ModelForm):
    class Meta:
        model = OrderRule
        fields = ("before", "after", "premature_counts_as_harmful", "rationale", "references")

    def clean(self):
        cleaned = super().clean()
        # Said here, on the field, before the model's check constraint
        # (rule_between_two_steps) reports it with its bare name.
        before, after = cleaned.get("before"), cleaned.get("after")
        if before is not None and before == after:
            self.add_error("after", ValidationError("An order rule joins two different steps.", code="same_step"))
        return cleaned


class DiagnosisOptionForm(PlainNewlinesMixin, forms.ModelForm):
    class Meta:
        model = DiagnosisOption
        fields = ("cause", "credit", "rationale", "references")


class CasePartInline(LockedWithParentInline, admin.StackedInline):
    """A part of a case (labs, the key): read-only on an approved case, like the case itself."""


class InitialLabInline(CasePartInline):
    # Stacked, not tabular: a tabular inline's inputs have column headings but
    # no labels, which screen readers (and axe) cannot tie to the inputs.
    model = InitialLab
    extra = 1
    fields = (("name", "value", "unit"), ("reference_range", "flag", "position"))


class FindingInline(CasePartInline):
    model = Finding
    form = FindingForm
    formset = FindingFormSet
    extra = 1
    verbose_name = "finding (a keyed workup step)"
    verbose_name_plural = "Findings: the key, one per keyed workup step"


class OrderRuleInline(CasePartInline):
    model = OrderRule
    form = OrderRuleForm
    formset = OrderRuleFormSet
    fk_name = "case"
    extra = 1
    fields = ("before", "after", "premature_counts_as_harmful", "rationale", "references")
    verbose_name_plural = "Order rules: “before” must be chosen before “after” (both keyed above)"


class DiagnosisOptionInline(CasePartInline):
    model = DiagnosisOption
    form = DiagnosisOptionForm
    formset = DiagnosisFormSet
    extra = 1
    fields = ("cause", "credit", "rationale", "references")
    verbose_name_plural = "Diagnosis key: exactly one cause with credit 1, others partial (0 to 1)"


# --------------------------------------------------------------------------
# The case admin
# --------------------------------------------------------------------------


class ArchivedListFilter(admin.SimpleListFilter):
    title = "archived"
    parameter_name = "archived"

    def lookups(self, request, model_admin):
        return (("no", "Active"), ("yes", "Archived"))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(archived_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(archived_at__isnull=True)
        return queryset


class DryRunForm(forms.Form):
    steps = forms.CharField(
        label="Steps, in the order chosen",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 40}),
        help_text="Workup-step slugs, one per line or separated by commas (see the catalogue below).",
    )
    diagnosis = forms.ModelChoiceField(
        label="Chosen cause",
        queryset=Cause.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label="(no diagnosis)",
    )

    def clean_steps(self):
        slugs = [s.strip() for s in re.split(r"[,\s]+", self.cleaned_data["steps"]) if s.strip()]
        known = set(WorkupStep.objects.filter(slug__in=slugs).values_list("slug", flat=True))
        unknown = [s for s in slugs if s not in known]
        if unknown:
            raise ValidationError(
                "Unknown workup step: %(steps)s.", code="unknown_step", params={"steps": ", ".join(unknown)}
            )
        repeated = sorted({s for s in slugs if slugs.count(s) > 1})
        if repeated:
            raise ValidationError(
                "A step can be chosen once; listed more than once: %(steps)s.",
                code="repeated_step",
                params={"steps": ", ".join(repeated)},
            )
        return slugs


@admin.register(CaseLabel)
class CaseLabelAdmin(admin.ModelAdmin):
    """The label vocabulary (also loaded from fixtures/case_labels.yaml)."""

    list_display = ("name", "slug", "position")
    list_editable = ("position",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Case)
class CaseAdmin(SearchIndexedAdmin, ReviewableAdmin):
    form = CaseAdminForm
    inlines = (InitialLabInline, FindingInline, OrderRuleInline, DiagnosisOptionInline)
    list_display = (
        "title",
        "slug",
        "difficulty",
        "group_list",
        "review_status",
        "version_text",
        "is_practice",
        "is_archived",
        "updated_at",
    )
    list_filter = (
        "groups",
        "labels",
        "difficulty",
        "review_status",
        "is_practice",
        ArchivedListFilter,
        *REVIEW_LIST_FILTER[1:],
    )
    search_fields = ("title", "slug", "presentation", "learning_objectives")
    prepopulated_fields = {"slug": ("title",)}
    view_on_site = False  # replaced by "Preview as a learner" (templates/admin/cases/case/…)
    fieldsets = [
        (
            "Content",
            {
                "fields": (
                    "title",
                    "slug",
                    "presentation",
                    "groups",
                    "labels",
                    "difficulty",
                    "is_practice",
                    "archived_at",
                ),
                "description": "Learners see the title, slug, labels and presentation before they work the "
                "case: let them say only what the presentation says. The cause groups are part of the answer.",
            },
        ),
        ("Teaching", {"fields": ("learning_objectives",)}),
        (
            "Scoring",
            {
                "fields": (
                    ("essential_total_points", "low_yield_penalty", "harmful_penalty"),
                    ("workup_weight", "diagnosis_weight", "harmful_cap"),
                ),
                "description": "Workup = essential_total_points shared among the essential steps, minus "
                "low_yield_penalty per low-yield or unkeyed step and harmful_penalty per harmful or premature "
                "step (0 to 100). Total = workup_weight × workup + diagnosis_weight × diagnosis (weights sum to "
                "1); a harmful choice caps the total at harmful_cap. Learners see these numbers.",
            },
        ),
        REVIEW_FIELDSET,
    ]

    actions = (*ReviewableAdmin.actions, "duplicate_cases", "archive_cases", "unarchive_cases")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("draft_of").prefetch_related("groups", "labels")

    def search_index_changes(self, obj):
        # Title, presentation and initial labs are what search matches a practice case on.
        return {SearchEntry.Kind.CASE: [obj.pk]}

    @admin.display(description="groups")
    def group_list(self, obj):
        return ", ".join(g.slug for g in obj.groups.all())

    @admin.display(description="archived", boolean=True, ordering="archived_at")
    def is_archived(self, obj):
        return obj.archived_at is not None

    @admin.display(description="version")
    def version_text(self, obj):
        if obj.draft_of_id is not None:
            return f"draft of changes to “{obj.draft_of}”"
        return obj.version or "—"

    # -- review that holds (see review.py) -----------------------------------
    # ReviewableAdmin shows an approved case read-only with "Start a draft of changes".

    def review_move(self, request, obj, to_status):
        outcome = case_review.case_review_transition(case=obj, user=request.user, to_status=to_status)
        return _published_message(outcome) if outcome.published else None

    def review_draft_start(self, obj, user):
        return case_review.case_draft_start(case=obj, user=user)

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        # A draft of changes is not archived itself: its case is (publishing leaves the date alone).
        return (*fields, "archived_at") if obj is not None and obj.draft_of_id else fields

    # -- change history: a revision after every save and every transition --

    def save_related(self, request, form, formsets, change):
        # After the inlines saved, so the snapshot holds the whole new key.
        super().save_related(request, form, formsets, change)
        summary = history.admin_change_summary(
            add=not change, changed_fields=list(form.changed_data), formsets=list(formsets)
        )
        history.case_revision_record(case=form.instance, user=request.user, summary=summary, only_if_changed=change)

    # -- duplicate and archive ----------------------------------------------

    @admin.action(description="Duplicate as a new draft", permissions=["add"])
    def duplicate_cases(self, request, queryset):
        copies = [authoring.case_duplicate(case=case, user=request.user) for case in queryset]
        if copies:
            links = format_html_join(
                ", ",
                '<a href="{}">{}</a>',
                ((reverse("admin:cases_case_change", args=[c.pk]), c.slug) for c in copies),
            )
            self.message_user(
                request,
                format_html("{} draft cop{} made: {}.", len(copies), "ies" if len(copies) != 1 else "y", links),
                messages.SUCCESS,
            )

    @admin.action(description="Archive (hide from learners and new quizzes)", permissions=["change"])
    def archive_cases(self, request, queryset):
        done = [c for c in queryset if authoring.case_archive(case=c, user=request.user)]
        self._report(request, done, "archived; past attempts and reports stay readable")

    @admin.action(description="Unarchive", permissions=["change"])
    def unarchive_cases(self, request, queryset):
        done = [c for c in queryset if authoring.case_unarchive(case=c, user=request.user)]
        self._report(request, done, "unarchived")

    def _report(self, request, done, verb: str) -> None:
        if done:
            names = ", ".join(f"“{case}”" for case in done)
            self.message_user(request, f"{len(done)} case{'s' if len(done) != 1 else ''} {verb}: {names}.")
        else:
            self.message_user(request, "Nothing to change: the selected cases already were.", messages.WARNING)

    def get_search_results(self, request, queryset, search_term):
        """The quiz admin's case picker (autocomplete) offers approved, active cases only."""
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.GET.get("app_label") == "quizzes" and request.GET.get("model_name") == "quizitem":
            queryset = queryset.playable()
        return queryset, may_have_duplicates

    # -- the key check spans the three key inlines ------------------------

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if issubclass(inline.formset, KeyFormSet) and request.method == "POST":
            check = getattr(request, "_case_key_check", None)
            if check is None:
                check = request._case_key_check = KeyCheck()
            kwargs["key_check"] = check
        return kwargs

    # -- preview and dry run ----------------------------------------------

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/dry-run/",
                self.admin_site.admin_view(self.dry_run_view),
                name="{}_{}_dry_run".format(*info),
            ),
            path(
                "<path:object_id>/revisions/",
                self.admin_site.admin_view(self.revisions_view),
                name="{}_{}_revisions".format(*info),
            ),
            path(
                "<path:object_id>/revisions/<int:number>/",
                self.admin_site.admin_view(self.revision_view),
                name="{}_{}_revision".format(*info),
            ),
            path(
                "<path:object_id>/comments/",
                self.admin_site.admin_view(self.comment_add_view),
                name="{}_{}_comment".format(*info),
            ),
            *super().get_urls(),
        ]

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
        case = self.get_object(request, unquote(object_id))
        if case is None:
            raise Http404("No such case.")
        if not self.has_view_or_change_permission(request, case):
            raise PermissionDenied
        form = DryRunForm(request.GET or None)
        report = None
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
        names = dict(WorkupStep.objects.values_list("slug", "name"))
        keyed = {f.step.slug: f.get_tier_display() for f in case.findings.select_related("step")}
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": case,
            "title": f"Dry-run a path: {case.title}",
            "subtitle": None,
            "form": form,
            "report": report,
            "key_problems": key_problems,
            "step_names": names,
            "catalogue": [
                {"slug": s.slug, "name": s.name, "category": s.get_category_display(), "tier": keyed.get(s.slug)}
                for s in WorkupStep.objects.all()
            ],
            "has_view_permission": True,
            **self._tool_links(case.pk),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/cases/case/dry_run.html", context)


def _published_message(outcome: case_review.TransitionOutcome) -> str:
    message = f"“{outcome.case}” version {outcome.published} is now what learners play."
    if outcome.open_attempts:
        n = outcome.open_attempts
        message += (
            f" {n} attempt{'s' if n != 1 else ''} under way continue{'s' if n == 1 else ''} on it "
            "(choices made so far stand; graded against this version)."
        )
    return message


# --------------------------------------------------------------------------
# Attempts and reports: read-only, for instructors
# --------------------------------------------------------------------------


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ChoiceInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Choice
    fields = ("position", "step", "chosen_at")
    readonly_fields = fields
    extra = 0


class GradedReportInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = GradedReport
    fields = ("created_at", "total", "workup_score", "diagnosis_score", "engine_version", "reason", "superseded_at")
    readonly_fields = fields
    extra = 0
    show_change_link = True


@admin.register(Attempt)
class AttemptAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "case", "learner", "started_at", "submitted_at", "diagnosis")
    list_filter = (
        ("submitted_at", admin.EmptyFieldListFilter),
        "case",
        "case__groups",
        "started_at",
        ("user", admin.EmptyFieldListFilter),
    )
    list_select_related = ("case", "user", "diagnosis")
    search_fields = ("case__slug", "case__title", "user__username", "user__email")
    date_hierarchy = "started_at"
    fields = ("case", "case_version", "learner", "started_at", "submitted_at", "diagnosis")
    readonly_fields = fields
    inlines = (ChoiceInline, GradedReportInline)

    @admin.display(description="learner", ordering="user__username")
    def learner(self, obj):
        return obj.user.get_username() if obj.user_id else "anonymous (session)"


@admin.register(GradedReport)
class GradedReportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "__str__",
        "case",
        "total",
        "workup_score",
        "diagnosis_score",
        "engine_version",
        "reason",
        "created_at",
        "is_current",
    )
    list_filter = (
        ("superseded_at", admin.EmptyFieldListFilter),
        "engine_version",
        "reason",
        "attempt__case",
        "created_at",
    )
    list_select_related = ("attempt__case",)
    search_fields = ("attempt__case__slug", "attempt__user__username")
    fields = (
        "attempt",
        "total",
        "workup_score",
        "diagnosis_score",
        "case_version",
        "engine_version",
        "reason",
        "created_at",
        "superseded_at",
        "report_data",
    )
    readonly_fields = fields

    @admin.display(description="case", ordering="attempt__case__title")
    def case(self, obj):
        return obj.attempt.case

    @admin.display(description="current", boolean=True)
    def is_current(self, obj):
        return obj.superseded_at is None

    @admin.display(description="stored report (JSON)")
    def report_data(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.data, indent=2, ensure_ascii=False))
