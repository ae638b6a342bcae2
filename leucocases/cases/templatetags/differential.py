"""Template tags for differential checkpoints (``cases.differentials`` holds the logic).

A tag rather than view context: the report is shared by practice and the
quiz runner, and its include asks only for what it shows. (The play page's
first checkpoint comes in its context: ``play.play_context`` reads it with
the learner's choices.)
"""

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from leucocases.cases import differentials
from leucocases.editorial.content_version import remember
from leucocases.latefragments import defer
from leucocases.taxonomy.diagnosis_menu import diagnosis_menu

register = template.Library()


@register.simple_tag
def differential_report(attempt):
    return differentials.differential_display(attempt=attempt)


@register.simple_tag
def cause_names_datalist():
    """The one list of cause names the play page's ranked fields suggest from.
    Deferred: with thousands of causes it is the page's largest part."""
    return mark_safe(defer(diagnosis_menu().names_datalist_html))  # noqa: S308 - built with format_html


FIELDS_TEMPLATE = "cases/includes/checkpoint_fields.html"


@register.simple_tag
def checkpoint_fields(form) -> SafeString:
    """A checkpoint form's fields (``checkpoint_forms.CheckpointForm``). Blank
    (not posted, nothing saved) they are the same for every learner, so each
    worker renders them once per form prefix: six fields a form, two forms on
    every play page of a case with a differential."""
    if form.is_bound or any(form.initial.values()):
        return render_to_string(FIELDS_TEMPLATE, {"form": form})
    return remember(("checkpoint-fields", form.prefix), lambda: render_to_string(FIELDS_TEMPLATE, {"form": form}))
