"""Template tags for stated certainty (``cases.certainty`` holds the logic)."""

from django import template

from leucocases.cases import certainty

register = template.Library()


@register.simple_tag
def cbm_scale() -> str:
    return certainty.cbm_scale_text()


@register.simple_tag
def certainty_statement(attempt, report, marking=False):
    return certainty.certainty_statement(certainty=attempt.certainty, report=report, marking=bool(marking))
