"""The expert differential in the case admin: up to five causes at each
checkpoint (after the presentation, with the final diagnosis), each with a
must-not-miss flag, and whether the differential is scored.

The case stores it as the case file's ``differential`` mapping
(``Case.differential``, ``ExpertDifferential.to_dict``), so it travels with
the rest of the content: a draft of changes copies it, publishing copies it
back, and each revision's case file holds it. The rules are the importer's
(``casefile.check_differential``, itself the engine's ``differential_problems``).
One of them, that the last checkpoint names the full-credit cause, needs the
diagnosis options, an inline, so they all run with the key's check
(``key_inlines.KeyCheck``), and their problems are listed with the diagnosis
options', each starting "Differential:".
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join

from leucocases.taxonomy.models import Cause

from ..grading.differential import CHECKPOINTS, MAX_CAUSES, ExpertCause, ExpertCheckpoint, ExpertDifferential

__all__ = [
    "DIFFERENTIAL_FIELDS",
    "DifferentialFieldsMixin",
    "differential_fieldset",
    "differential_html",
    "expert_from_rows",
]

CHECKPOINT_TITLES = {"presentation": "After the presentation", "final": "With the final diagnosis"}


def cause_field(checkpoint: str, rank: int) -> str:
    return f"differential_{checkpoint}_{rank}"


def flag_field(checkpoint: str, rank: int) -> str:
    return f"differential_{checkpoint}_{rank}_must_not_miss"


#: The form's differential fields, in page order.
DIFFERENTIAL_FIELDS = (
    "differential_scored",
    *(
        name
        for cp in CHECKPOINTS
        for rank in range(1, MAX_CAUSES + 1)
        for name in (cause_field(cp, rank), flag_field(cp, rank))
    ),
)


def _declared() -> dict[str, forms.Field]:
    fields: dict[str, forms.Field] = {
        "differential_scored": forms.BooleanField(
            label="Score the differential",
            required=False,
            help_text="Show a differential score beside the total (never in it): at each checkpoint the share of "
            "the expert's causes the learner listed, a must-not-miss cause counting twice, averaged.",
        )
    }
    for checkpoint in CHECKPOINTS:
        for rank in range(1, MAX_CAUSES + 1):
            fields[cause_field(checkpoint, rank)] = forms.ChoiceField(
                label=f"{CHECKPOINT_TITLES[checkpoint]}: cause {rank}", required=False
            )
            fields[flag_field(checkpoint, rank)] = forms.BooleanField(
                label=f"Cause {rank} must not be missed", required=False
            )
    return fields


def expert_from_rows(rows: dict[str, list[tuple[str, bool]]], *, scored: bool) -> dict[str, Any]:
    """``Case.differential`` from (cause, must-not-miss) rows per checkpoint, blank causes
    skipped: {} for none, and ``{"scored": True}`` when scored with no cause (which
    ``check_differential`` refuses: a differential needs a checkpoint)."""
    checkpoints = tuple(
        ExpertCheckpoint(name, tuple(ExpertCause(c, must_not_miss=flag) for c, flag in rows.get(name, ()) if c))
        for name in CHECKPOINTS
    )
    kept = tuple(c for c in checkpoints if c.causes)
    if kept:
        return ExpertDifferential(kept, scored=scored).to_dict()
    return {"scored": True} if scored else {}


class _DifferentialFields(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # One query for the ten cause menus.
        choices = [("", "—"), *Cause.objects.order_by("name").values_list("slug", "name")]
        for name in DIFFERENTIAL_FIELDS:
            if name in self.fields and isinstance(self.fields[name], forms.ChoiceField):
                self.fields[name].choices = choices
        expert = ExpertDifferential.from_dict(getattr(self.instance, "differential", None))
        if expert is not None and not self.is_bound:
            self.initial["differential_scored"] = expert.scored
            for checkpoint in expert.checkpoints:
                for rank, cause in enumerate(checkpoint.causes, start=1):
                    self.initial[cause_field(checkpoint.name, rank)] = cause.cause
                    self.initial[flag_field(checkpoint.name, rank)] = cause.must_not_miss

    def differential_rows(self) -> list[tuple[str, list[tuple[forms.BoundField, forms.BoundField]]]]:
        """Each checkpoint's title and its (cause, must-not-miss) fields, for a page laying them out."""
        return [
            (
                CHECKPOINT_TITLES[cp],
                [(self[cause_field(cp, rank)], self[flag_field(cp, rank)]) for rank in range(1, MAX_CAUSES + 1)],
            )
            for cp in CHECKPOINTS
        ]

    def expert_differential(self) -> ExpertDifferential | None:
        """The differential the form holds (call once valid; None: none, or scored with no cause)."""
        return ExpertDifferential.from_dict(self.instance.differential)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not all(name in self.fields for name in DIFFERENTIAL_FIELDS):
            return cleaned  # not on this form (a locked case shows it read-only)
        rows: dict[str, list[tuple[str, bool]]] = {}
        for checkpoint in CHECKPOINTS:
            for rank in range(1, MAX_CAUSES + 1):
                cause = cleaned.get(cause_field(checkpoint, rank)) or ""
                flagged = bool(cleaned.get(flag_field(checkpoint, rank)))
                if flagged and not cause:
                    self.add_error(
                        flag_field(checkpoint, rank),
                        ValidationError("Choose the cause that must not be missed.", code="differential"),
                    )
                rows.setdefault(checkpoint, []).append((cause, flagged))
        # Checked with the key (``KeyCheck``), which has the diagnosis options.
        self.instance.differential = expert_from_rows(rows, scored=bool(cleaned.get("differential_scored")))
        return cleaned


