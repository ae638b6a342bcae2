"""``{{ n|ordinal }}``: "2nd", "3rd", as the play page names a repeated order (cases.verdicts.ordinal).

Not django.contrib.humanize's: that one looks up ten translated suffixes per call
(65 µs), and a choice's answer names every repeated entry of the attempt; the
site is written in English only.
"""

from django import template

from leucocases.cases.verdicts import ordinal as ordinal_name

register = template.Library()


@register.filter(is_safe=True)
def ordinal(value: int) -> str:
    return ordinal_name(int(value))
