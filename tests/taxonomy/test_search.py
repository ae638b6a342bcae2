"""Ask a question: ranked, cited answers from published facts, on the current database (SQLite or PostgreSQL).

Content is made with the factories and then indexed the way ``make content``
does (``search_index_rebuild``); the freshness tests edit through the admin.
The wording here is deliberately not the evaluation set's (benchmarks/).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from leucocases.editorial.models import ReviewStatus
from leucocases.taxonomy.search.answer import ask
from leucocases.taxonomy.search.index import search_index_rebuild
from leucocases.taxonomy.search.models import SearchEntry, SearchTerm, Synonym, SynonymGroup
from tests.taxonomy.factories import (
    answer_keys,
    cause_change_form,
    make_cause,
    make_fact,
    make_reference,
    make_step,
    make_topic,
    synonyms,
)

pytestmark = pytest.mark.django_db


def page(client, q):
    response = client.get(reverse("taxonomy:search"), {"q": q})
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def content():
    """A small taxonomy: three causes with facts, a topic, two workup steps, indexed."""
    ref = make_reference(title="Marrow monograph")
    drugs = make_cause(name="Thiopurine toxicity", slug="thiopurine-toxicity", summary="Azathioprine harms marrow.")
    make_fact(
        cause=drugs,
        key="tpmt-normal",
        text="A normal TPMT result does not exclude marrow toxicity from azathioprine.",
        references=[ref],
    )
    make_fact(cause=drugs, key="aza-common", text="Azathioprine commonly lowers the leucocyte count.", references=[ref])
    spleen = make_cause(name="Hypersplenism", slug="hypersplenism", summary="Splenic pooling of white cells.")
    make_fact(cause=spleen, key="spleen-pool", text="An enlarged spleen pools white cells.", references=[ref])
    sepsis = make_cause(name="Sepsis", slug="sepsis", summary="Overwhelming infection.")
    make_fact(cause=sepsis, key="sepsis-neutropenia", text="Severe sepsis can exhaust neutrophils.", references=[ref])
    topic = make_topic(title="Risk of infection", slug="infection-risk")
    make_fact(
        topic=topic,
        key="neutrophils-500",
        text="Infection risk rises steeply when neutrophils fall below 500/mcL.",
        references=[ref],
    )
    make_step(name="Peripheral smear", slug="peripheral-smear", what_it_shows="Which white-cell lines are low.")
    make_step(name="Spleen ultrasound", slug="spleen-ultrasound", what_it_shows="If a big spleen pools cells.")
    search_index_rebuild()
    return {"drugs": drugs, "spleen": spleen, "sepsis": sepsis, "topic": topic, "reference": ref}


# --- ranking ----------------------------------------------------------------------


def test_the_fact_holding_the_specific_words_answers_first(client, content):
    """A question naming TPMT is answered by the TPMT fact first, cited, and linked to its place on its page."""
    assert answer_keys("does a normal tpmt exclude azathioprine damage")[0] == "tpmt-normal"

    html = page(client, "does a normal tpmt exclude azathioprine damage")
    assert 'id="answer"' in html
    assert 'href="/causes/thiopurine-toxicity/#fact-tpmt-normal"' in html
    assert 'href="#ref-1"' in html and "Marrow monograph" in html


def test_at_most_three_facts_answer(content):
    make_fact(cause=content["drugs"], text="Azathioprine lowers counts in some.")
    make_fact(cause=content["drugs"], text="Azathioprine lowers counts in others.")
    search_index_rebuild()

    assert 1 <= len(ask("azathioprine").facts) <= 3


def test_stemming_matches_other_forms_of_a_word(content):
    """'pooling' finds 'pools'; 'exhausted' finds 'exhaust'."""
    assert "spleen-pool" in answer_keys("spleen pooling")
    assert "sepsis-neutropenia" in answer_keys("exhausted neutrophils in sepsis")


def test_related_causes_workup_entries_and_topic_pages_follow_the_answer(client, content):
    html = page(client, "white cells pooled in the spleen")

    assert html.index('id="answer"') < html.index('id="results-causes"')
    assert 'href="/causes/hypersplenism/"' in html
    assert 'href="/workup/spleen-ultrasound/"' in html


# --- synonyms ------------------------------------------------------------------------


def test_a_synonym_from_the_table_finds_the_fact_using_the_other_word(content):
    """'wbc' is not in the fact; the synonym table says it means the leucocyte count."""
    assert "aza-common" not in answer_keys("aza wbc")
    synonyms("White cell count", "wbc", "leucocyte count")
    synonyms("Azathioprine", "aza", "azathioprine")

    assert answer_keys("aza wbc")[0] == "aza-common"


def test_british_and_american_spellings_meet_without_a_synonym(content):
    """leukocyte/leucocyte, neutropaenia/neutropenia: the analyser folds them."""
    assert "aza-common" in answer_keys("azathioprine leukocyte")


def test_a_synonym_added_in_the_admin_applies_to_the_next_question(admin_client, content):
    assert answer_keys("imuran") == []
    response = admin_client.post(
        reverse("admin:taxonomy_synonymgroup_add"),
        {
            "name": "Azathioprine",
            "note": "",
            "synonyms-TOTAL_FORMS": "2",
            "synonyms-INITIAL_FORMS": "0",
            "synonyms-MIN_NUM_FORMS": "2",
            "synonyms-MAX_NUM_FORMS": "1000",
            "synonyms-0-phrase": "azathioprine",
            "synonyms-0-relation": "same",
            "synonyms-1-phrase": "Imuran",
            "synonyms-1-relation": "same",
        },
    )
    assert response.status_code == 302

    assert "aza-common" in answer_keys("imuran")


def test_a_synonym_of_only_common_words_is_refused(admin_client):
    group = SynonymGroup.objects.create(name="Empty")
    with pytest.raises(Exception, match="only common words"):
        Synonym(group=group, phrase="what is the").full_clean()


# --- misspellings ------------------------------------------------------------------------


def test_a_misspelt_word_is_read_as_the_closest_word_of_the_content(client, content):
    """'azathioprin' stems alike; 'azothiaprine' needs trigram similarity (pg_trgm on PostgreSQL)."""
    assert "tpmt-normal" in answer_keys("azothiaprine tpmt")
    html = page(client, "azothiaprine tpmt")
    assert "reading “azothiaprine” as “azathioprine”" in html


def test_a_word_far_from_every_content_word_is_not_corrected(content):
    question = ask("xylophone").question
    assert question.corrections == []


# --- the refusal -----------------------------------------------------------------------------


def test_an_off_topic_question_gets_the_plain_not_covered_answer(client, content):
    html = page(client, "best recipe for lemon cake")

    assert "The site does not cover “best recipe for lemon cake”" in html
    assert 'id="answer"' not in html
    assert "fact-text" not in html


def test_a_question_sharing_only_a_minor_word_is_refused_and_offered_the_closest_causes(client, content):
    """'spleen' is in the content; 'transplant surgery waiting lists' are not: no fact answers that."""
    answer = ask("spleen transplant surgery waiting lists")
    assert not answer.answered

    html = page(client, "spleen transplant surgery waiting lists")
    assert "does not cover" in html
    assert 'id="closest-causes"' in html and 'href="/causes/hypersplenism/"' in html


# --- what readers may see ------------------------------------------------------------------------


def test_draft_pages_and_their_facts_never_answer(content):
    draft = make_cause(name="Secret draft", status=ReviewStatus.DRAFT, summary="Zebrafish marrow.")
    make_fact(cause=draft, key="draft-fact", text="Zebrafish marrow failure lowers counts.")
    make_fact(topic=make_topic(status=ReviewStatus.SUBMITTED), key="submitted-fact", text="Zebrafish counts.")
    search_index_rebuild()

    answer = ask("zebrafish marrow")
    assert answer.facts == [] and draft not in answer.causes


def test_markup_in_the_question_is_shown_as_text(client, content):
    html = page(client, "<script>alert(1)</script> azathioprine")

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_highlighting_escapes_the_fact_and_marks_only_matched_words(client, content):
    """A fact holding markup is shown as text; our <mark> is the only tag added inside it."""
    make_fact(
        cause=content["spleen"],
        key="hostile",
        text='Spleen <img src=x onerror="alert(1)"> and <b onclick=x>marrow</b> & "quotes"',
    )
    search_index_rebuild()

    html = page(client, "spleen onerror")
    start = html.index('id="answer"')
    answer_html = html[start : html.index("</ol>", start)]
    assert "<img" not in answer_html and "onclick" not in answer_html and "onerror=" not in answer_html
    assert "<mark>Spleen</mark>" in answer_html


# --- the empty and overlong question --------------------------------------------------------------


def test_empty_question_shows_a_helpful_empty_state(client, content):
    for q in ("", "   ", "what is the"):
        html = page(client, q)
        assert "What are you looking for?" in html or "does not cover" in html
        assert 'id="answer"' not in html


def test_overlong_question_is_rejected_with_a_clear_message(client, content):
    response = client.get(reverse("taxonomy:search"), {"q": "marrow " * 40})

    assert response.status_code == 400
    assert "That search is too long: keep it under 200 characters" in response.content.decode()


# --- queries per question ---------------------------------------------------------------------------


def queries_for(q):
    with CaptureQueriesContext(connection) as captured:
        ask(q)
    return len(captured)


def test_queries_per_question_do_not_grow_with_the_content(content):
    """Copies of the causes and their facts, ten times over: the same number of queries for each question.

    Counted once the index snapshot is loaded (the first question after an index write loads it: three
    queries more, whatever the size)."""
    questions = ("azathioprine tpmt", "azothiaprine lowers leucocytes", "lemon cake", "spleen pools white cells")
    assert queries_for(questions[0]) == queries_for(questions[0]) + 3
    before = [queries_for(q) for q in questions]
    for n in range(10):
        for original in (content["drugs"], content["spleen"], content["sepsis"]):
            cause = make_cause(name=f"{original.name} {n}", summary=original.summary)
            for fact in original.facts.all():
                make_fact(cause=cause, text=fact.text, references=[content["reference"]])
    search_index_rebuild()
    queries_for(questions[0])

    assert [queries_for(q) for q in questions] == before
    assert max(before) <= 9


# --- the index ----------------------------------------------------------------------------------------


def test_rebuilding_twice_gives_the_same_index(content):
    first = sorted(SearchEntry.objects.values_list("kind", "object_id", "title"))
    terms = sorted(SearchTerm.objects.values_list("term", "documents", "facts"))
    search_index_rebuild()

    assert sorted(SearchEntry.objects.values_list("kind", "object_id", "title")) == first
    assert sorted(SearchTerm.objects.values_list("term", "documents", "facts")) == terms


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm and websearch_to_tsquery need PostgreSQL")
def test_postgresql_uses_pg_trgm_and_the_generated_vector(content):
    """On PostgreSQL the spelling comes from pg_trgm and matching from the tsvector column."""
    from leucocases.taxonomy.search.engines import Retrieval, closest_terms, retrieve

    with connection.cursor() as cursor:
        cursor.execute("SELECT extname FROM pg_extension WHERE extname = 'pg_trgm'")
        assert cursor.fetchone() == ("pg_trgm",)
        cursor.execute("SELECT count(*) FROM taxonomy_searchentry WHERE vector @@ to_tsquery('simple', 'spleen')")
        assert cursor.fetchone()[0] >= 2
        # Without a pending list: a bulk rebuild would otherwise leave rows every query scans until VACUUM.
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relname LIKE 'taxonomy_search%%' AND 'fastupdate=off' = ANY(reloptions)"
        )
        assert {name for (name,) in cursor.fetchall()} == {
            "taxonomy_searchentry_vector",
            "taxonomy_searchentry_page_vector",
            "taxonomy_searchterm_trgm",
        }
    assert closest_terms(["azothiaprin"], threshold=0.3)["azothiaprin"].term == "azathioprin"
    per_kind = {"fact": 5, "step": 5, "cause": 5}
    assert {hit.kind for hit in retrieve(Retrieval(any_of=((("spleen",),),), per_kind=per_kind))} >= {"fact", "step"}
    named = retrieve(Retrieval(pages_of=((("hypersplen",),),), per_kind=per_kind))
    assert {(hit.kind, hit.object_id) for hit in named} == {("fact", content["spleen"].facts.get().pk)}


# --- freshness after an admin edit ---------------------------------------------------------------------


def test_an_admin_edit_of_a_fact_changes_the_next_answer(admin_client, content):
    """Reword a fact in the admin: the new word finds it at once, the old word no longer does."""
    fact = content["drugs"].facts.get(key="aza-common")
    assert "aza-common" in answer_keys("azathioprine leucocyte")
    response = admin_client.post(
        reverse("admin:taxonomy_fact_change", args=[fact.pk]),
        {
            "key": fact.key,
            "cause": fact.cause_id,
            "topic": "",
            "text": "Azathioprine commonly lowers the granulocyte tally.",
            "references": [content["reference"].pk],
            "is_key": "on",
            "position": 0,
            "verification": "as_stated",
            "editorial_note": "",
        },
    )
    assert response.status_code == 302

    assert "aza-common" in answer_keys("azathioprine granulocyte tally")
    assert "aza-common" not in answer_keys("azathioprine leucocyte")


def test_a_cause_renamed_and_a_fact_deleted_in_the_admin_leave_no_stale_answer(admin_client, content):
    """The cause page's save refreshes the cause and its facts; a fact deleted inline leaves the index."""
    spleen = content["spleen"]
    fact = spleen.facts.get()
    response = admin_client.post(
        reverse("admin:taxonomy_cause_change", args=[spleen.pk]),
        cause_change_form(spleen, fact, references=[content["reference"]], name="Splenic sequestration")
        | {"facts-0-DELETE": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]

    assert not SearchEntry.objects.filter(kind="fact", object_id=fact.pk).exists()
    assert "spleen-pool" not in answer_keys("enlarged spleen pools white cells")
    assert SearchEntry.objects.get(kind="cause", object_id=spleen.pk).title == "splen sequestr"


def test_a_group_renamed_in_the_admin_is_searched_by_its_new_name(admin_client, content):
    """A group's name is indexed with its causes and their facts: the admin's save refreshes them."""
    group = content["spleen"].group
    assert "spleen-pool" not in answer_keys("splenic disorders pools")
    response = admin_client.post(
        reverse("admin:taxonomy_causegroup_change", args=[group.pk]),
        {"name": "Splenic disorders", "slug": group.slug, "description": "", "position": 0},
    )
    assert response.status_code == 302

    assert answer_keys("splenic disorders pools")[0] == "spleen-pool"
    assert SearchEntry.objects.get(kind="fact", object_id=content["spleen"].facts.get().pk).section == "splen disord"