#: Mix into the case's admin form (before ``ModelForm``): the differential's fields
#: (declared, so the admin's fieldsets may name them), read from and written to ``Case.differential``.
DifferentialFieldsMixin = type("DifferentialFieldsMixin", (_DifferentialFields,), _declared())


def differential_fieldset() -> tuple[str, dict[str, Any]]:
    rows = [(cause_field(cp, rank), flag_field(cp, rank)) for cp in CHECKPOINTS for rank in range(1, MAX_CAUSES + 1)]
    return (
        "Differential",
        {
            "fields": ("differential_scored", *rows),
            "classes": ("collapse",),
            "description": "Optional: the causes an expert keeps in mind after the presentation and with the final "
            "diagnosis, most likely first, must-not-miss ones flagged. The learner ranks up to five causes at each "
            "checkpoint given here, and the report sets their lists beside these. The last checkpoint must list the "
            "full-credit cause. Learners see none of it before they submit.",
        },
    )


def differential_html(differential: dict[str, Any] | None) -> str:
    """The differential as read-only HTML (an approved case, the change history)."""
    expert = ExpertDifferential.from_dict(differential)
    if expert is None:
        return "None: the case asks for no differential."
    names = dict(
        Cause.objects.filter(slug__in={c.cause for cp in expert.checkpoints for c in cp.causes}).values_list(
            "slug", "name"
        )
    )
    items = format_html_join(
        "",
        "<li>{}: {}</li>",
        (
            (
                CHECKPOINT_TITLES.get(cp.name, cp.name),
                ", ".join(
                    names.get(c.cause, c.cause) + (" (must not miss)" if c.must_not_miss else "") for c in cp.causes
                ),
            )
            for cp in expert.checkpoints
        ),
    )
    return format_html("<ul>{}</ul><p>{}</p>", items, "Scored." if expert.scored else "Not scored.")


class DifferentialDisplayMixin:
    """The case admin's read-only display of the differential."""

    @admin.display(description="Expert differential")
    def differential_shown(self, obj: Any) -> str:
        return differential_html(getattr(obj, "differential", None))
