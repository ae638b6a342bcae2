"""Ask a question: the medical vocabulary (synonym groups with members) and the refusal of generic-only matches.

Content is made with the factories and indexed as ``make content`` does; the
vocabulary is written as the admin or ``load_synonyms`` writes it. The wording
is not the evaluation sets' (benchmarks/).
"""

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from leucocases.taxonomy.search.analysis import near_spelling
from leucocases.taxonomy.search.answer import CANDIDATES, ask, ranked_facts
from leucocases.taxonomy.search.index import search_index_rebuild, search_index_touch
from leucocases.taxonomy.search.models import Synonym, SynonymGroup
from leucocases.taxonomy.search.question import read_question
from leucocases.taxonomy.search.snapshot import current_snapshot
from leucocases.taxonomy.search.synonyms import SynonymFileError, load_synonyms_file
from tests.taxonomy.factories import answer_keys, make_cause, make_fact, make_reference, make_topic

pytestmark = pytest.mark.django_db

Same, Member = Synonym.Relation.SAME, Synonym.Relation.MEMBER


def vocabulary(name, same, members=()):
    group = SynonymGroup.objects.create(name=name)
    Synonym.objects.bulk_create(
        [Synonym(group=group, phrase=p, relation=Same) for p in same]
        + [Synonym(group=group, phrase=p, relation=Member) for p in members]
    )
    search_index_touch()


@pytest.fixture
def content():
    """Facts about classes (checkpoint inhibitors, autoimmune disorders, viruses, drugs) and a few specific ones."""
    ref = make_reference()

    def fact(cause, key, text):
        make_fact(cause=cause, key=key, text=text, references=[ref])

    fact(make_cause(name="Checkpoint inhibitors"), "ici", "Checkpoint inhibitors can lower the leucocyte count.")
    autoimmune = make_cause(name="Autoimmune disorders")
    fact(autoimmune, "autoimmune", "Autoimmune disorders destroy leucocytes.")
    thiopurines = make_cause(name="Thiopurines")
    fact(thiopurines, "ra-rate", "Severe leucopenia occurs in 5% of rheumatoid arthritis patients on thiopurines.")
    fact(thiopurines, "tpmt-deficiency", "TPMT deficiency raises the risk of marrow toxicity.")
    fact(thiopurines, "tpmt-interactions", "TPMT activity is unreliable with certain drug interactions.")
    fact(make_cause(name="Viral infection"), "viral", "Viral infections commonly lower the white count.")
    fact(make_cause(name="Cytomegalovirus"), "cmv", "Cytomegalovirus can lead to cytopenias.")
    fact(make_cause(name="Other drugs"), "other-drugs", "Various drugs can cause leucopenia.")
    fact(make_cause(name="Megaloblastosis"), "megaloblastosis", "Megaloblastosis explains some cases of leucopenia.")
    fact(make_cause(name="Acute leukaemia"), "acute", "Acute leukaemias infiltrate the marrow.")
    risk = make_topic(title="Risk of infection")
    make_fact(topic=risk, key="risk-rises", text="The risk of infection increases below 500 neutrophils/mcL.")
    make_fact(topic=risk, key="platelets", text="Look at the red-cell and platelet counts too.")
    search_index_rebuild()
    vocabulary("Leucopenia", ["leucopenia", "low white count"])
    vocabulary("White cell count", ["white count", "wbc", "leucocyte count"])


# --- members of a class ------------------------------------------------------------------------------------------


def test_a_brand_name_finds_the_fact_about_its_class(content):
    vocabulary("Pembrolizumab", ["pembrolizumab", "Keytruda"])
    vocabulary("Immune checkpoint inhibitors", ["checkpoint inhibitor"], members=["pembrolizumab", "nivolumab"])

    assert answer_keys("keytruda and a low white count") == ["ici"]
    assert answer_keys("nivolumab leucopenia") == ["ici"]


def test_a_misspelt_brand_name_is_read_as_the_vocabulary_word(content):
    vocabulary("Pembrolizumab", ["pembrolizumab", "Keytruda"])
    vocabulary("Immune checkpoint inhibitors", ["checkpoint inhibitor"], members=["pembrolizumab"])

    answer = ask("keytrudda low white count")
    assert [a.fact.key for a in answer.facts] == ["ici"]
    assert answer.question.corrections == [("keytrudda", "Keytruda")]


