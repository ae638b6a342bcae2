"""Ask a question: how a question's words are read (direction, named pages and groups, words only the site uses).

Content is made with the factories and indexed as ``make content`` does; the
wording is not the evaluation sets' (benchmarks/).
"""

import pytest
from django.urls import reverse

from leucocases.taxonomy.search.analysis import terms
from leucocases.taxonomy.search.answer import ask
from leucocases.taxonomy.search.index import search_index_rebuild
from tests.taxonomy.factories import (
    answer_keys,
    make_cause,
    make_fact,
    make_group,
    make_reference,
    make_step,
    make_topic,
    synonyms,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def content():
    """Causes in two groups, an overview topic, and the white-count synonyms the shipped table has."""
    ref = make_reference()
    drugs = make_group(name="Medication-related")
    infection = make_group(name="Infection-related")
    cytotoxics = make_cause(name="Cytotoxic drugs", group=drugs, summary="Marrow suppression.")
    make_fact(cause=cytotoxics, key="cytotoxic-marrow", text="Cytotoxic drugs suppress the marrow.", references=[ref])
    gold = make_cause(name="Gold salts", group=drugs, summary="An old rheumatology drug.")
    make_fact(cause=gold, key="gold-rate", text="Gold salts lower the leucocyte count in 3%.", references=[ref])
    sepsis = make_cause(name="Overwhelming sepsis", group=infection, summary="Neutrophils used up.")
    make_fact(cause=sepsis, key="sepsis-consumes", text="Severe sepsis consumes neutrophils.", references=[ref])
    typhoid = make_cause(name="Typhoid", group=infection, summary="Salmonella typhi.")
    make_fact(cause=typhoid, key="typhoid-leucopenia", text="Typhoid can cause leucopenia.", references=[ref])
    overview = make_topic(title="What causes leucopenia", slug="what-causes")
    make_fact(
        topic=overview,
        key="overview-culprits",
        text="Medications and infections are the usual culprits.",
        references=[ref],
    )
    for n in range(4):  # leucopenia is said everywhere, as on the real site
        other = make_cause(name=f"Rare disorder {n}", group=infection, summary="Can cause leucopenia.")
        make_fact(cause=other, key=f"rare-{n}", text=f"Rare disorder {n} can cause leucopenia.", references=[ref])
    make_step(name="Spleen ultrasound", what_it_shows="An ultrasound scan of the abdomen shows the spleen.")
    synonyms("Leucopenia", "leucopenia", "low white count", "low white cells")
    synonyms("White cell count", "white count", "wbc", "leucocyte count")
    synonyms("White cells", "white cells", "leucocytes")
    synonyms("Neutrophil count", "neutrophils", "neutrophil count")
    synonyms("Neutropenia", "neutropenia", "low neutrophils")
    search_index_rebuild()


# --- which way a count moved ----------------------------------------------------------------


def test_a_lowering_word_next_to_a_count_reads_as_its_low_form(content):
    """'lowers white cells' is leucopenia: the facts saying leucopenia answer, though none says 'lower'."""
    assert "typhoid-leucopenia" in answer_keys("does typhoid lower white cells")
    assert "typhoid-leucopenia" in answer_keys("typhoid wbc dropped")


def test_a_raised_count_is_not_answered_with_a_fact_about_low_counts(client, content):
    for q in ("what causes a high white count", "typhoid raised wbc", "neutrophils elevated in sepsis", "leukocytosis"):
        answer = ask(q)
        assert not answer.answered, q
        assert answer.question.raised_count

    html = client.get(reverse("taxonomy:search"), {"q": "typhoid raised wbc"}).content.decode()
    assert "does not cover" in html and "raised count" in html
    assert 'id="answer"' not in html


def test_a_raised_count_is_read_without_the_synonym_table():
    """The counts are named in the direction-word file itself: an empty synonym table changes nothing."""
    make_fact(cause=make_cause(name="Typhoid"), key="typhoid", text="Typhoid can cause leucopenia.")
    search_index_rebuild()

    assert ask("what causes a high white count").question.raised_count == "high white count"


def test_direction_words_elsewhere_in_the_question_change_nothing(content):
    """'increased' next to 'sepsis', not next to a count: the question is still about sepsis."""
    assert answer_keys("increased sepsis consumes neutrophils")[0] == "sepsis-consumes"


# --- pages and groups the question names -------------------------------------------------------


def test_a_question_naming_a_group_is_answered_by_the_facts_of_its_causes(content):
    """'infection' is in no cause's fact: it names the Infection-related group, whose causes' facts answer."""
    infection_group = {"typhoid-leucopenia", "rare-0", "rare-1", "rare-2", "rare-3"}
    assert infection_group & set(answer_keys("infection leucopenia"))


def test_a_question_naming_a_cause_is_answered_by_the_facts_on_its_page(content):
    """'gold salts' names the cause; its fact says leucocyte count, not the question's 'white cells'."""
    assert answer_keys("gold salts white cells")[0] == "gold-rate"


def test_a_question_of_common_words_only_is_answered_from_the_page_it_names(content):
    """Every entry says leucopenia and cause: the topic page named 'What causes leucopenia' answers."""
    assert answer_keys("main causes of a low white count")[0] == "overview-culprits"
    assert answer_keys("leucopenia causes")[0] == "overview-culprits"


# --- words the facts do not use -------------------------------------------------------------------


def test_a_word_no_fact_uses_weighs_as_much_as_the_most_specific_known_word(content):
    """'ultrasound' is on a workup page, not in a fact: beside two words of a fact, the fact still answers; two
    such words ('ultrasound scan'), or two the site never uses ('zebra unicorn'), weigh as much as the fact's two:
    half the question is not covered, so nothing answers it."""
    assert answer_keys("sepsis consumes ultrasound")[:1] == ["sepsis-consumes"]
    assert answer_keys("sepsis consumes ultrasound scan") == []
    assert answer_keys("sepsis consumes zebra unicorn") == []


def test_a_question_about_how_often_meets_a_fact_giving_a_proportion(content):
    assert "percent" in terms("in 3% of patients")
    synonyms("Frequency", "percent", "how often", "percentage")

    assert answer_keys("how often do gold salts lower the leucocyte count")[0] == "gold-rate"


def test_the_shipped_direction_words_name_counts_of_the_shipped_synonym_table():
    """Every count and low form in fixtures/search_polarity.yaml is a phrase of fixtures/synonyms.yaml, and no word
    is both a lowering and a raising one (the file is validated as it is read)."""
    import yaml

    from leucocases.taxonomy.search.polarity import PATH, polarity
    from leucocases.taxonomy.search.synonyms import DEFAULT_PATH

    shipped = {tuple(terms(p)) for g in yaml.safe_load(DEFAULT_PATH.read_text())["groups"] for p in g["phrases"]}
    data = polarity(PATH)
    assert data.counts and all(count in shipped and low in shipped for count, low in data.counts)
    assert not data.low & data.high
