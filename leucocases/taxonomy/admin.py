"""Authoring the taxonomy: groups, mechanisms, references, causes, topics, facts, workup steps."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from leucocases.editorial.admin import REVIEW_FIELDSET, REVIEW_LIST_DISPLAY, REVIEW_LIST_FILTER, ReviewableAdmin

from .models import Cause, CauseGroup, Fact, Mechanism, Reference, Topic, WorkupStep
from .search.index import search_index_touch
from .search.indexed_admin import SearchIndexedAdmin
from .search.models import SearchEntry, Synonym, SynonymGroup

Kind = SearchEntry.Kind


class HeadingAdmin(admin.ModelAdmin):
    """A cause group or a mechanism (``models.Heading``)."""

    list_display = ("name", "slug", "position")
    list_editable = ("position",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(CauseGroup)
class CauseGroupAdmin(SearchIndexedAdmin, HeadingAdmin):
    """A group's name is indexed with its causes and their facts (search's "section")."""

    def search_index_changes(self, obj):
        causes = list(obj.causes.values_list("pk", flat=True))
        return {Kind.CAUSE: causes, Kind.FACT: list(Fact.objects.filter(cause__in=causes).values_list("pk", flat=True))}


admin.site.register(Mechanism, HeadingAdmin)


@admin.register(Reference)
class ReferenceAdmin(admin.ModelAdmin):
    list_display = ("number", "key", "title", "source", "year", "kind")
    list_display_links = ("number", "key")
    list_filter = ("kind", "year")
    search_fields = ("key", "title", "source", "pmid", "doi")
    fieldsets = [
        (None, {"fields": ("key", "number", "kind", "title", "source", "year")}),
        ("Identifiers", {"fields": ("pmid", "doi", "url")}),
        ("Editorial", {"fields": ("note",)}),
    ]


class FactInline(admin.StackedInline):
    """Facts edited on their page. Shown once the page exists (a fact needs its owner saved)."""

    model = Fact
    extra = 0
    fields = (("key", "position", "is_key"), "text", "references", ("verification", "editorial_note"))
    autocomplete_fields = ("references",)
    show_change_link = True


class OwnerWithFactsMixin(SearchIndexedAdmin):
    """A cause or topic page edited with its facts; its search entries and its facts' follow each save."""

    search_indexed_inlines = {Fact: Kind.FACT}
    search_kind = ""

    def search_index_changes(self, obj):
        return {self.search_kind: [obj.pk], Kind.FACT: list(obj.facts.values_list("pk", flat=True))}

    def get_inlines(self, request, obj):
        # Fact.clean needs the owner's id, which a page being added does not have yet:
        # add the page, then "Save and continue editing" to add its facts.
        return [FactInline] if obj is not None else []


@admin.register(Cause)
class CauseAdmin(OwnerWithFactsMixin, ReviewableAdmin):
    search_kind = Kind.CAUSE
    list_display = ("name", "group", *REVIEW_LIST_DISPLAY)
    list_filter = ("group", "mechanisms", *REVIEW_LIST_FILTER)
    list_select_related = ("group", "author", "reviewer")
    search_fields = ("name", "slug", "summary", "body")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("group",)
    filter_horizontal = ("mechanisms", "related")
    fieldsets = [
        (None, {"fields": ("name", "slug", "group", "position")}),
        ("Classification", {"fields": ("mechanisms", "related")}),
        ("Text", {"fields": ("summary", "body"), "description": "Markdown. Put each cited claim in a fact below."}),
        REVIEW_FIELDSET,
    ]


@admin.register(Topic)
class TopicAdmin(OwnerWithFactsMixin, ReviewableAdmin):
    search_kind = Kind.TOPIC
    list_display = ("title", "position", *REVIEW_LIST_DISPLAY)
    list_select_related = ("author", "reviewer")
    search_fields = ("title", "slug", "summary", "body")
    prepopulated_fields = {"slug": ("title",)}
    fieldsets = [
        (None, {"fields": ("title", "slug", "position")}),
        ("Text", {"fields": ("summary", "body"), "description": "Markdown."}),
        REVIEW_FIELDSET,
    ]


