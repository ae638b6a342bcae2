"""Admin for cohorts and quizzes (quizzes go through the review workflow, see
``review``: approved quizzes are read-only and change through a draft of
changes), and a read-only view of quiz attempts for instructors."""

from django.contrib import admin
from django.db.models import Count
from django.forms.models import BaseInlineFormSet

from leucocases.editorial.admin import (
    REVIEW_FIELDSET,
    REVIEW_LIST_DISPLAY,
    REVIEW_LIST_FILTER,
    LockedWithParentInline,
    ReviewableAdmin,
)

from . import review
from .exam_cases import exam_case_problems, memberships
from .models import Cohort, Quiz, QuizAttempt, QuizItem


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "learner_count", "instructor_count")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("learners", "instructors")
    fieldsets = [
        (None, {"fields": ("name", "slug")}),
        ("People", {"fields": ("instructors", "learners")}),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(n_learners=Count("learners", distinct=True), n_instructors=Count("instructors", distinct=True))
        )

    @admin.display(description="Learners", ordering="n_learners")
    def learner_count(self, obj):
        return obj.n_learners

    @admin.display(description="Instructors", ordering="n_instructors")
    def instructor_count(self, obj):
        return obj.n_instructors


class QuizItemFormSet(BaseInlineFormSet):
    """The exam-case rule over the quiz's whole case list (exam_cases.py), with
    the quiz's mode as the form above sets it: each problem on its case's row."""

    def clean(self):
        super().clean()
        rows = [
            form
            for form in self.forms
            if form.cleaned_data.get("case") is not None and not form.cleaned_data.get("DELETE")
        ]
        cases = [form.cleaned_data["case"] for form in rows]
        elsewhere = memberships(cases=cases, excluding_pk=self.instance.pk)
        for form, case in zip(rows, cases, strict=True):
            for error in exam_case_problems(
                mode=self.instance.mode,
                case_name=case.title,
                is_practice=case.is_practice,
                elsewhere=elsewhere.get(case.pk, ()),
            ):
                form.add_error("case", error)


class QuizItemInline(LockedWithParentInline, admin.TabularInline):
    model = QuizItem
    formset = QuizItemFormSet
    extra = 1
    ordering = ("position",)
    fields = ("position", "case")
    autocomplete_fields = ("case",)


@admin.register(Quiz)
class QuizAdmin(ReviewableAdmin):
    list_display = ("title", "mode", "time_limit_minutes", "case_count", *REVIEW_LIST_DISPLAY, "draft_of")
    list_filter = ("mode", "cohorts", *REVIEW_LIST_FILTER)
    search_fields = ("title", "slug", "description")
    prepopulated_fields = {"slug": ("title",)}
    filter_horizontal = ("cohorts",)
    inlines = [QuizItemInline]
    fieldsets = [
        (None, {"fields": ("title", "slug", "description")}),
        (
            "How it is taken",
            {
                "fields": (
                    "mode",
                    "time_limit_minutes",
                    "max_attempts",
                    ("available_from", "available_until"),
                    "certainty_based_marking",
                ),
                "description": "Practice mode shows each case's report as the learner goes; exam mode only "
                "once the whole quiz is finished. The deadline of a timed attempt is fixed when it starts. "
                "An exam's cases are not practice cases and are in no other quiz; until the exam closes "
                "(available until) nobody can play them or read their reports outside it.",
            },
        ),
        ("Who may take it", {"fields": ("cohorts",), "description": "No cohort: every learner."}),
        REVIEW_FIELDSET,
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("draft_of").annotate(n_items=Count("items", distinct=True))

    @admin.display(description="Cases", ordering="n_items")
    def case_count(self, obj):
        return obj.n_items

    # -- review that holds (see ``review``) ---------------------------------

    def review_move(self, request, obj, to_status):
        review.quiz_review_transition(quiz=obj, user=request.user, to_status=to_status)

    def review_draft_start(self, obj, user):
        return review.quiz_draft_start(quiz=obj, user=user)


@admin.register(QuizAttempt)
class QuizAttemptAdmin(admin.ModelAdmin):
    """Read-only: attempts are written by learners taking quizzes, never by hand."""

    list_display = ("quiz", "user", "started_at", "deadline", "finished_at", "finish_reason")
    list_filter = ("quiz", "finish_reason")
    search_fields = ("user__username", "quiz__title")
    list_select_related = ("quiz", "user")
    date_hierarchy = "started_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
