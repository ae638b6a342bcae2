"""Admin for cohorts and quizzes (quizzes go through the review workflow, see
``review``: approved quizzes are read-only and change through a draft of
changes), and a read-only view of quiz attempts for instructors."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse

from leucocases.editorial.admin import REVIEW_FIELDSET, REVIEW_LIST_DISPLAY, REVIEW_LIST_FILTER, ReviewableAdmin

from . import review
from .models import Cohort, Quiz, QuizAttempt, QuizItem

LOCKED_MESSAGE = (
    "This quiz is approved, so nothing was saved: learners take it as it stands. Change it through a draft "
    "of changes (“Start a draft of changes”), reviewed and approved like a new quiz."
)


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


class QuizItemInline(admin.TabularInline):
    model = QuizItem
    extra = 1
    ordering = ("position",)
    fields = ("position", "case")
    autocomplete_fields = ("case",)

    # Read-only on an approved quiz, like the quiz itself.
    def has_add_permission(self, request, obj=None):
        return not (obj is not None and obj.is_locked) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not (obj is not None and obj.is_locked) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not (obj is not None and obj.is_locked) and super().has_delete_permission(request, obj)


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
                "fields": ("mode", "time_limit_minutes", "max_attempts", ("available_from", "available_until")),
                "description": "Practice mode shows each case's report as the learner goes; exam mode only "
                "once the whole quiz is finished. The deadline of a timed attempt is fixed when it starts.",
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

    # -- review that holds: an approved quiz is read-only ------------------

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_locked:
            return False
        return super().has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        return (*fields, "slug") if obj is not None and obj.draft_of_id else fields

    def get_prepopulated_fields(self, request, obj=None):
        return {} if obj is not None and obj.draft_of_id else super().get_prepopulated_fields(request, obj)

    def _transition(self, request, queryset, *, to_status: str, verb: str) -> None:
        """ReviewableAdmin's actions through ``review.quiz_review_transition``."""
        moved = []
        for quiz in queryset:
            try:
                review.quiz_review_transition(quiz=quiz, user=request.user, to_status=to_status)
            except PermissionDenied as error:
                self.message_user(request, f"“{quiz}” was not {verb}: {error}", messages.ERROR)
            except ValidationError as error:
                self.message_user(request, f"“{quiz}” was not {verb}: {' '.join(error.messages)}", messages.WARNING)
            else:
                moved.append(quiz)
        if moved:
            names = ", ".join(f"“{quiz}”" for quiz in moved)
            self.message_user(
                request, f"{len(moved)} item{'s' if len(moved) != 1 else ''} {verb}: {names}.", messages.SUCCESS
            )

    def get_urls(self):
        return [
            path(
                "<path:object_id>/draft-of-changes/",
                self.admin_site.admin_view(self.draft_start_view),
                name="quizzes_quiz_draft_start",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        quiz = self.get_object(request, unquote(object_id))
        if quiz is not None and quiz.is_locked and request.method == "POST":
            self.message_user(request, LOCKED_MESSAGE, messages.ERROR)
            return HttpResponseRedirect(request.path)
        if quiz is not None:
            extra_context = {**(extra_context or {}), "lock": self._lock_context(request, quiz)}
        return super().change_view(request, object_id, form_url, extra_context)

    def _lock_context(self, request, quiz: Quiz) -> dict:
        if quiz.draft_of_id is not None:
            return {
                "draft_of": quiz.draft_of,
                "live_url": reverse("admin:quizzes_quiz_change", args=[quiz.draft_of_id]),
            }
        if not quiz.is_locked:
            return {}
        draft = Quiz.objects.filter(draft_of=quiz).select_related("author").first()
        return {
            "locked": quiz,
            "draft": draft,
            "draft_url": reverse("admin:quizzes_quiz_change", args=[draft.pk]) if draft else "",
            "start_url": reverse("admin:quizzes_quiz_draft_start", args=[quiz.pk]),
            "can_start": super().has_change_permission(request),
        }

    def draft_start_view(self, request, object_id):
        """POST: open the approved quiz's draft of changes, starting one if none is under way."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        quiz = self.get_object(request, unquote(object_id))
        if quiz is None:
            raise Http404("No such quiz.")
        if not super().has_change_permission(request):
            raise PermissionDenied
        try:
            draft, created = review.quiz_draft_start(quiz=quiz, user=request.user)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.WARNING)
            return HttpResponseRedirect(reverse("admin:quizzes_quiz_change", args=[quiz.pk]))
        if created:
            self.message_user(
                request,
                f"A draft of changes to “{quiz}” was started. Learners keep taking the approved quiz until this "
                "draft is reviewed and approved by someone who did not edit it.",
                messages.SUCCESS,
            )
        else:
            self.message_user(request, f"“{quiz}” already has a draft of changes under way: here it is.")
        return HttpResponseRedirect(reverse("admin:quizzes_quiz_change", args=[draft.pk]))


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
