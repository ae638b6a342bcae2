"""The cause taxonomy, its references and cited facts, and the workup catalogue.

Every clinical statement on the site is a ``Fact``: one claim, tied to the
references the source document cites for it, with a verification status so a
disputed figure is shown as disputed rather than repeated or dropped.
"""

import functools
import operator
import re

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse

from leucocases.editorial.models import Reviewable

# The search index and synonym table live with the search code; imported here so Django finds them.
from .search.models import SearchEntry, SearchIndexState, SearchTerm, Synonym, SynonymGroup  # noqa: F401


class Heading(models.Model):
    """A named heading causes are filed under, listed in editorial order: a group or a mechanism."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True, help_text="Markdown.")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class CauseGroup(Heading):
    """Each cause sits in one group (``Cause.group``)."""


class Mechanism(Heading):
    """A cause may work through several mechanisms (``Cause.mechanisms``)."""


class Reference(models.Model):
    class Kind(models.TextChoices):
        GUIDELINE = "guideline", "Guideline"
        RESEARCH = "research", "Research"
        LABEL = "label", "Drug label"

    key = models.SlugField(max_length=80, unique=True, help_text="Stable identifier used by case files.")
    number = models.PositiveSmallIntegerField(
        unique=True, help_text="Its number in the source document's reference list (7+ for references we added)."
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=300)
    source = models.CharField(max_length=300, help_text="Journal, publisher or series.")
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    pmid = models.CharField("PMID", max_length=20, blank=True)
    doi = models.CharField("DOI", max_length=200, blank=True)
    url = models.URLField(blank=True)
    note = models.TextField(blank=True, help_text="Editorial note on this reference (markdown).")

    class Meta:
        ordering = ["number"]

    def __str__(self):
        return f"[{self.number}] {self.title}"

    def get_absolute_url(self):
        return reverse("taxonomy:references") + f"#ref-{self.key}"

    @property
    def link(self) -> str:
        """``url`` if it is safe to put in an ``href`` (http or https), else "".

        The admin and the fixture loader validate URLs, but a row written another
        way (a raw SQL restore, a shell) could hold ``javascript:``; templates link
        this property, never ``url`` itself.
        """
        scheme = self.url.strip().split(":", 1)[0].lower() if ":" in self.url else ""
        return self.url.strip() if scheme in ("http", "https") else ""


class Cause(Reviewable):
    name = models.CharField(max_length=160, unique=True)
    slug = models.SlugField(max_length=160, unique=True)
    group = models.ForeignKey(CauseGroup, on_delete=models.PROTECT, related_name="causes")
    mechanisms = models.ManyToManyField(Mechanism, related_name="causes", blank=True)
    summary = models.TextField(help_text="One or two plain sentences (markdown).")
    body = models.TextField(blank=True, help_text="The fuller account (markdown).")
    related = models.ManyToManyField("self", blank=True, symmetrical=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["group__position", "position", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("taxonomy:cause", kwargs={"slug": self.slug})


class Topic(Reviewable):
    """A page for a section of the source that is not a cause (e.g. the diagnostic approach)."""

    title = models.CharField(max_length=160, unique=True)
    slug = models.SlugField(max_length=160, unique=True)
    summary = models.TextField(help_text="Markdown.")
    body = models.TextField(blank=True, help_text="Markdown.")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("taxonomy:topic", kwargs={"slug": self.slug})


class FactQuerySet(models.QuerySet):
    def with_references(self):
        return self.prefetch_related(models.Prefetch("references", queryset=Reference.objects.order_by("number")))


class Fact(models.Model):
    class Verification(models.TextChoices):
        AS_STATED = "as_stated", "As stated in the source"
        CHECKED = "checked", "Checked against a primary source"
        DISPUTED = "disputed", "Disputed"

    key = models.SlugField(max_length=120, unique=True)
    text = models.TextField(help_text="One claim, in our words, figures exact (markdown).")
    cause = models.ForeignKey(Cause, null=True, blank=True, on_delete=models.CASCADE, related_name="facts")
    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.CASCADE, related_name="facts")
    references = models.ManyToManyField(Reference, related_name="facts")
    verification = models.CharField(max_length=20, choices=Verification.choices, default=Verification.AS_STATED)
    editorial_note = models.TextField(blank=True, help_text="Required when disputed (markdown).")
    is_key = models.BooleanField(default=True, help_text="Shown first on the page (the 'key facts').")
    position = models.PositiveSmallIntegerField(default=0)

    objects = FactQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(cause__isnull=False, topic__isnull=True) | Q(cause__isnull=True, topic__isnull=False)),
                name="fact_belongs_to_exactly_one_page",
            )
        ]

    def __str__(self):
        return self.text[:80]

    def get_absolute_url(self):
        owner = self.cause or self.topic
        return f"{owner.get_absolute_url()}#fact-{self.key}"

    def clean(self):
        super().clean()
        if (self.cause_id is None) == (self.topic_id is None):
            raise ValidationError("A fact belongs to exactly one cause or one topic.", code="one_owner")
        if self.verification == self.Verification.DISPUTED and not self.editorial_note.strip():
            raise ValidationError(
                {"editorial_note": "A disputed fact needs an editorial note saying why."}, code="note_required"
            )


# Words that would tell a learner how a case keyed an entry, or that it did not
# key it at all. A default result is what an entry returns when the case does not
# key it, so it must read like any other result and never carry one of these.
REVEALING_WORDS = (
    "contributory",
    "keyed",
    "key",
    "relevant",
    "irrelevant",
    "this case",
    "indicated",
    "essential",
    "useful",
    "low yield",
    "low-yield",
    "harmful",
    "never",
    "unnecessary",
    "correct",
    "incorrect",
    "wrong",
    "no finding",
)
_REVEALING = re.compile(r"\b(" + "|".join(re.escape(word) for word in REVEALING_WORDS) + r")\b", re.IGNORECASE)


def revealing_words(text: str) -> list[str]:
    """The words of ``REVEALING_WORDS`` found in ``text``, lower-cased, in order."""
    return [match.lower() for match in _REVEALING.findall(text)]


class CatalogueKind(models.TextChoices):
    INVESTIGATION = "investigation", "Investigation"
    ACTION = "action", "Management action"


class CatalogueCategory(models.TextChoices):
    # Menus and reader pages list categories in this order, grouped by kind.
    BLOOD_COUNT = "blood_count", "Blood count, film and coagulation"
    HISTORY = "history", "History, medications and exposures"
    CHEMISTRY = "chemistry", "Chemistry"
    INFECTION = "infection", "Infection studies"
    NUTRITION_IMMUNE = "nutrition_immune", "Vitamins, haematinics and immunology"
    IMAGING = "imaging", "Imaging"
    MARROW = "marrow", "Marrow and special tests"
    MEDICATION = "medication", "Medication and exposure changes"
    TREATMENT = "treatment", "Treatment"
    DISPOSITION = "disposition", "Disposition, referral and follow-up"


# The kind of entry each category holds. A new category is added here and in
# CatalogueCategory (with its migration); templates iterate over both.
CATEGORY_KINDS: dict[str, str] = {
    CatalogueCategory.BLOOD_COUNT: CatalogueKind.INVESTIGATION,
    CatalogueCategory.HISTORY: CatalogueKind.INVESTIGATION,
    CatalogueCategory.CHEMISTRY: CatalogueKind.INVESTIGATION,
    CatalogueCategory.INFECTION: CatalogueKind.INVESTIGATION,
    CatalogueCategory.NUTRITION_IMMUNE: CatalogueKind.INVESTIGATION,
    CatalogueCategory.IMAGING: CatalogueKind.INVESTIGATION,
    CatalogueCategory.MARROW: CatalogueKind.INVESTIGATION,
    CatalogueCategory.MEDICATION: CatalogueKind.ACTION,
    CatalogueCategory.TREATMENT: CatalogueKind.ACTION,
    CatalogueCategory.DISPOSITION: CatalogueKind.ACTION,
}


def _category_fits_kind() -> Q:
    """``(kind=k AND category IN categories of k) OR ...`` over every kind."""
    conditions = (
        Q(kind=kind, category__in=sorted(str(c) for c, k in CATEGORY_KINDS.items() if k == kind))
        for kind in CatalogueKind.values
    )
    return functools.reduce(operator.or_, conditions)


class WorkupStep(models.Model):
    """One entry of the catalogue every case offers (the long menu): an investigation or a management action.

    The name is kept from when the catalogue held investigations only; case
    files refer to entries by slug.
    """

    Kind = CatalogueKind
    Category = CatalogueCategory
    CATEGORY_KINDS = CATEGORY_KINDS

    name = models.CharField(max_length=160, unique=True)
    slug = models.SlugField(max_length=160, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.INVESTIGATION)
    category = models.CharField(max_length=30, choices=Category.choices)
    what_it_shows = models.TextField(
        help_text="Markdown. For an investigation, what it shows; for an action, what it involves."
    )
    when_indicated = models.TextField(help_text="Markdown.")
    default_result = models.TextField(
        help_text=(
            "Markdown. What a learner sees on ordering this entry in a case that does not key it: a plausible, "
            "unremarkable result or outcome for any patient (e.g. 'No growth after 48 hours.'). "
            "Never shown on reader pages."
        ),
    )
    standard_practice = models.BooleanField(
        "standard practice, not in the source",
        default=False,
        help_text=(
            "The site's source does not discuss this entry: its text only says what it measures or involves, "
            "makes no clinical claim, and cites no reference. Reader pages say so."
        ),
    )
    references = models.ManyToManyField(Reference, related_name="workup_steps", blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.CheckConstraint(
                condition=_category_fits_kind(),
                name="workup_step_category_fits_kind",
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("taxonomy:workup_step", kwargs={"slug": self.slug})

    @classmethod
    def kind_of_category(cls, category: str) -> str | None:
        return cls.CATEGORY_KINDS.get(category)

    def clean(self):
        super().clean()
        errors = {}
        expected = self.kind_of_category(self.category)
        if expected is not None and self.kind in self.Kind.values and expected != self.kind:
            errors["category"] = ValidationError(
                "%(category)s is a category of %(expected)s entries, not of %(kind)s entries.",
                code="category_kind",
                params={
                    "category": self.get_category_display(),
                    "expected": self.Kind(expected).label.lower(),
                    "kind": self.Kind(self.kind).label.lower(),
                },
            )
        found = revealing_words(self.default_result)
        if found:
            errors["default_result"] = ValidationError(
                "A default result reads like any other result: it must not say how a case judges the entry "
                "(found %(words)s).",
                code="revealing_default_result",
                params={"words": ", ".join(repr(word) for word in found)},
            )
        if errors:
            raise ValidationError(errors)