def test_a_member_is_never_answered_with_a_fact_about_a_sibling(content):
    """Lupus and rheumatoid arthritis are both autoimmune disorders: lupus finds the class's fact, not the one
    naming rheumatoid arthritis; rheumatoid arthritis finds both."""
    vocabulary("Lupus", ["lupus", "SLE"])
    vocabulary("Rheumatoid arthritis", ["rheumatoid arthritis", "RA"])
    vocabulary("Autoimmune disorders", ["autoimmune disorders"], members=["lupus", "rheumatoid arthritis"])

    assert answer_keys("sle leucopenia") == ["autoimmune"]
    assert answer_keys("rheumatoid arthritis leucopenia")[0] == "ra-rate"
    assert "autoimmune" in ranked_facts("rheumatoid arthritis leucopenia")


def test_a_class_word_inside_a_siblings_name_does_not_count(content):
    """'leukaemia' in "acute leukaemias" names a sibling of hairy cell leukaemia, not the class."""
    vocabulary("Leukaemia", ["leukaemia"], members=["acute leukaemia", "hairy cell leukaemia"])
    vocabulary("Hairy cell leukaemia", ["hairy cell leukaemia", "HCL"])

    assert answer_keys("hcl") == []
    assert answer_keys("leukaemia in the marrow") == ["acute"]


def test_a_longer_phrase_the_group_says_is_not_it_is_no_match(content):
    make_fact(cause=make_cause(name="Lymphoma"), key="nhl", text="Non-Hodgkin lymphoma infiltrates the marrow.")
    search_index_rebuild()
    group = SynonymGroup.objects.create(name="Hodgkin lymphoma")
    Synonym.objects.create(group=group, phrase="hodgkin lymphoma")
    Synonym.objects.create(group=group, phrase="hodgkin disease")
    Synonym.objects.create(group=group, phrase="non-hodgkin lymphoma", relation=Synonym.Relation.NOT)
    search_index_touch()

    assert answer_keys("hodgkin lymphoma and the marrow") == []
    assert answer_keys("non-hodgkin lymphoma and the marrow") == ["nhl"]


def test_a_class_word_counts_on_the_page_not_in_passing(content):
    """Clozapine is a drug: the page about drugs answers, not a fact elsewhere mentioning 'drug interactions'."""
    vocabulary("Medication", ["drug", "drugs"], members=["clozapine"])

    assert answer_keys("clozapine leucopenia") == ["other-drugs"]


def test_the_fact_naming_the_thing_ranks_above_the_one_about_its_class(content):
    vocabulary("Cytomegalovirus", ["cytomegalovirus", "CMV"])
    vocabulary("Viral infection", ["viral infection", "virus"], members=["cytomegalovirus", "hepatitis b"])

    assert ranked_facts("cmv")[:2] == ["cmv", "viral"]
    assert answer_keys("hepatitis b white count") == ["viral"]


def test_a_class_named_in_the_question_searches_its_members(content):
    vocabulary("Megaloblastosis", ["megaloblastosis"], members=["b12 deficiency", "pernicious anaemia"])
    vocabulary("Vitamin B12 deficiency", ["b12 deficiency", "low b12"])
    make_fact(cause=make_cause(name="Pernicious anaemia"), key="pa", text="Pernicious anaemia lowers B12.")
    search_index_rebuild()

    assert answer_keys("low b12 and leucopenia") == ["megaloblastosis"]
    assert ranked_facts("megaloblastosis")[:2] == ["megaloblastosis", "pa"]


def test_a_different_word_sharing_a_long_ending_is_not_read_as_a_misspelling(content):
    make_fact(cause=make_cause(name="Chemotherapy"), key="chemo", text="Chemotherapy suppresses the marrow.")
    search_index_rebuild()

    assert ask("chemotherrapy").question.corrections == [("chemotherrapy", "chemotherapy")]
    radiotherapy = ask("radiotherapy")
    assert radiotherapy.question.corrections == [] and radiotherapy.facts == []


@pytest.mark.parametrize(
    ("typed", "known", "near"),
    [
        ("azothiaprine", "azathioprine", True),
        ("pnuemonia", "pneumonia", True),
        ("keytrudda", "keytruda", True),
        ("radiotherapy", "chemotherapy", False),
        ("naturally", "saturation", False),
        ("statins", "stain", False),
    ],
)
def test_a_near_spelling_is_a_slip_of_about_one_letter_in_four(typed, known, near):
    assert near_spelling(typed, known) is near


# --- the refusal ---------------------------------------------------------------------------------------------------


def test_a_question_whose_only_match_is_a_generic_word_is_refused(client, content):
    """'deficiency' is generic: it is all that "vitamin d deficiency symptoms" shares with the TPMT fact."""
    assert answer_keys("tpmt deficiency") == ["tpmt-deficiency"]
    assert answer_keys("vitamin d deficiency symptoms") == []

    html = client.get(reverse("taxonomy:search"), {"q": "vitamin d deficiency symptoms"}).content.decode()
    assert "does not cover" in html and "fact-text" not in html


