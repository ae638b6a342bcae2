"""The case admin: lists, the change form's layout, review moves, history, duplicate and archive.

Every save, review transition, archive, unarchive and duplicate records a
``CaseRevision`` (the whole case file, who, when, what) through ``history``,
``review`` and ``authoring``, explicitly, from ``save_related`` and the
actions, never from a signal. The key's inlines are in ``key_inlines``, the
case form in ``case_form``, the tool pages (dry run, change history, review
comments) in ``tools``; ``__init__`` registers the admins.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from leucocases.editorial.admin import REVIEW_FIELDSET, REVIEW_LIST_FILTER, ReviewableAdmin
from leucocases.taxonomy.search.indexed_admin import SearchIndexedAdmin
from leucocases.taxonomy.search.models import SearchEntry

from .. import authoring, history
from .. import review as case_review
from .case_form import CaseAdminForm
from .differential_form import DifferentialDisplayMixin, differential_fieldset
from .key_inlines import DiagnosisOptionInline, FindingInline, InitialLabInline, KeyCheck, KeyFormSet, OrderRuleInline
from .tools import CaseToolsMixin


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


class CaseLabelAdmin(admin.ModelAdmin):
    """The label vocabulary (also loaded from fixtures/case_labels.yaml)."""

    list_display = ("name", "slug", "position")
    list_editable = ("position",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


class CaseAdmin(DifferentialDisplayMixin, CaseToolsMixin, SearchIndexedAdmin, ReviewableAdmin):
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
                    ("never_total",),
                ),
                "description": "Workup = essential_total_points shared among the essential steps (by their "
                "weights; an any-of group earns one share, once), minus low_yield_penalty per low-yield or unkeyed "
                "choice and harmful_penalty per harmful, never or premature one (a premature choice is penalised "
                "once), kept within 0 to 100. Total = workup_weight × workup + diagnosis_weight × diagnosis "
                "(weights sum to 1); a harmful choice caps the total at harmful_cap; a never choice holds it at or "
                "below never_total. Learners see these numbers.",
            },
        ),
        (
            "Grade bands",
            {
                "fields": (("grade_band_a", "grade_band_b", "grade_band_c", "grade_band_d", "grade_band_e"),),
                "description": "The lowest total that earns each letter, falling strictly from A to E; a total "
                "below E is F. Shown on the learner's report beside the total.",
            },
        ),
        differential_fieldset(),
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

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            # Read-only (an approved case): the stored differential, not ten empty menus.
            shown = ("Differential", {"fields": ("differential_shown",)})
            fieldsets = [shown if name == "Differential" else (name, opts) for name, opts in fieldsets]
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        # The differential's read-only display (see get_fieldsets) is never a form field.
        fields = (*super().get_readonly_fields(request, obj), "differential_shown")
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
            self.message_done(request, done, verb, noun="case", level=messages.INFO)
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


def _published_message(outcome: case_review.TransitionOutcome) -> str:
    message = f"“{outcome.case}” version {outcome.published} is now what learners play."
    if outcome.open_attempts:
        n = outcome.open_attempts
        message += (
            f" {n} attempt{'s' if n != 1 else ''} under way continue{'s' if n == 1 else ''} on it "
            "(choices made so far stand; graded against this version)."
        )
    return message
