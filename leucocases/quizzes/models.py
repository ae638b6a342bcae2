"""Quizzes assembled from cases, cohorts they are assigned to, and quiz attempts.

A quiz attempt owns one case ``Attempt`` per quiz case, linked here
(``QuizAttemptCase``) rather than from the case attempt, so that models depend
one way (quizzes on cases). The deadline of a timed quiz is stored when the
attempt starts, so the server — not the page — decides when time is up.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from leucocases.cases.models import Attempt, Case
from leucocases.editorial.models import DraftedReviewable, ReviewableQuerySet

from .join_codes import new_join_code, shown

#: Quiz slugs that would clash with the quiz app's own URLs (/quizzes/attempts/…, /quizzes/join/).
RESERVED_SLUGS = frozenset({"attempts", "join"})


class Cohort(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    instructors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="taught_cohorts", blank=True)
    learners = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="cohorts", blank=True)
    #: What learners type to join (``join_codes``); instructors can renew it,
    #: which retires the old one.
    join_code = models.CharField(max_length=16, unique=True, default=new_join_code, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def join_code_shown(self) -> str:
        return shown(self.join_code)


class QuizQuerySet(ReviewableQuerySet):
    def published(self):
        """Approved quizzes; a draft of changes to one is never among them."""
        return super().published().filter(draft_of__isnull=True)

    def live(self):
        """Quizzes themselves, without the drafts of changes to approved ones."""
        return self.filter(draft_of__isnull=True)

    def available(self, now=None):
        """Published and inside its availability window."""
        now = now or timezone.now()
        return (
            self.published()
            .filter(Q(available_from__isnull=True) | Q(available_from__lte=now))
            .filter(Q(available_until__isnull=True) | Q(available_until__gt=now))
        )

    def for_learner(self, user):
        """Quizzes open to everyone, or assigned to one of the learner's cohorts."""
        if not user.is_authenticated:
            return self.filter(cohorts__isnull=True)
        return self.filter(Q(cohorts__isnull=True) | Q(cohorts__learners=user)).distinct()


class Quiz(DraftedReviewable):
    class Mode(models.TextChoices):
        PRACTICE = "practice", "Practice (report after each case)"
        EXAM = "exam", "Exam (reports when the quiz is finished)"

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True, help_text="Markdown.")
    mode = models.CharField(max_length=20, choices=Mode.choices, default=Mode.PRACTICE)
    time_limit_minutes = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Leave empty for no time limit."
    )
    available_from = models.DateTimeField(null=True, blank=True)
    available_until = models.DateTimeField(null=True, blank=True)
    max_attempts = models.PositiveSmallIntegerField(
        null=True, blank=True, default=None, help_text="Leave empty for unlimited attempts."
    )
    certainty_based_marking = models.BooleanField(
        "certainty-based marking",
        default=False,
        help_text="Each case report adds a mark for the certainty the learner stated (Moodle's scale: "
        "right 1, 2, 3 and wrong 0, \u22122, \u22126 at low, medium, high certainty), beside the score; "
        "the quiz report adds them up.",
    )
    cohorts = models.ManyToManyField(
        Cohort, blank=True, related_name="quizzes", help_text="Leave empty to offer the quiz to every learner."
    )
    cases = models.ManyToManyField(Case, through="QuizItem", related_name="quizzes")
    # ``draft_of`` (DraftedReviewable): a draft of changes is never offered to learners.

    objects = QuizQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "quizzes"

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("quizzes:detail", kwargs={"slug": self.slug})

    def clean(self):
        super().clean()
        errors = {}
        if self.slug in RESERVED_SLUGS:
            errors["slug"] = ValidationError(
                "This address is used by the site itself; choose another slug.", code="reserved_slug"
            )
        if self.available_from and self.available_until and self.available_until <= self.available_from:
            errors["available_until"] = ValidationError("The quiz must close after it opens.", code="window_order")
        if self.time_limit_minutes == 0:
            errors["time_limit_minutes"] = ValidationError(
                "A time limit must be at least one minute; leave it empty for none.", code="zero_time_limit"
            )
        if self.max_attempts == 0:
            errors["max_attempts"] = ValidationError(
                "Allow at least one attempt; leave it empty for no limit.", code="zero_attempts"
            )
        if errors:
            raise ValidationError(errors)


class QuizItem(models.Model):
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="items")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="quiz_items")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["quiz", "case"], name="case_once_per_quiz"),
            models.UniqueConstraint(fields=["quiz", "position"], name="one_case_per_quiz_position"),
        ]

    def __str__(self):
        return f"{self.quiz.slug} #{self.position}: {self.case.slug}"

    def clean(self):
        super().clean()
        # A draft case (a fresh duplicate, a draft of changes) would show in
        # instructor results as a column no learner ever sees.
        if self.case_id is not None and not Case.objects.published().filter(pk=self.case_id).exists():
            raise ValidationError(
                {
                    "case": ValidationError(
                        "A quiz takes approved cases only; this one is not approved.", code="case_not_approved"
                    )
                }
            )


