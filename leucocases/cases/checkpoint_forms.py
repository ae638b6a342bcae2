"""The form of a differential checkpoint: a one-line problem summary and up
to five causes, ranked, each chosen from the whole published taxonomy (the
diagnosis list's grouped menu, so nothing tells which causes a case keys).

Used alone after the presentation (``checkpoint_views``) and inside the
diagnosis form before the final diagnosis (``forms.DiagnosisForm``, prefix
"final"). Every field is optional: a learner may list fewer causes, and a
case without a differential never shows the fields.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.utils.html import format_html, format_html_join

from leucocases.taxonomy.models import Cause

from .grading.differential import MAX_CAUSES

__all__ = ["CheckpointAnswer", "CheckpointForm"]

SUMMARY_MAX_LENGTH = 200


@dataclass(frozen=True, slots=True)
class CheckpointAnswer:
    summary: str
    causes: tuple[str, ...]  # cause slugs, most likely first


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


class CheckpointForm(forms.Form):
    summary = forms.CharField(
        label="Problem summary, in one line",
        max_length=SUMMARY_MAX_LENGTH,
        required=False,
        help_text="Who the patient is, the setting, the count and what stands out.",
        widget=PlainTextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        # Imported here: forms imports this module (the diagnosis form holds the final checkpoint).
        from .forms import DiagnosisSelect

        super().__init__(*args, **kwargs)
        for rank in range(1, MAX_CAUSES + 1):
            self.fields[f"cause_{rank}"] = forms.CharField(
                label=f"Cause {rank}" + (" (most likely)" if rank == 1 else ""),
                required=False,
                widget=DiagnosisSelect(attrs={"class": "form-select"}),
            )

    def cause_fields(self) -> list[forms.BoundField]:
        return [self[f"cause_{rank}"] for rank in range(1, MAX_CAUSES + 1)]

    def clean(self) -> dict:
        cleaned = super().clean()
        ranked = [cleaned.get(f"cause_{rank}") or "" for rank in range(1, MAX_CAUSES + 1)]
        listed = [slug for slug in ranked if slug]
        if len(set(listed)) != len(listed):
            raise forms.ValidationError("List each cause once.", code="duplicate_cause")
        known = set(Cause.objects.published().filter(slug__in=listed).values_list("slug", flat=True))
        if unknown := [slug for slug in listed if slug not in known]:
            raise forms.ValidationError(
                "Choose causes from the list (%(slug)s is not one).", code="unknown_cause", params={"slug": unknown[0]}
            )
        cleaned["ranked"] = tuple(listed)  # blanks between ranks close up
        return cleaned

    def answer(self) -> CheckpointAnswer:
        return CheckpointAnswer(
            summary=self.cleaned_data.get("summary", "").strip(), causes=self.cleaned_data["ranked"]
        )

    @property
    def is_blank(self) -> bool:
        return not (self.cleaned_data.get("summary", "").strip() or self.cleaned_data.get("ranked"))
