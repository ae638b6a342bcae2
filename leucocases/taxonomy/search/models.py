"""The search index and the synonym table.

``SearchEntry`` rows are derived data: one per fact, cause, topic, workup step
and practice case, holding the analysed terms (``analysis.terms``) of its
text. The services in ``index.py`` write them when content is written (the
loaders, the admin, the case importer); nothing else does. The
database-specific full-text index over them (an FTS5 table on SQLite, a
generated ``tsvector`` column on PostgreSQL) is created by migrations 0002 and 0003.

``Synonym`` rows are editorial data, edited by instructors in the admin and
read by questions through the index snapshot (``snapshot``), which an edit made
through our services (the admin, ``load_synonyms``) renews for the next question.
"""

from django.core.exceptions import ValidationError
from django.db import models

from .analysis import terms


class SearchEntry(models.Model):
    class Kind(models.TextChoices):
        FACT = "fact", "Fact"
        CAUSE = "cause", "Cause"
        TOPIC = "topic", "Topic"
        STEP = "step", "Workup step"
        CASE = "case", "Practice case"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField()
    # Analysed terms, space-separated, weighted title > context > body when ranked.
    title = models.TextField(blank=True)
    body = models.TextField(blank=True)
    context = models.TextField(blank=True, help_text="Where it sits: a fact's cause or topic.")
    section = models.TextField(blank=True, help_text="The part of the site it belongs to: a cause's group.")

    class Meta:
        verbose_name_plural = "search entries"
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="one_search_entry_per_object")]

    def __str__(self):
        return f"{self.kind} {self.object_id}"

    def field_terms(self) -> dict[str, list[str]]:
        return {name: getattr(self, name).split() for name in self.FIELDS}

    FIELDS = ("title", "context", "section", "body")


class SearchIndexState(models.Model):
    """One row: the index's version, a new random value at every write to the index or the synonym table.

    Each process keeps what questions read on every call (the synonym table, the
    vocabulary with its document counts, average field lengths) in memory under
    this version, and reloads it when the version changes: one small query per
    question instead of three large ones. Random rather than counted, so a
    rolled-back write can never leave two different contents under one version.
    """

    version = models.CharField(max_length=32)

    def __str__(self):
        return self.version


class SearchTerm(models.Model):
    """Every term in the index with the number of entries holding it (for ranking and spelling)."""

    term = models.CharField(max_length=100, unique=True)
    documents = models.PositiveIntegerField()
    facts = models.PositiveIntegerField(default=0, help_text="How many of those entries are facts.")
    word = models.CharField(max_length=100, help_text="A word of the content that gives this term, to show readers.")

    def __str__(self):
        return self.term


class SynonymGroup(models.Model):
    """Words and phrases a reader may use for one thing: a question using one also searches the others."""

    name = models.CharField(max_length=120, unique=True, help_text="What the group stands for, e.g. “Leucopenia”.")
    note = models.TextField(blank=True, help_text="Why these belong together (for editors; never shown to readers).")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Synonym(models.Model):
    """One phrase of a group: the same thing as the group names, a member of that class, or not it.

    A question using a *same* phrase also searches every phrase of the group,
    members included ("thiopurines" finds azathioprine); one using a *member*
    ("Keytruda" in Immune checkpoint inhibitors) also searches the group's
    *same* phrases, never the other members: a question about one drug or
    disease is not answered by a fact naming a sibling (lupus is not
    rheumatoid arthritis). A *not* phrase holds the group's words but names
    something else ("non-Hodgkin lymphoma" for Hodgkin lymphoma): where it
    occurs, the group's words are no match.
    """

    class Relation(models.TextChoices):
        SAME = "same", "Same as the group"
        MEMBER = "member", "Member of the group's class"
        NOT = "not", "Not it: a longer phrase holding the group's words that names something else"

    group = models.ForeignKey(SynonymGroup, on_delete=models.CASCADE, related_name="synonyms")
    phrase = models.CharField(
        max_length=120, help_text="A word or phrase as readers type it: “white count”, “WBC”, “6-MP”."
    )
    relation = models.CharField(
        max_length=10,
        choices=Relation.choices,
        default=Relation.SAME,
        help_text=(
            "Member: one drug of the class, one kind of the disease (pembrolizumab of checkpoint inhibitors). "
            "Not it: a longer phrase that holds the group's words but names something else."
        ),
    )

    class Meta:
        ordering = ["group", "phrase"]
        constraints = [models.UniqueConstraint(fields=["group", "phrase"], name="phrase_once_per_synonym_group")]

    def __str__(self):
        return self.phrase

    def clean(self):
        super().clean()
        if self.phrase and not terms(self.phrase):
            raise ValidationError(
                {"phrase": "This phrase has only common words (such as “the” or “what”): search ignores those."},
                code="no_terms",
            )
