"""Template tags for differential checkpoints (``cases.differentials`` holds the logic).

A tag rather than view context: the report is shared by practice and the
quiz runner, and its include asks only for what it shows. (The play page's
first checkpoint comes in its context: ``play.play_context`` reads it with
the learner's choices.)
"""

from django import template
from django.utils.safestring import mark_safe

from leucocases.cases import differentials
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
