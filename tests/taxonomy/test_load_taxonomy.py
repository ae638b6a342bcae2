"""Loading fixtures/taxonomy.yaml: the shipped content, and the loader's all-or-nothing rules."""

from io import StringIO

import pytest
import yaml
from django.core.management import CommandError, call_command

from leucocases.editorial.models import ReviewStatus
from leucocases.taxonomy.content import (
    DEFAULT_PATH,
    TaxonomyError,
    load_taxonomy,
    read_taxonomy_file,
    validate_taxonomy,
)
from leucocases.taxonomy.models import Cause, CauseGroup, Fact, Mechanism, Reference, Topic, WorkupStep

# docs/content-ids.md: the identifiers case files rely on.
REFERENCE_NUMBERS = {
    "praxis-leukocytopenia": 1,
    "praxis-leukopenia": 2,
    "droracle-topic-overview": 3,
    "arch-intern-med-1979": 4,
    "can-fam-physician-1984": 5,
    "dmw-2017": 6,
    "azathioprine-label": 7,
}
GROUPS = {"medication", "malignancy", "infection", "immune", "marrow", "toxic", "spurious"}
MECHANISMS = {"decreased-production", "increased-destruction", "sequestration", "spurious"}
CAUSE_GROUPS = {
    "chemotherapy": "medication",
    "thiopurines": "medication",
    "beta-lactam-antibiotics": "medication",
    "immune-checkpoint-inhibitors": "medication",
    "chronic-lymphocytic-leukaemia": "malignancy",
    "acute-leukaemia": "malignancy",
    "non-hodgkin-lymphoma": "malignancy",
    "myelodysplastic-syndromes": "malignancy",
    "viral-infection": "infection",
    "cytomegalovirus": "infection",
    "bacterial-sepsis": "infection",
    "community-acquired-pneumonia": "infection",
    "autoimmune-disorders": "immune",
    "post-transplant-immunosuppression": "immune",
    "graft-failure": "immune",
    "aplastic-anaemia": "marrow",
    "marrow-fibrosis-and-infiltration": "marrow",
    "megaloblastosis": "marrow",
    "hypersplenism": "marrow",
    "drugs-and-environmental-toxins": "toxic",
    "edta-pseudoleucopenia": "spurious",
}
TOPICS = {"overview", "clinical-significance", "diagnostic-approach"}
# The catalogue entries case files written before the catalogue grew rely on:
# their slugs never change (docs/content-ids.md lists the whole catalogue).
ORIGINAL_STEPS = {
    "repeat-cbc",
    "peripheral-smear",
    "prior-counts",
    "rbc-platelet-counts",
    "citrate-recount",
    "medication-review",
    "tpmt-nudt15",
    "hiv-hcv-serology",
    "cmv-pcr",
    "blood-cultures",
    "b12-folate",
    "autoimmune-serology",
    "spleen-ultrasound",
    "bone-marrow-biopsy",
}

# The source's titles, verbatim (../shared/seed/what-causes-leucopenia.txt).
SOURCE_TITLES = {
    1: "Leukocytopenia Causes and Management",
    2: "Leukopenia Causes and Management",
    3: "Guideline Directed Topic Overview",
    4: "Leukopenia due to penicillin and cephalosporin homologues.",
    5: "The etiology and management of leukopenia.",
    6: "[Leukopenia - A Diagnostic Guideline for the Clinical Routine].",
}