def test_a_specific_word_unknown_to_site_and_vocabulary_means_not_covered(content):
    """Without the vocabulary, 'b12' is unknown: the TPMT fact, sharing 'deficiency' and the white count, does
    not answer. With it, b12 deficiency is a kind of megaloblastosis, whose fact does."""
    assert answer_keys("b12 deficiency and a low white count") == []

    vocabulary("Megaloblastosis", ["megaloblastosis"], members=["b12 deficiency"])
    assert answer_keys("b12 deficiency and a low white count") == ["megaloblastosis"]


def test_asking_how_something_is_treated_or_diagnosed_without_a_low_count_is_not_covered(content):
    """The site covers low counts: "how is lupus diagnosed" asks about lupus in general; with a low count named,
    the same words are on the site's subject."""
    vocabulary("Lupus", ["lupus", "SLE"])
    vocabulary("Autoimmune disorders", ["autoimmune disorders"], members=["lupus"])

    assert answer_keys("how is lupus diagnosed") == []
    assert answer_keys("lupus treatment") == []
    assert answer_keys("lupus and leucopenia, how is it diagnosed") == ["autoimmune"]


def test_a_fact_sharing_only_generic_words_never_answers(content):
    """No specific word, and "normal" and "count" are generic: a fact holding only them does not answer."""
    make_fact(cause=make_cause(name="Tests"), key="normal-tpmt", text="A normal TPMT count does not exclude risk.")
    search_index_rebuild()

    assert answer_keys("what is a normal count") == []


def test_a_direction_word_alone_does_not_answer(content):
    """'increase' is generic: "risk of infection increases" does not answer a question about raising platelets,
    nor does the fact naming platelets: raising a count is not what the site covers."""
    vocabulary("Platelets", ["platelets", "platelet count"])
    vocabulary("Thrombocytopenia", ["thrombocytopenia", "low platelets"])

    assert answer_keys("how can i increase my platelets with food") == []
    answer = ask("how to raise platelets at home")
    assert answer.facts == [] and answer.question.raised_count == "raise platelets"
    assert answer_keys("does the infection risk increase") == ["risk-rises"]


def test_a_subject_beside_an_unknown_word_needs_more_than_the_subject_to_answer(content):
    """One unknown word beside the subject is half the question: answered only with the site's subject too."""
    vocabulary("Medication", ["drug", "drugs"], members=["clozapine"])

    assert answer_keys("clozapine rash") == []
    assert answer_keys("clozapine rash leucopenia") == ["other-drugs"]


def test_vocabulary_spelling_and_classes_add_no_query(content):
    vocabulary("Pembrolizumab", ["pembrolizumab", "Keytruda"])
    vocabulary("Immune checkpoint inhibitors", ["checkpoint inhibitor"], members=["pembrolizumab"])
    ask("warm-up")

    def queries(q):
        with CaptureQueriesContext(connection) as captured:
            ask(q)
        return len(captured)

    assert queries("keytrudda leucopenia") == queries("checkpoint inhibitor leucopenia")


def test_a_word_naming_the_sites_subject_is_never_what_makes_the_answer(content):
    """'neutropenia' is the site's subject (fixtures/search_generic_words.yaml): "infliximab neutropenia" is not
    answered with a fact that only mentions neutrophils; a drug the vocabulary knows is answered by its class."""
    vocabulary("Neutropenia", ["neutropenia", "low neutrophils"])
    vocabulary("Medication", ["drug", "drugs"], members=["clozapine"])

    assert answer_keys("infliximab neutropenia") == []
    assert answer_keys("clozapine neutropenia") == ["other-drugs"]


def test_a_fact_holding_the_lesser_part_of_the_specific_words_does_not_answer(content):
    """'megaloblastosis' is in one fact, 'interactions' in two: of a question naming both, the facts holding only
    the commoner word do not answer, the one holding the rarer does."""
    make_fact(cause=make_cause(name="Interactions"), key="interactions", text="Drug interactions matter.")
    search_index_rebuild()
    vocabulary("Interaction", ["interaction", "interactions"])

    assert answer_keys("megaloblastosis and interactions") == ["megaloblastosis"]
    assert set(ranked_facts("interactions")[:2]) == {"interactions", "tpmt-interactions"}


def test_a_vocabulary_name_no_fact_holds_is_context_beside_a_known_subject(content):
    """Crohn's disease is in the vocabulary, in no fact: beside the thiopurines and a low count it is context,
    and the thiopurine fact answers; on its own with the count, nothing does."""
    vocabulary("Crohn's disease", ["crohn's disease", "crohns"])
    vocabulary("Thiopurines", ["thiopurines", "thiopurine"])

    assert answer_keys("thiopurines in crohns with a low white count") == ["ra-rate"]
    assert answer_keys("crohns with a low white count") == []


