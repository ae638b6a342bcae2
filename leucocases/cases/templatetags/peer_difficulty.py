"""Template tags for how other learners did: a case's facility (``cases.facility``
holds the logic) and the report's peer tables."""

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from leucocases.cases import facility
from leucocases.cases.peer_stats import PeerStats
from leucocases.editorial.content_version import remember

register = template.Library()


@register.simple_tag
def case_facility(case):
    return facility.case_facility(case)


@register.simple_tag
def peer_tables(peers: PeerStats) -> SafeString:
    """The peer tables for these figures, rendered once per worker and content version.

    Every learner reading a report on the case gets the same figures while they
    are cached (``peer_stats``), and the tables (a row per step and per cause
    chosen) took 2 ms of the page's 30. The figures are the key: new ones
    render new tables."""
    html = remember(
        ("peer-tables", peers), lambda: render_to_string("cases/includes/peer_tables.html", {"peers": peers})
    )
    return mark_safe(html)  # noqa: S308 - rendered by the template engine, which escaped it