# The source-sentence checklist: every sentence of the source, the fact(s)
# that carry it, and the reference numbers the source cites for it (7, the
# azathioprine label, only where the editors checked a thiopurine figure).
SOURCE_CHECKLIST = [
    ("results from decreased production ... increased destruction", ["overview-production-or-destruction"], {1, 2}),
    ("medications, infections, malignancies, autoimmune: primary culprits", ["overview-primary-culprits"], {1, 2}),
    ("chemotherapy: most common cause, direct marrow suppression", ["chemotherapy-most-common-cause"], {2}),
    ("azathioprine and 6-MP cause bone marrow toxicity", ["thiopurines-marrow-toxicity"], {1}),
    ("approximately 3.2% overall", ["thiopurines-overall-rate"], {1, 7}),
    ("severe leucopenia 5.3% RA, 16% renal transplant", ["thiopurines-severe-leucopenia-rates"], {1, 7}),
    ("TPMT or NUDT15 deficiency: severe myelosuppression", ["thiopurines-tpmt-nudt15-deficiency"], {1}),
    ("normal TPMT does not exclude risk; 27%", ["thiopurines-normal-tpmt-does-not-exclude"], {1}),
    ("TPMT activity unreliable after transfusion", ["thiopurines-tpmt-activity-unreliable"], {1}),
    ("profound leucopenia suddenly, around 3%", ["thiopurines-sudden-profound-leucopenia"], {3}),
    ("penicillins/cephalosporins 76% above 150 mg/kg/day", ["beta-lactams-source-76-percent"], {4}),
    ("immune checkpoint inhibitors", ["checkpoint-inhibitors-immune-related-events"], {1}),
    (
        "CLL, acute leukaemias, NHL: infiltration or immune-mediated",
        ["cll-infiltration-or-immune", "acute-leukaemia-infiltration-or-immune", "nhl-infiltration-or-immune"],
        {1, 2},
    ),
    ("CLL autoimmune cytopenias, granulocytopenia less common", ["cll-autoimmune-cytopenias"], {1}),
    ("myelodysplastic syndromes impair production", ["mds-impaired-production"], {1}),
    ("aplastic anaemia causes pancytopenia", ["aplastic-anaemia-pancytopenia"], {1}),
    ("viral infections, HIV and HCV", ["viral-hiv-hcv-common"], {1}),
    ("cytomegalovirus", ["cmv-cytopenias"], {1}),
    ("bacterial infections, severe sepsis", ["bacterial-severe-sepsis"], {2}),
    ("community-acquired pneumonia <4,000", ["cap-leucopenia-mortality-ards"], {1}),
    ("autoimmune disorders: immune-mediated destruction", ["autoimmune-immune-destruction"], {1}),
    ("post-transplant immunosuppression", ["post-transplant-immunosuppression-leucopenia"], {1}),
    ("graft failure, mortality up to 80%", ["graft-failure-mortality"], {1}),
    ("marrow diseases including fibrosis", ["marrow-fibrosis-other-malignancies"], {1}),
    ("megaloblastosis and hypersplenism", ["megaloblastosis-some-cases", "hypersplenism-some-cases"], {5}),
    ("prescription and non-prescription drugs, toxins", ["drugs-toxins-various"], {1}),
    (
        "neutrophils <500/mcL; highest risk 10-20% <100/mcL",
        ["infection-risk-neutrophils-below-500", "infection-risk-neutrophils-below-100"],
        {1, 2},
    ),
    ("50-60% of febrile neutropenic patients infected", ["febrile-neutropenia-infection"], {2}),
    ("bacteraemic pneumococcal, gram-negative CAP mortality", ["pneumococcal-gram-negative-mortality"], {1}),
    ("alcohol abuse: septic shock and ARDS masked", ["alcohol-leucopenia-masks-septic-shock"], {1}),
    ("examine the peripheral smear", ["dx-peripheral-smear"], {1, 6}),
    ("check previous blood counts", ["dx-previous-counts"], {6}),
    ("red cells and platelets; bi-/pancytopenia", ["dx-red-cells-and-platelets"], {6}),
    ("bone marrow examination, unexplained persistent", ["dx-marrow-examination"], {1}),
    ("exclude EDTA-dependent platelet agglutination", ["dx-exclude-edta-platelet-agglutination"], {1}),
]

