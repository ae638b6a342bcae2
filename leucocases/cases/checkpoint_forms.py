"""The form of a differential checkpoint: a one-line problem summary and up
to five causes, ranked, each named from the whole published taxonomy (a text
field suggesting every cause's name, so nothing tells which causes a case
keys). A name is matched whatever its case; a cause's slug is taken too.

Used alone after the presentation (``checkpoint_views``) and inside the
diagnosis form before the final diagnosis (``forms.DiagnosisForm``, prefix
"final"). Every field is optional: a learner may list fewer causes, and a
case without a differential never shows the fields.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.utils.html import format_html, format_html_join

from leucocases.taxonomy.diagnosis_menu import CAUSE_NAMES_ID, diagnosis_menu, name_key
from leucocases.taxonomy.models import Cause

from .grading.differential import MAX_CAUSES

__all__ = ["CheckpointAnswer", "CheckpointForm"]

SUMMARY_MAX_LENGTH = 200


@dataclass(frozen=True, slots=True)
class CheckpointAnswer:
    summary: str
    causes: tuple[str, ...]  # cause slugs, most likely first


def cause_slugs(typed: list[str]) -> dict[str, str]:
    """Each of ``typed`` that names a published cause (by its name, whatever
    the case and spacing, or by its slug), mapped to the cause's slug. The
    worker's menu reads the name; the database says whether the cause is
    published: what a learner submits is never trusted to a cached list."""
    if not typed:
        return {}
    menu = diagnosis_menu()
    candidates = {
        text: text if text in menu.name_by_slug else menu.slug_by_name.get(name_key(text), "") for text in typed
    }
    named = set(candidates.values()) - {""}
    published = set(Cause.objects.published().filter(slug__in=named).values_list("slug", flat=True))
    return {text: slug for text, slug in candidates.items() if slug in published}


class PlainTextInput(forms.TextInput):
    """Django's TextInput, written without its three widget templates.

    Those cost 0.4 ms a field, and the play page shows a checkpoint's summary
    field to every learner on every request: a twentieth of the page. The same
    attributes in the same order, escaped the same way.
    """

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        shown = "" if widget["value"] is None else format_html(' value="{}"', widget["value"])
        # As django/forms/widgets/attrs.html writes them: in order, False left out, True bare.
        attributes = format_html_join(
            "",
            " {}{}",
            (
                (key, "" if val is True else format_html('="{}"', val))
                for key, val in widget["attrs"].items()
                if val is not False
            ),
        )
        return format_html('<input type="{}" name="{}"{}{}>', widget["type"], widget["name"], shown, attributes)


class CauseNameInput(PlainTextInput):
    """A ranked cause: free text with every published cause's name suggested
    (the page's one ``<datalist>``: the ``cause_names_datalist`` tag). A stored
    slug is shown as its cause's name; anything else as it was typed."""

    def __init__(self) -> None:
        super().__init__(attrs={"class": "form-control", "autocomplete": "off", "list": CAUSE_NAMES_ID})

    def format_value(self, value):
        shown = super().format_value(value)
        return diagnosis_menu().name_by_slug.get(shown, shown) if shown else shown


class CheckpointForm(forms.Form):
    summary = forms.CharField(
        label="Problem summary, in one line",
        max_length=SUMMARY_MAX_LENGTH,
        required=False,
        help_text="Who the patient is, the setting, the count and what stands out.",
        widget=PlainTextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for rank in range(1, MAX_CAUSES + 1):
            self.fields[f"cause_{rank}"] = forms.CharField(
                label=f"Cause {rank}" + (" (most likely)" if rank == 1 else ""),
                max_length=Cause._meta.get_field("name").max_length,
                required=False,
                widget=CauseNameInput(),
            )

    def cause_fields(self) -> list[forms.BoundField]:
        return [self[f"cause_{rank}"] for rank in range(1, MAX_CAUSES + 1)]

    def clean(self) -> dict:
        cleaned = super().clean()
        # Blanks between ranks close up.
        typed = [text for rank in range(1, MAX_CAUSES + 1) if (text := (cleaned.get(f"cause_{rank}") or "").strip())]
        slugs = cause_slugs(typed)
        if unknown := [text for text in typed if text not in slugs]:
            raise forms.ValidationError(
                "Choose causes from the suggested names (“%(text)s” is not one).",
                code="unknown_cause",
                params={"text": unknown[0]},
            )
        listed = [slugs[text] for text in typed]
        if len(set(listed)) != len(listed):
            raise forms.ValidationError("List each cause once.", code="duplicate_cause")
        cleaned["ranked"] = tuple(listed)
        return cleaned

    def answer(self) -> CheckpointAnswer:
        return CheckpointAnswer(
            summary=self.cleaned_data.get("summary", "").strip(), causes=self.cleaned_data["ranked"]
        )

    @property
    def is_blank(self) -> bool:
        return not (self.cleaned_data.get("summary", "").strip() or self.cleaned_data.get("ranked"))
