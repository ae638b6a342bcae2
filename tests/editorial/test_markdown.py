"""Author markdown is rendered inert: script in any markdown field never reaches a page as code."""

import re

import pytest
from django.urls import reverse

from leucocases.editorial.markdown import render_markdown
from leucocases.taxonomy.models import Fact
from tests.taxonomy.factories import (
    make_cause,
    make_fact,
    make_group,
    make_mechanism,
    make_reference,
    make_step,
    make_topic,
)

PAYLOAD = (
    "<script>alert(1)</script>\n\n"
    "<img src=x onerror=alert(1)>\n\n"
    "[x](javascript:alert(1))\n\n"
    '<a href="#" onclick="x">click</a>\n\n'
    "<svg onload=alert(1)></svg> <iframe src=javascript:alert(1)></iframe>"
)
DANGEROUS = ("<script", "onerror=", "javascript:", "onclick=", "onload=", "<iframe", "<img", "<svg")


def payload(marker: str) -> str:
    """The XSS payload, preceded by a marker word proving the field was shown."""
    return f"xss{marker}marker said this.\n\n{PAYLOAD}"


def main_content(response) -> str:
    """The page's <main> element: the layout's own <script src> tags are outside it."""
    page = response.content.decode()
    return page[page.index("<main") : page.index("</main>")]


def assert_inert(html: str, *markers: str):
    for marker in markers:
        assert f"xss{marker}marker" in html, f"{marker} is not shown on this page"
    lowered = html.lower()
    for needle in DANGEROUS:
        assert needle not in lowered, f"{needle!r} reached the page"


@pytest.mark.parametrize("needle", ["<script", "onerror=", "javascript:", "onclick="])
def test_render_markdown_strips_each_attack(needle):
    assert needle not in render_markdown(PAYLOAD).lower()


def test_render_markdown_keeps_safe_formatting_and_links():
    html = render_markdown("**bold** [PubMed](https://pubmed.ncbi.nlm.nih.gov/1/)\n\n| a |\n|---|\n| 1 |")

    assert "<strong>bold</strong>" in html
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/1/"' in html
    assert 'rel="noopener noreferrer"' in html
    assert "<table>" in html


@pytest.fixture
def hostile_content(db):
    """One of every taxonomy object, every markdown field carrying the payload."""
    group = make_group(slug="hostile-group", description=payload("groupdescription"))
    mechanism = make_mechanism(slug="hostile-mechanism", description=payload("mechanismdescription"))
    reference = make_reference(key="hostile-ref", note=payload("referencenote"))
    cause = make_cause(
        slug="hostile-cause",
        group=group,
        mechanisms=[mechanism],
        summary=payload("causesummary"),
        body=payload("causebody"),
    )
    make_fact(
        cause=cause,
        key="hostile-fact",
        text=payload("facttext"),
        references=[reference],
        verification=Fact.Verification.DISPUTED,
        editorial_note=payload("factnote"),
    )
    topic = make_topic(slug="hostile-topic", summary=payload("topicsummary"), body=payload("topicbody"))
    make_fact(
        topic=topic,
        key="hostile-topic-fact",
        text=payload("topicfacttext"),
        references=[reference],
        editorial_note=payload("topicfactnote"),
    )
    step = make_step(
        slug="hostile-step",
        what_it_shows=payload("stepshows"),
        when_indicated=payload("stepindicated"),
        references=[reference],
    )
    return {"cause": cause, "topic": topic, "step": step}


@pytest.mark.parametrize("audience", ["student", "resident", "clinician"])
def test_cause_page_renders_every_markdown_field_inert(client, hostile_content, audience):
    """Summary, body, fact text and editorial note are shown, sanitized, whatever the audience."""
    client.cookies["audience"] = audience

    html = main_content(client.get(hostile_content["cause"].get_absolute_url()))

    assert_inert(html, "causesummary", "causebody", "facttext", "factnote")


def test_cause_index_renders_group_mechanism_and_summary_inert(client, hostile_content):
    html = main_content(client.get(reverse("taxonomy:causes"), {"mechanism": "hostile-mechanism"}))

    assert_inert(html, "groupdescription", "mechanismdescription", "causesummary")


def test_topic_page_renders_every_markdown_field_inert(client, hostile_content):
    html = main_content(client.get(hostile_content["topic"].get_absolute_url()))

    assert_inert(html, "topicsummary", "topicbody", "topicfacttext", "topicfactnote")


def test_reference_list_renders_notes_and_fact_excerpts_inert(client, hostile_content):
    html = main_content(client.get(reverse("taxonomy:references")))

    assert_inert(html, "referencenote", "facttext", "topicfacttext")


def test_workup_pages_render_inert(client, hostile_content):
    detail = main_content(client.get(hostile_content["step"].get_absolute_url()))
    catalogue = main_content(client.get(reverse("taxonomy:workup_steps")))

    assert_inert(detail, "stepshows", "stepindicated")
    assert_inert(catalogue, "stepshows")


@pytest.mark.parametrize(
    ("query", "markers"),
    [
        ("xsscausesummarymarker", ["causesummary"]),
        ("xssfacttextmarker", ["facttext"]),
        ("xssstepshowsmarker", ["stepshows"]),
    ],
)
def test_search_results_render_inert(client, hostile_content, query, markers):
    html = main_content(client.get(reverse("taxonomy:search"), {"q": query}))

    assert_inert(html, *markers)


def test_whole_pages_carry_no_inline_script(client, hostile_content):
    """Beyond <main>: every <script> on the page is an external file, as the CSP requires."""
    page = client.get(hostile_content["cause"].get_absolute_url()).content.decode()

    scripts = re.findall(r"<script[^>]*>", page)
    assert scripts and all('src="/static/' in tag for tag in scripts)
    assert "javascript:" not in page and "onerror=" not in page