# Every figure of the source, as written in our fact texts.
SOURCE_FIGURES = [
    "3.2%",
    "5.3%",
    "16%",
    "WBC <2,500 cells/mm³",
    "27%",
    "around 3%",
    "76%",
    "150 mg/kg/day",
    "two or more weeks",
    "<4,000 cells/mm³",
    "up to 80%",
    "500/mcL",
    "100/mcL",
    "10–20%",
    "50–60%",
]


def slugs(queryset, field="slug"):
    return set(queryset.values_list(field, flat=True))


def snapshot():
    """Everything the loader writes, so a test can tell whether anything changed."""
    return {
        "rows": [m.objects.count() for m in (Reference, CauseGroup, Mechanism, Cause, Topic, Fact, WorkupStep)],
        "fact_refs": Fact.references.through.objects.count(),
        "related": Cause.related.through.objects.count(),
        "summaries": dict(Cause.objects.values_list("slug", "summary")),
        "facts": dict(Fact.objects.values_list("key", "text")),
    }


def shipped_data():
    return read_taxonomy_file(DEFAULT_PATH)


def write_yaml(tmp_path, data):
    path = tmp_path / "taxonomy.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


# --- the shipped content ------------------------------------------------------


def test_shipped_file_loads_every_identifier_in_content_ids(shipped_content):
    """The shipped file holds exactly the slugs and keys case files rely on."""
    assert dict(Reference.objects.values_list("key", "number")) == REFERENCE_NUMBERS
    assert slugs(CauseGroup.objects) == GROUPS
    assert slugs(Mechanism.objects) == MECHANISMS
    assert dict(Cause.objects.values_list("slug", "group__slug")) == CAUSE_GROUPS
    assert slugs(Topic.objects) == TOPICS
    assert slugs(WorkupStep.objects.filter(kind=WorkupStep.Kind.INVESTIGATION)) >= ORIGINAL_STEPS


def test_shipped_counts(shipped_content):
    """7 references, 7 groups, 4 mechanisms, 21 causes, 3 topics, 42 facts, 86 catalogue entries."""
    assert [m.objects.count() for m in (Reference, CauseGroup, Mechanism, Cause, Topic, WorkupStep)] == [
        7,
        7,
        4,
        21,
        3,
        86,
    ]
    assert Fact.objects.count() == 42
    assert Fact.objects.filter(verification=Fact.Verification.DISPUTED).count() == 2


def test_the_six_source_references_keep_their_numbers_and_titles(shipped_content):
    """References 1-6 are the source's list, titled verbatim; 7 is the label the editors added."""
    assert {r.number: r.title for r in Reference.objects.filter(number__lte=6)} == SOURCE_TITLES
    label = Reference.objects.get(key="azathioprine-label")
    assert (label.number, label.kind, label.year) == (7, Reference.Kind.LABEL, None)


def test_no_invented_identifiers_on_references(shipped_content):
    """No PMID, DOI or URL is shipped that nobody has verified."""
    assert not Reference.objects.exclude(pmid="").exists()
    assert not Reference.objects.exclude(doi="").exists()
    assert not Reference.objects.exclude(url="").exists()


@pytest.mark.parametrize(
    ("sentence", "fact_keys", "numbers"), SOURCE_CHECKLIST, ids=[s for s, _, _ in SOURCE_CHECKLIST]
)
def test_every_source_sentence_is_a_fact_with_its_citations(shipped_content, sentence, fact_keys, numbers):
    """Each sentence of the source is a fact citing the reference numbers the source gives it."""
    for key in fact_keys:
        fact = Fact.objects.get(key=key)
        assert set(fact.references.values_list("number", flat=True)) == numbers, key