class QuizAttempt(models.Model):
    class FinishReason(models.TextChoices):
        COMPLETED = "completed", "Completed"
        TIME_UP = "time_up", "Time ran out"

    quiz = models.ForeignKey(Quiz, on_delete=models.PROTECT, related_name="attempts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts")
    started_at = models.DateTimeField(default=timezone.now)
    deadline = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    finish_reason = models.CharField(max_length=20, choices=FinishReason.choices, blank=True)
    #: One case attempt per case of the quiz when the attempt started, created
    #: in quiz order (so their ids keep it).
    case_attempts = models.ManyToManyField(Attempt, through="QuizAttemptCase", related_name="+")

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["quiz", "user"], condition=Q(finished_at__isnull=True), name="one_open_quiz_attempt"
            )
        ]

    def __str__(self):
        return f"{self.user} on {self.quiz}"

    def get_absolute_url(self):
        return reverse("quizzes:take", kwargs={"pk": self.pk})

    @property
    def is_finished(self) -> bool:
        return self.finished_at is not None

    def is_past_deadline(self, now=None) -> bool:
        return self.deadline is not None and (now or timezone.now()) >= self.deadline


class QuizAttemptCase(models.Model):
    """One case of a quiz attempt, and the case attempt that plays it.

    The case attempt is reached from here (``Attempt.quiz_case``): a case
    attempt with one is played only through its quiz, and the quiz's rules
    apply to it (``policy.QuizPolicy``). ``case`` repeats the attempt's case,
    which never changes, so that the database holds each case to one attempt
    per quiz attempt.
    """

    # RESTRICT: a quiz attempt is deleted only with its learner, whose case
    # attempts go too; deleted alone, it would leave its case attempts looking
    # like practice ones.
    quiz_attempt = models.ForeignKey(QuizAttempt, on_delete=models.RESTRICT, related_name="+")
    attempt = models.OneToOneField(Attempt, on_delete=models.CASCADE, related_name="quiz_case")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["quiz_attempt", "case"], name="each_case_once_per_quiz_attempt")]

    def __str__(self):
        return f"Attempt {self.attempt_id} in quiz attempt {self.quiz_attempt_id}"


class PracticeCard(models.Model):
    """When a case should come back to a learner: one FSRS card per (learner, case).

    Written only by ``spaced_practice`` after each submitted practice attempt;
    ``card`` is the ``fsrs`` library's ``Card.to_dict()`` (stability,
    difficulty, state, last review), ``due`` repeats its due date so the
    dashboard can ask "what is due now" in one indexed query.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="practice_cards")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    card = models.JSONField()
    due = models.DateTimeField()
    last_reviewed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "case"], name="one_practice_card_per_case")]
        indexes = [models.Index(fields=["user", "due"])]

    def __str__(self):
        return f"{self.user} · {self.case.slug}: due {self.due:%Y-%m-%d}"


class PracticeReview(models.Model):
    """One review of a card: the submitted attempt, its rating, and the card as it left the review."""

    class Rating(models.IntegerChoices):
        # fsrs.Rating's values.
        AGAIN = 1, "Again"
        HARD = 2, "Hard"
        GOOD = 3, "Good"
        EASY = 4, "Easy"

    class State(models.IntegerChoices):
        # fsrs.State's values.
        LEARNING = 1, "Learning"
        REVIEW = 2, "Review"
        RELEARNING = 3, "Relearning"

    card = models.ForeignKey(PracticeCard, on_delete=models.CASCADE, related_name="reviews")
    #: One review per submission: a hook delivered twice records nothing new.
    attempt = models.OneToOneField(Attempt, on_delete=models.CASCADE, related_name="+")
    rating = models.PositiveSmallIntegerField(choices=Rating.choices)
    reviewed_at = models.DateTimeField()
    state = models.PositiveSmallIntegerField(choices=State.choices)
    stability = models.FloatField(null=True)
    difficulty = models.FloatField(null=True)
    due = models.DateTimeField()

    class Meta:
        ordering = ["reviewed_at", "pk"]

    def __str__(self):
        return f"{self.card}: {self.get_rating_display()} at {self.reviewed_at:%Y-%m-%d %H:%M}"


def quiz_attempt_of(attempt: Attempt) -> QuizAttempt | None:
    """The quiz attempt ``attempt`` is one case of (None: a practice attempt).
    No query if ``attempt`` was fetched with ``select_related("quiz_case__quiz_attempt")``."""
    link = getattr(attempt, "quiz_case", None)
    return None if link is None else link.quiz_attempt
