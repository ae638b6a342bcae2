"""Case vignettes and their answer key: findings with tiers, order rules,
diagnosis options and scoring, authored per case."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from leucocases.editorial.models import DraftedReviewable, ReviewableQuerySet
from leucocases.taxonomy.models import Cause, CauseGroup, Reference, WorkupStep


class Tier(models.TextChoices):
    ESSENTIAL = "essential", "Essential"
    USEFUL = "useful", "Useful"
    LOW_YIELD = "low_yield", "Low yield"
    HARMFUL = "harmful", "Harmful"
    #: No competent clinician makes this choice here: the total becomes the
    #: case's ``never_total`` (engine 2).
    NEVER = "never", "Never"


class CaseLabel(models.Model):
    """What the presentation itself says about a case ("fever", "routine count",
    "on treatment"): shown beside its title and used to filter the case list.

    Cause groups are part of the answer, so learners see them only on their
    reports; labels are what a learner may see before working the case. A label
    must therefore never name a cause or a cause group (``clean``).
    """

    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        answer_words = Q(name__iexact=self.name) | Q(slug__iexact=self.slug)
        for model, what in ((CauseGroup, "cause group"), (Cause, "cause")):
            named = model.objects.filter(answer_words).first()
            if named is not None:
                raise ValidationError(
                    "A label says what the presentation shows; %(what)s “%(named)s” is part of the answer.",
                    code="names_the_answer",
                    params={"what": what, "named": named},
                )


def _band(letter: str, default: str) -> models.DecimalField:
    return models.DecimalField(
        f"lowest total for {letter}",
        max_digits=5,
        decimal_places=2,
        default=Decimal(default),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )


def _weight(default: str) -> models.DecimalField:
    """The workup's or the diagnosis's share of the total, 0 to 1."""
    return models.DecimalField(
        max_digits=4,
        decimal_places=3,
        default=Decimal(default),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )


class CaseQuerySet(ReviewableQuerySet):
    def published(self):
        """Approved cases; a draft of changes to one is never among them."""
        return super().published().filter(draft_of__isnull=True)

    def live(self):
        """Cases themselves, without the drafts of changes to approved ones."""
        return self.filter(draft_of__isnull=True)

    def active(self):
        return self.filter(archived_at__isnull=True)

    def playable(self):
        """Approved, not archived: what learners may open."""
        return self.published().active()

    def practice(self):
        return self.playable().filter(is_practice=True)


class Case(DraftedReviewable):
    class Difficulty(models.IntegerChoices):
        INTRODUCTORY = 1, "Introductory"
        INTERMEDIATE = 2, "Intermediate"
        ADVANCED = 3, "Advanced"

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=120, unique=True)
    presentation = models.TextField(help_text="Age, sex, history, medications, vitals, examination (markdown).")
    learning_objectives = models.TextField(blank=True, help_text="Markdown.")
    #: The expert's differential at each checkpoint, as the case file gives it
    #: (``grading.differential.ExpertDifferential.to_dict``; {}: the case asks
    #: for none). A JSON field rather than rows: it travels with the case's
    #: content (drafts of changes, duplicates copy concrete fields), and the
    #: engine compares cause slugs anyway; import checks every slug exists.
    differential = models.JSONField(default=dict, blank=True)
    groups = models.ManyToManyField(
        CauseGroup,
        related_name="cases",
        help_text="The cause groups it teaches: part of the answer, shown to learners only on their reports.",
    )
    labels = models.ManyToManyField(
        CaseLabel,
        related_name="cases",
        blank=True,
        help_text="What the presentation shows (fever, routine count …): shown on the case list before play.",
    )
    difficulty = models.PositiveSmallIntegerField(choices=Difficulty.choices, default=Difficulty.INTERMEDIATE)
    is_practice = models.BooleanField(default=True, help_text="Listed under /cases/ and playable without an account.")
    archived_at = models.DateTimeField(null=True, blank=True, help_text="Archived cases keep their attempts.")
    # Scoring settings (DESIGN §3 defaults), editable per case and shown to learners.
    essential_total_points = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("100"))
    low_yield_penalty = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("5"))
    harmful_penalty = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("25"))
    workup_weight = _weight("0.6")
    diagnosis_weight = _weight("0.4")
    harmful_cap = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("40"))
    never_total = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="The total (a ceiling) when the learner makes any choice keyed as never.",
    )
    # Grade bands: the lowest total that earns each letter; below E is F.
    grade_band_a = _band("A", "90")
    grade_band_b = _band("B", "80")
    grade_band_c = _band("C", "70")
    grade_band_d = _band("D", "60")
    grade_band_e = _band("E", "50")
    #: The published version learners play: 1 from the first approval, one
    #: more each time a draft of changes is approved; 0 until first approved.
    version = models.PositiveIntegerField(default=0, editable=False)
    # ``draft_of`` (DraftedReviewable): a draft of changes is never listed or
    # playable, and approving it makes it the next version.

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("cases:play", kwargs={"slug": self.slug})

    @property
    def is_playable(self) -> bool:
        """Whether learners may open it now; the instance form of ``Case.objects.playable()``."""
        return self.is_published and self.archived_at is None


class InitialLab(models.Model):
    class Flag(models.TextChoices):
        NONE = "", "Within range"
        LOW = "low", "Low"
        HIGH = "high", "High"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="initial_labs")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(max_length=120)
    value = models.CharField(max_length=40)
    unit = models.CharField(max_length=40, blank=True)
    reference_range = models.CharField(max_length=60, blank=True)
    flag = models.CharField(max_length=10, choices=Flag.choices, blank=True, default="")

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return f"{self.name}: {self.value} {self.unit}".strip()


class Finding(models.Model):
    """What one occurrence of a catalogue entry reveals in this case, and how choosing it is graded.

    The n-th time a learner orders an entry is its occurrence n (a follow-up
    count is occurrence 2 of ``repeat-cbc``); keying occurrence n needs
    occurrences 1..n-1 keyed too (the engine's ``validate_key``).
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="findings")
    step = models.ForeignKey(WorkupStep, on_delete=models.PROTECT, related_name="findings")
    occurrence = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1)], help_text="1 the first time the entry is ordered, 2 the next…"
    )
    tier = models.CharField(max_length=20, choices=Tier.choices)
    weight = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="Essential steps only: this step's share of the essential credit relative to the others.",
    )
    any_of = models.CharField(
        "any-of group",
        max_length=60,
        blank=True,
        help_text="Essential steps only: essentials sharing a group name earn one share, once, for any one of them.",
    )
    result = models.TextField(help_text="What the learner sees after choosing the step (markdown).")
    # Optional structured results: a list of {"label", "value", "unit", "range"} rows.
    table = models.JSONField(default=list, blank=True)
    # Optional time series: {"label", "unit", "points": [{"when", "value"}], "low", "high"}.
    series = models.JSONField(default=dict, blank=True)
    rationale = models.TextField(help_text="Why this step has this tier (markdown); shown after submission.")
    references = models.ManyToManyField(Reference, related_name="+", blank=True)
    expert_position = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Place in the expert path (essential and useful steps)."
    )

    class Meta:
        # Unpositioned findings last on every database (SQLite and PostgreSQL disagree by default).
        ordering = [models.F("expert_position").asc(nulls_last=True), "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "step", "occurrence"], name="one_finding_per_occurrence")
        ]

    def __str__(self):
        suffix = f" #{self.occurrence}" if self.occurrence != 1 else ""
        return f"{self.case.slug}: {self.step.slug}{suffix} ({self.tier})"