def test_checklist_covers_every_fact_on_topics_and_source_causes(shipped_content):
    """Apart from the marked editorial additions, every shipped fact is on the checklist."""
    listed = {key for _, keys, _ in SOURCE_CHECKLIST for key in keys}
    editorial = {"beta-lactams-high-dose-in-cases", "edta-source-platelet-item", "edta-white-cell-aggregation"}
    assert slugs(Fact.objects, "key") == listed | editorial
    assert not Fact.objects.filter(key__in=editorial, verification=Fact.Verification.AS_STATED, editorial_note="")


@pytest.mark.parametrize("figure", SOURCE_FIGURES)
def test_every_source_figure_appears_in_a_fact(shipped_content, figure):
    """No figure of the source is silently dropped."""
    assert Fact.objects.filter(text__contains=figure).exists(), figure


def test_every_fact_and_every_catalogue_entry_from_the_source_cites_a_reference(shipped_content):
    """Only entries marked standard practice (not discussed in the source) cite nothing."""
    assert not Fact.objects.filter(references__isnull=True).exists()
    assert not WorkupStep.objects.filter(standard_practice=False, references__isnull=True).exists()


def test_every_workup_step_has_a_neutral_default_result(shipped_content):
    """What an unkeyed step shows on the play page: written for every step, and never a verdict."""
    for step in WorkupStep.objects.all():
        assert step.default_result.strip(), step.slug
        assert "contributory" not in step.default_result.lower()


def test_every_disputed_fact_says_why(shipped_content):
    disputed = Fact.objects.filter(verification=Fact.Verification.DISPUTED)
    assert slugs(disputed, "key") == {"thiopurines-overall-rate", "beta-lactams-source-76-percent"}
    for fact in disputed:
        assert fact.editorial_note.strip(), fact.key


def test_thiopurine_overall_rate_is_disputed_against_the_label(shipped_content):
    """The "3.2% overall" figure cites the label that contradicts it, and the note gives the label's rates."""
    fact = Fact.objects.get(key="thiopurines-overall-rate")
    assert "azathioprine-label" in slugs(fact.references, "key")
    assert ">50%" in fact.editorial_note or "more than 50%" in fact.editorial_note
    assert "28%" in fact.editorial_note


def test_beta_lactam_76_percent_is_explained_as_a_share_of_cases(shipped_content):
    note = Fact.objects.get(key="beta-lactams-source-76-percent").editorial_note
    assert "20 cases" in note and "67%" in note


def test_infection_thresholds_are_stated_as_neutrophil_counts(shipped_content):
    for key in ("infection-risk-neutrophils-below-500", "infection-risk-neutrophils-below-100"):
        fact = Fact.objects.get(key=key)
        assert "neutrophil count" in fact.text
        assert fact.verification == Fact.Verification.CHECKED
        assert "misread" in fact.editorial_note


def test_white_count_thresholds_are_stated_as_total_white_counts(shipped_content):
    for key in ("thiopurines-severe-leucopenia-rates", "cap-leucopenia-mortality-ards"):
        assert "total white-cell count" in Fact.objects.get(key=key).text


def test_edta_white_cell_artefact_is_marked_as_an_editorial_extension(shipped_content):
    """The source's EDTA item is about platelets; the leucopenia analogue is ours and says so."""
    source_item = Fact.objects.get(key="dx-exclude-edta-platelet-agglutination")
    assert source_item.topic.slug == "diagnostic-approach"
    assert source_item.verification == Fact.Verification.AS_STATED
    analogue = Fact.objects.get(key="edta-white-cell-aggregation")
    assert analogue.cause.slug == "edta-pseudoleucopenia"
    assert "Editorial extension" in analogue.editorial_note
    assert "citrate or heparin" in analogue.text


def test_mechanisms_only_where_the_source_gives_one(shipped_content):
    """Chemotherapy suppresses the marrow, hypersplenism sequesters, EDTA is spurious; unstated means empty."""

    def mechanisms(slug):
        return slugs(Cause.objects.get(slug=slug).mechanisms)

    assert mechanisms("chemotherapy") == {"decreased-production"}
    assert mechanisms("hypersplenism") == {"sequestration"}
    assert mechanisms("edta-pseudoleucopenia") == {"spurious"}
    assert mechanisms("autoimmune-disorders") == {"increased-destruction"}
    for cause in Cause.objects.filter(mechanisms__isnull=True):
        assert "does not state" in cause.body, cause.slug


