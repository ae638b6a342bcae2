"""Template tag for a case's facility (``cases.facility`` holds the logic)."""

from django import template

from leucocases.cases import facility

register = template.Library()


@register.simple_tag
def case_facility(case):
    return facility.case_facility(case)