@admin.register(Fact)
class FactAdmin(SearchIndexedAdmin, admin.ModelAdmin):
    """Fact.clean() runs on save: one owner, and a disputed fact needs its editorial note."""

    def search_index_changes(self, obj):
        return {Kind.FACT: [obj.pk]}

    list_display = ("key", "short_text", "cause", "topic", "verification", "is_key")
    list_filter = ("verification", "is_key", ("cause", admin.RelatedOnlyFieldListFilter), "topic")
    list_select_related = ("cause", "topic")
    search_fields = ("key", "text", "editorial_note")
    autocomplete_fields = ("cause", "topic", "references")
    fieldsets = [
        (None, {"fields": ("key", ("cause", "topic"), "text", "references", ("is_key", "position"))}),
        ("Verification", {"fields": ("verification", "editorial_note")}),
    ]

    @admin.display(description="Text")
    def short_text(self, obj):
        return obj.text[:100]


class WorkupStepForm(forms.ModelForm):
    """An entry cites the source, or is marked standard practice and cites nothing (see the model)."""

    class Meta:
        model = WorkupStep
        fields = (
            "name",
            "slug",
            "kind",
            "category",
            "position",
            "what_it_shows",
            "when_indicated",
            "references",
            "standard_practice",
            "default_result",
        )

    def clean(self):
        cleaned = super().clean()
        references = cleaned.get("references")
        if references is None or "standard_practice" not in cleaned:
            return cleaned  # a field error is already reported
        if cleaned["standard_practice"] and references.exists():
            self.add_error(
                "references",
                ValidationError(
                    "A standard-practice entry cites nothing: its text only says what it measures or involves. "
                    "Remove the references, or untick standard practice if the source discusses it.",
                    code="standard_practice_cites",
                ),
            )
        elif not cleaned["standard_practice"] and not references.exists():
            self.add_error(
                "references",
                ValidationError(
                    "Cite at least one reference, or tick standard practice if the source does not discuss this entry.",
                    code="references_required",
                ),
            )
        return cleaned


@admin.register(WorkupStep)
class WorkupStepAdmin(SearchIndexedAdmin, admin.ModelAdmin):
    """One catalogue entry. Its default result is what a learner sees when a case does not key it."""

    form = WorkupStepForm
    list_display = ("name", "slug", "kind", "category", "standard_practice", "position")
    list_filter = ("kind", "category", "standard_practice")
    search_fields = ("name", "slug", "what_it_shows", "when_indicated", "default_result")

    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("references",)
    fieldsets = [
        (None, {"fields": ("name", "slug", ("kind", "category"), "position")}),
        ("Teaching", {"fields": ("what_it_shows", "when_indicated", "references", "standard_practice")}),
        (
            "In a case",
            {
                "fields": ("default_result",),
                "description": "Shown to a learner who orders this entry in a case that does not key it. "
                "Write a plausible, unremarkable result or outcome for any patient; never say whether or how a "
                "case uses the entry.",
            },
        ),
    ]

    def search_index_changes(self, obj):
        return {Kind.STEP: [obj.pk]}


class SynonymInline(admin.TabularInline):
    model = Synonym
    extra = 3
    min_num = 2
    fields = ("phrase", "relation")


@admin.register(SynonymGroup)
class SynonymGroupAdmin(admin.ModelAdmin):
    """Search synonyms: a question using one phrase of a group also searches the others, from the next question on."""

    list_display = ("name", "phrase_list")
    search_fields = ("name", "synonyms__phrase")
    inlines = (SynonymInline,)
    fieldsets = [(None, {"fields": ("name", "note"), "description": "Words and phrases readers use for one thing."})]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("synonyms")

    # An edit applies from the next question: renew the index version, so every process reloads its table.
    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        search_index_touch()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        search_index_touch()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        search_index_touch()

    @admin.display(description="Phrases")
    def phrase_list(self, obj):
        return ", ".join(s.phrase for s in obj.synonyms.all())