def test_aplastic_anaemia_says_where_the_source_put_it(shipped_content):
    cause = Cause.objects.get(slug="aplastic-anaemia")
    assert cause.group.slug == "marrow"
    assert "haematological" in cause.body and "malignancies" in cause.body


def test_related_causes_are_symmetrical(shipped_content):
    thiopurines = Cause.objects.get(slug="thiopurines")
    assert "post-transplant-immunosuppression" in slugs(thiopurines.related)
    assert "thiopurines" in slugs(Cause.objects.get(slug="post-transplant-immunosuppression").related)


def test_new_causes_and_topics_are_approved(shipped_content):
    for model in (Cause, Topic):
        assert not model.objects.exclude(review_status=ReviewStatus.APPROVED).exists()
        assert not model.objects.filter(reviewed_at__isnull=True).exists()


# --- the loader ---------------------------------------------------------------


def test_second_run_creates_nothing(shipped_content):
    """Loading the same file twice leaves the same rows and links."""
    before = snapshot()
    call_command("load_taxonomy", verbosity=0)
    assert snapshot() == before


def test_rerun_keeps_unrelated_rows_and_review_status(shipped_content):
    """An instructor's own cause, its links, and a status set by an editor survive a reload."""
    chemotherapy = Cause.objects.get(slug="chemotherapy")
    extra = Cause.objects.create(
        name="Instructor's cause", slug="instructor-cause", group=chemotherapy.group, summary="Added in admin."
    )
    extra.related.add(chemotherapy)
    Cause.objects.filter(slug="thiopurines").update(review_status=ReviewStatus.DRAFT)

    call_command("load_taxonomy", verbosity=0)

    assert Cause.objects.filter(slug="instructor-cause").exists()
    assert "chemotherapy" in slugs(Cause.objects.get(slug="instructor-cause").related)
    assert Cause.objects.get(slug="thiopurines").review_status == ReviewStatus.DRAFT


def test_reload_updates_changed_text_in_place(shipped_content, tmp_path):
    data = shipped_data()
    data["causes"][0]["facts"][0]["text"] = "Changed wording."
    call_command("load_taxonomy", str(write_yaml(tmp_path, data)), verbosity=0)
    assert Fact.objects.get(key=data["causes"][0]["facts"][0]["key"]).text == "Changed wording."
    assert Fact.objects.count() == 42


def test_command_prints_a_summary(db):
    out = StringIO()
    call_command("load_taxonomy", stdout=out)
    assert "causes: 21 (21 created, 0 updated)" in out.getvalue()
    assert "2 disputed" in out.getvalue()


def test_bad_file_names_every_error_and_writes_nothing(shipped_content, tmp_path):
    """One run reports every problem, each with its path, and the database is untouched."""
    before = snapshot()
    data = shipped_data()
    data["causes"][0]["summary"] = "This must not be written."
    data["causes"][1]["group"] = "no-such-group"
    data["causes"][1]["facts"][1]["references"] = ["no-such-reference"]
    data["causes"][2]["facts"][0]["editorial_note"] = ""  # a disputed fact
    data["topics"][0]["facts"][0]["key"] = data["causes"][0]["facts"][0]["key"]
    data["workup_steps"][3]["references"] = []
    data["references"][1]["number"] = 1
    stderr = StringIO()

    with pytest.raises(CommandError, match="nothing was written"):
        call_command("load_taxonomy", str(write_yaml(tmp_path, data)), stderr=stderr, verbosity=0)

    output = stderr.getvalue()
    for expected in (
        "causes[1].group: unknown group 'no-such-group'",
        "causes[1].facts[1].references: unknown reference 'no-such-reference'",
        "causes[2].facts[0].editorial_note: a disputed fact needs an editorial note",
        "topics[0].facts[0].key: duplicate fact key 'chemotherapy-most-common-cause' (also at causes[0].facts[0])",
        "workup_steps[3].references: at least one reference is required",
        "references[1].number: duplicate number 1 (also at references[0])",
    ):
        assert expected in output
    assert snapshot() == before


