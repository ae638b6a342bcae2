"""Template tags for differential checkpoints (``cases.differentials`` holds the logic).

Tags rather than view context: the play page and the report are shared by
practice and the quiz runner, and each include asks only for what it shows.
"""

from django import template

from leucocases.cases import differentials

register = template.Library()


@register.simple_tag
def presentation_checkpoint(case, attempt, chosen):
    return differentials.presentation_checkpoint(case=case, attempt=attempt or None, ordered=bool(chosen))


@register.simple_tag
def differential_report(attempt):
    return differentials.differential_display(attempt=attempt)
