"""Template tags for differential checkpoints (``cases.differentials`` holds the logic).

A tag rather than view context: the report is shared by practice and the
quiz runner, and its include asks only for what it shows. (The play page's
first checkpoint comes in its context: ``play.play_context`` reads it with
the learner's choices.)
"""

from django import template

from leucocases.cases import differentials

register = template.Library()


@register.simple_tag
def differential_report(attempt):
    return differentials.differential_display(attempt=attempt)