class OrderRule(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="order_rules")
    before = models.ForeignKey(WorkupStep, on_delete=models.PROTECT, related_name="+")
    before_occurrence = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    after = models.ForeignKey(WorkupStep, on_delete=models.PROTECT, related_name="+")
    after_occurrence = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    rationale = models.TextField(help_text="Markdown.")
    references = models.ManyToManyField(Reference, related_name="+", blank=True)
    premature_counts_as_harmful = models.BooleanField(
        default=True, help_text="Untick to penalise a premature step like a low-yield one, without the cap."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "before", "before_occurrence", "after", "after_occurrence"], name="one_rule_per_pair"
            ),
            # A rule between two occurrences of one entry says nothing: the
            # n-th is always chosen after the (n-1)-th.
            models.CheckConstraint(condition=~Q(before=models.F("after")), name="rule_between_two_steps"),
        ]

    def __str__(self):
        def end(step, occurrence):
            return step.slug if occurrence == 1 else f"{step.slug} #{occurrence}"

        return f"{end(self.before, self.before_occurrence)} before {end(self.after, self.after_occurrence)}"


class DiagnosisOption(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="diagnosis_options")
    cause = models.ForeignKey(Cause, on_delete=models.PROTECT, related_name="+")
    credit = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="1 for the full-credit cause; a fraction for partial credit.",
    )
    rationale = models.TextField(help_text="Markdown.")
    references = models.ManyToManyField(Reference, related_name="+", blank=True)

    class Meta:
        ordering = ["-credit", "pk"]
        constraints = [models.UniqueConstraint(fields=["case", "cause"], name="one_option_per_cause")]

    def __str__(self):
        return f"{self.cause} ({self.credit})"