def test_the_database_is_asked_only_about_names_the_content_holds(content):
    """A class lists dozens of drugs the content never names: the candidates query leaves them out, and a phrase
    holding a shorter alternative ("tpmt test" holding "tpmt") adds nothing to find."""
    make_fact(cause=make_cause(name="Chemotherapy"), key="chemo", text="Chemotherapy suppresses the marrow.")
    search_index_rebuild()
    vocabulary("Chemotherapy", ["chemotherapy", "chemo", "chemotherapy drugs"], members=["folfox", "carboplatin"])
    vocabulary("TPMT", ["tpmt", "tpmt test", "thiopurine methyltransferase"])

    retrieval = read_question("chemo or a tpmt test", current_snapshot()).retrieval(CANDIDATES, budget=600)
    assert retrieval.any_of == ((("chemotherapi",),), (("tpmt",),))
    assert answer_keys("folfox leucopenia") == ["chemo"]  # named nowhere, found through its class


# --- the file and the admin ------------------------------------------------------------------------------------------


def write(tmp_path, data):
    path = tmp_path / "synonyms.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_the_file_loads_members_updates_relations_and_deletes_retired_groups(tmp_path):
    SynonymGroup.objects.create(name="Old name")
    first = {"groups": [{"name": "Thiopurines", "phrases": ["thiopurine"], "members": ["azathioprine", "6-mp"]}]}
    load_synonyms_file(write(tmp_path, first))
    assert dict(Synonym.objects.values_list("phrase", "relation")) == {
        "thiopurine": Same,
        "azathioprine": Member,
        "6-mp": Member,
    }

    second = {
        "retired": ["Old name"],
        "groups": [
            {"name": "Thiopurines", "phrases": ["thiopurine", "6-mp"], "members": ["azathioprine"]},
            {"name": "Hodgkin", "phrases": ["hodgkin lymphoma", "hodgkins"], "not": ["non-hodgkin lymphoma"]},
        ],
    }
    load_synonyms_file(write(tmp_path, second))
    assert dict(Synonym.objects.values_list("phrase", "relation"))["6-mp"] == Same
    assert Synonym.objects.get(phrase="non-hodgkin lymphoma").relation == Synonym.Relation.NOT
    assert sorted(SynonymGroup.objects.values_list("name", flat=True)) == ["Hodgkin", "Thiopurines"]


@pytest.mark.parametrize(
    ("group", "message"),
    [
        ({"name": "Alone", "phrases": ["alone"]}, "at least two phrases"),
        ({"name": "Both", "phrases": ["x-ray"], "members": ["x-ray", "cxr"]}, "listed under two of"),
        ({"name": "Empty", "phrases": [], "members": ["a1", "b2"]}, "at least 1 phrase"),
        ({"name": "Unrelated", "phrases": ["cml", "chronic myeloid"], "not": ["acute leukaemia"]}, "does not hold"),
    ],
)
def test_the_file_is_refused_whole_when_a_group_is_wrong(tmp_path, group, message):
    with pytest.raises(SynonymFileError) as error:
        load_synonyms_file(write(tmp_path, {"groups": [{"name": "Fine", "phrases": ["a1", "b2"]}, group]}))
    assert message in str(error.value)
    assert not SynonymGroup.objects.exists()


def test_an_instructor_adds_a_member_in_the_admin(admin_client, content):
    vocabulary("Immune checkpoint inhibitors", ["checkpoint inhibitor"])
    group = SynonymGroup.objects.get(name="Immune checkpoint inhibitors")
    existing = group.synonyms.get()
    assert answer_keys("atezolizumab leucopenia") == []

    response = admin_client.post(
        reverse("admin:taxonomy_synonymgroup_change", args=[group.pk]),
        {
            "name": group.name,
            "note": "",
            "synonyms-TOTAL_FORMS": "2",
            "synonyms-INITIAL_FORMS": "1",
            "synonyms-MIN_NUM_FORMS": "2",
            "synonyms-MAX_NUM_FORMS": "1000",
            "synonyms-0-id": str(existing.pk),
            "synonyms-0-group": str(group.pk),
            "synonyms-0-phrase": "checkpoint inhibitor",
            "synonyms-0-relation": "same",
            "synonyms-1-group": str(group.pk),
            "synonyms-1-phrase": "atezolizumab",
            "synonyms-1-relation": "member",
        },
    )
    assert response.status_code == 302

    assert answer_keys("atezolizumab leucopenia") == ["ici"]
