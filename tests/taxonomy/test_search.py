"""Site search: causes, facts and workup steps, published content only, on the current database."""

import pytest
from django.db import connection
from django.urls import reverse

from leucocases.editorial.models import ReviewStatus
from leucocases.taxonomy.search import search_content, uses_full_text_search

from .factories import make_cause, make_fact, make_step, make_topic

pytestmark = pytest.mark.django_db


def search(client, q, **extra):
    return client.get(reverse("taxonomy:search"), {"q": q, **extra})


@pytest.fixture
def content():
    aplastic = make_cause(name="Aplastic anaemia", summary="Marrow failure with pancytopenia.")
    make_cause(name="Hypersplenism", summary="Splenic pooling.", body="The enlarged spleen traps cells.")
    make_fact(cause=aplastic, key="marrow-fact", text="Aplastic anaemia empties the marrow of precursors.")
    make_step(
        name="Bone-marrow aspirate and biopsy",
        slug="bone-marrow-biopsy",
        what_it_shows="Marrow cellularity and infiltration.",
        when_indicated="Unexplained cytopenias after the smear.",
    )
    make_step(name="Peripheral smear", slug="peripheral-smear", what_it_shows="Cell morphology.")
    return aplastic


def test_search_finds_each_kind_and_links_to_its_page(client, content):
    """One word finds a cause, a fact and a workup step, each in its own group with a link to its page."""
    response = search(client, "marrow")
    page = response.content.decode()

    assert response.status_code == 200
    assert 'id="results-causes"' in page and 'id="results-facts"' in page and 'id="results-steps"' in page
    assert f'href="{content.get_absolute_url()}"' in page
    assert 'href="/causes/' in page and "#fact-marrow-fact" in page
    assert 'href="/workup/bone-marrow-biopsy/"' in page
    assert "Hypersplenism" not in page
    assert "Peripheral smear" not in page


def test_search_covers_the_body_of_a_cause_and_when_a_step_is_indicated(client, content):
    """The body of a cause and a step's indications are searched, not only names."""
    assert "Hypersplenism" in search(client, "spleen").content.decode()
    assert "Bone-marrow aspirate and biopsy" in search(client, "cytopenias").content.decode()


def test_search_is_case_insensitive(client, content):
    assert "Hypersplenism" in search(client, "HYPERSPLENISM").content.decode()


def test_search_never_shows_unpublished_content(client, content):
    """Draft causes, and facts on draft pages, stay out of the results."""
    draft = make_cause(name="Secret marrow draft", status=ReviewStatus.DRAFT)
    make_fact(cause=draft, text="A marrow fact on a draft page.")
    make_fact(topic=make_topic(status=ReviewStatus.SUBMITTED), text="A marrow fact on a submitted topic.")

    page = search(client, "marrow").content.decode()

    assert "Secret marrow draft" not in page
    assert "A marrow fact on a draft page" not in page
    assert "A marrow fact on a submitted topic" not in page


def test_search_finds_facts_on_published_topics(client):
    topic = make_topic(slug="diagnostic-approach")
    make_fact(topic=topic, key="smear-first", text="Review the smear before any marrow examination.")

    page = search(client, "smear").content.decode()

    assert 'href="/topics/diagnostic-approach/#fact-smear-first"' in page


def test_empty_search_shows_a_helpful_empty_state(client, content):
    """No query (or only spaces) shows suggestions and links to browse, not an error."""
    for response in (client.get(reverse("taxonomy:search")), search(client, "   ")):
        page = response.content.decode()
        assert response.status_code == 200
        assert "What are you looking for?" in page
        assert 'href="/causes/"' in page
        assert "results-causes" not in page


def test_search_without_matches_says_so(client, content):
    page = search(client, "zzzyzzx").content.decode()

    assert "No results for “zzzyzzx”" in page


def test_overlong_search_is_rejected_with_a_clear_message(client, content):
    """A query over 200 characters is refused and explained; nothing is searched."""
    response = search(client, "marrow " * 40)
    page = response.content.decode()

    assert response.status_code == 400
    assert "That search is too long: keep it under 200 characters" in page
    assert 'aria-invalid="true"' in page
    assert "results-causes" not in page


def test_search_of_exactly_200_characters_is_accepted(client, content):
    assert search(client, "m" * 200).status_code == 200


def test_markup_in_the_query_is_shown_as_text(client, content):
    page = search(client, "<script>alert(1)</script>").content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_backend_matches_the_database():
    """PostgreSQL gets full-text search; any other database the substring fallback."""
    assert uses_full_text_search() == (connection.vendor == "postgresql")


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text search needs PostgreSQL")
def test_full_text_search_stems_ranks_and_accepts_websearch_syntax(content):
    """On PostgreSQL: English stemming, name matches ranked first, quotes and minus understood."""
    make_cause(name="Marrow fibrosis", summary="Fibrosis replaces the marrow.")

    assert [c.name for c in search_content(query="failures").causes] == ["Aplastic anaemia"]
    ranked = search_content(query="marrow").causes
    assert ranked[0].name == "Marrow fibrosis"
    assert [c.name for c in search_content(query='"marrow failure"').causes] == ["Aplastic anaemia"]
    assert "Aplastic anaemia" not in [c.name for c in search_content(query="marrow -pancytopenia").causes]
    assert search_content(query='unbalanced " quote (').total >= 0  # never a syntax error