def test_bad_file_on_an_empty_database_writes_nothing(db, tmp_path):
    data = shipped_data()
    data["causes"][5]["mechanisms"] = ["no-such-mechanism"]
    with pytest.raises(CommandError):
        call_command("load_taxonomy", str(write_yaml(tmp_path, data)), stderr=StringIO(), verbosity=0)
    assert not Reference.objects.exists() and not Cause.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ([], "(top level): expected a mapping"),
        ({"causes": {}}, "causes: expected a list"),
        ({"extras": []}, "extras: unknown section"),
        ({"groups": [{"slug": "g", "name": "G", "colour": "red"}]}, "groups[0].colour: unknown field"),
        ({"groups": [{"slug": "Not a slug", "name": "G"}]}, "groups[0].slug: "),
        ({"groups": [{"name": "G"}]}, "groups[0].slug: required"),
        ({"groups": [{"slug": "g", "name": "G", "position": True}]}, "groups[0].position: expected int"),
        (
            {"references": [{"key": "r", "number": 1, "kind": "blog", "title": "T", "source": "S"}]},
            "references[0].kind: ",
        ),
        (
            {
                "references": [
                    {"key": "r", "number": 1, "kind": "research", "title": "T", "source": "S", "url": "javascript:x()"}
                ]
            },
            "references[0].url: Enter a valid URL.",
        ),
        (
            {"groups": [{"slug": "g", "name": "G"}], "causes": [{"slug": "c", "name": "C", "group": "g"}]},
            "causes[0].summary: required",
        ),
        (
            {
                "groups": [{"slug": "g", "name": "G"}],
                "causes": [{"slug": "c", "name": "C", "group": "g", "summary": "S", "related": ["c"]}],
            },
            "causes[0].related: a cause cannot be related to itself",
        ),
        (
            {"topics": [{"slug": "t", "title": "T", "summary": "S", "facts": [{"key": "f", "text": "x"}]}]},
            "topics[0].facts[0].references: required",
        ),
        (
            {
                "topics": [
                    {
                        "slug": "t",
                        "title": "T",
                        "summary": "S",
                        "facts": [{"key": "f", "text": "x", "references": ["r"], "verification": "probably"}],
                    }
                ]
            },
            "topics[0].facts[0].verification: ",
        ),
    ],
)
def test_validation_names_the_path_of_the_problem(data, expected):
    assert any(error.startswith(expected) for error in validate_taxonomy(data)), validate_taxonomy(data)


@pytest.mark.django_db
def test_load_refuses_invalid_data_with_every_error():
    with pytest.raises(TaxonomyError) as info:
        load_taxonomy({"groups": [{"slug": "g"}, {"slug": "g", "name": "G"}]})
    assert info.value.errors == ["groups[0].name: required", "groups[1].slug: duplicate slug 'g' (also at groups[0])"]
    assert not CauseGroup.objects.exists()


def test_yaml_is_read_safely(tmp_path):
    """Python object tags are refused: the file is data, never code."""
    path = tmp_path / "evil.yaml"
    path.write_text("groups: !!python/object/apply:os.system ['true']\n", encoding="utf-8")
    with pytest.raises(TaxonomyError, match="not valid YAML"):
        read_taxonomy_file(path)


def test_missing_file_is_reported(tmp_path):
    with pytest.raises(TaxonomyError, match="cannot read"):
        read_taxonomy_file(tmp_path / "missing.yaml")
