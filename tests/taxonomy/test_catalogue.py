"""The catalogue of investigations and management actions: shipped content, authoring rules, reader pages."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from leucocases.taxonomy.content import TaxonomyError, load_taxonomy, validate_taxonomy
from leucocases.taxonomy.models import Reference, WorkupStep, revealing_words
from tests.accounts.factories import make_user
from tests.taxonomy.factories import make_reference, make_step

pytestmark = pytest.mark.django_db

Kind = WorkupStep.Kind
Category = WorkupStep.Category

# Issue 13 and the catalogue brief: the actions a case must be able to key.
REQUIRED_ACTIONS = {
    "withhold-suspected-drug",
    "stop-interacting-drug",
    "empirical-iv-antibiotics",
    "g-csf",
    "corticosteroids",
    "transfusion",
    "haematology-referral",
    "repeat-count-and-review",
    "reassure-and-discharge",
    "admit-for-observation",
    "critical-care-review",
    "switch-beta-lactam",
    "continue-current-medication",
}
# ... and the investigations a realistic menu needs (exposure history is part of
# medication-review, immunophenotyping is flow-cytometry, HIV and HCV share one entry).
REQUIRED_INVESTIGATIONS = {
    "repeat-cbc",
    "peripheral-smear",
    "reticulocyte-count",
    "prior-counts",
    "medication-review",
    "b12-folate",
    "ferritin-iron-studies",
    "liver-function-tests",
    "urea-electrolytes",
    "ldh",
    "crp",
    "blood-cultures",
    "urine-culture",
    "chest-xray",
    "hiv-hcv-serology",
    "hbv-serology",
    "ebv-serology",
    "cmv-pcr",
    "parvovirus-b19",
    "ana",
    "anti-dsdna",
    "complement-c3-c4",
    "rheumatoid-factor",
    "tpmt-nudt15",
    "thiopurine-metabolites",
    "citrate-recount",
    "flow-cytometry",
    "serum-protein-electrophoresis",
    "spleen-ultrasound",
    "ct-chest-abdomen-pelvis",
    "bone-marrow-biopsy",
    "cytogenetics",
    "copper-caeruloplasmin",
    "thyroid-function",
    "coagulation-screen",
    "blood-glucose",
    "lactate",
    "blood-gas",
    "procalcitonin",
    "malaria-film",
    "tuberculosis-tests",
}
# A measured value (a number with a unit or a percentage): a default result that
# held one could contradict the case it is shown in.
MEASUREMENT = re.compile(
    r"(?<![\w-])\d[\d.,]*\s*(%|×|x\s*10|g/|mg|mmol|µ|iu|u/l|fl\b|/l\b|/mcl|cells|mm|cm|kg|years?\b|days?\b|weeks?\b)",
    re.IGNORECASE,
)
CONTENT_IDS = Path(settings.BASE_DIR) / "docs" / "content-ids.md"


def html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def main(page: str) -> str:
    return page[page.index("<main") : page.index("</main>")]


def section(page: str, element_id: str) -> str:
    """The HTML of the <section> with this id, up to the first </section> (a category holds none)."""
    start = page.index(f'id="{element_id}"')
    return page[start : page.index("</section>", start)]


# --- the shipped catalogue ------------------------------------------------------


def test_catalogue_holds_at_least_60_investigations_and_12_actions(shipped_content):
    assert WorkupStep.objects.filter(kind=Kind.INVESTIGATION).count() >= 60
    assert WorkupStep.objects.filter(kind=Kind.ACTION).count() >= 12


def test_the_entries_cases_need_exist_with_their_kind(shipped_content):
    kinds = dict(WorkupStep.objects.values_list("slug", "kind"))
    assert {slug: kinds.get(slug) for slug in REQUIRED_ACTIONS} == dict.fromkeys(REQUIRED_ACTIONS, Kind.ACTION)
    assert {slug: kinds.get(slug) for slug in REQUIRED_INVESTIGATIONS} == dict.fromkeys(
        REQUIRED_INVESTIGATIONS, Kind.INVESTIGATION
    )


def test_every_category_is_used_and_fits_its_kind(shipped_content):
    """Each category holds entries, all of the category's kind."""
    for category, kind in WorkupStep.CATEGORY_KINDS.items():
        in_category = WorkupStep.objects.filter(category=category)
        assert in_category.exists(), category
        assert set(in_category.values_list("kind", flat=True)) == {kind}, category


def test_every_entry_has_a_default_result_that_reads_like_a_result(shipped_content):
    """Written once per entry: a sentence, never a verdict, never a value a case could contradict."""
    for slug, result in WorkupStep.objects.values_list("slug", "default_result"):
        assert result.strip().endswith("."), slug
        assert "contributory" not in result.lower(), slug
        assert revealing_words(result) == [], (slug, result)
        assert not MEASUREMENT.search(result), (slug, result)


def test_action_default_results_say_the_action_is_carried_out(shipped_content):
    """An action's default outcome is the action done, in the present tense, neutrally."""
    done = re.compile(r"\b(is|are) (\w+ )?(\w+ed|given|sent|done|booked|seen|made)\b|\bcontinues\b")
    for slug, result in WorkupStep.objects.filter(kind=Kind.ACTION).values_list("slug", "default_result"):
        assert done.search(result), (slug, result)


def test_standard_practice_entries_cite_nothing_and_make_no_claim(shipped_content):
    """Entries the source does not discuss stay definitional: no references, no figures, no 'the source says'."""
    standard = WorkupStep.objects.filter(standard_practice=True)
    assert standard.exists()
    assert not standard.filter(references__isnull=False).exists()
    for step in standard:
        text = f"{step.what_it_shows} {step.when_indicated}"
        assert "source" not in text.lower(), step.slug
        assert "%" not in text and not MEASUREMENT.search(text), step.slug


def test_entries_from_the_source_cite_it(shipped_content):
    assert not WorkupStep.objects.filter(standard_practice=False, references__isnull=True).exists()


def test_thresholds_are_neutrophil_counts_and_the_76_percent_is_read_as_checked(shipped_content):
    """DESIGN §6: 500/mcL and 100/mcL are neutrophil counts; '76%' is a share of 20 cases, not a risk."""
    for step in WorkupStep.objects.all():
        text = f"{step.what_it_shows} {step.when_indicated}"
        if "500/mcL" in text or "100/mcL" in text:
            assert "neutrophil count" in text, step.slug
        if "76%" in text:
            assert "20 cases" in text, step.slug
        if "4,000" in text:
            assert "total white count" in text, step.slug


def test_the_edta_entry_says_the_source_item_is_about_platelets(shipped_content):
    text = WorkupStep.objects.get(slug="citrate-recount").what_it_shows
    assert "editorial extension" in text and "platelet" in text


def content_ids_catalogue() -> dict[str, tuple[str, str]]:
    """The catalogue table of docs/content-ids.md: slug → (kind, category)."""
    doc = CONTENT_IDS.read_text(encoding="utf-8")
    table = doc[doc.index("## Catalogue") :]
    rows = re.findall(r"^\| `([a-z0-9-]+)` \| [^|]+ \| (\w+) \| (\w+) \|", table, re.MULTILINE)
    return {slug: (kind, category) for slug, kind, category in rows}


def test_content_ids_lists_every_entry_with_its_kind_and_category(shipped_content):
    """Authors find every id in docs/content-ids.md, and nothing that does not exist."""
    assert content_ids_catalogue() == {
        slug: (kind, category) for slug, kind, category in WorkupStep.objects.values_list("slug", "kind", "category")
    }


# --- loading the file -------------------------------------------------------------


def reference_item(key="ref-a", number=1):
    return {"key": key, "number": number, "kind": "guideline", "title": "A guideline", "source": "A publisher"}


def step_item(**overrides):
    item = {
        "slug": "step-a",
        "name": "Step A",
        "kind": "investigation",
        "category": "blood_count",
        "what_it_shows": "What it shows.",
        "when_indicated": "When it is indicated.",
        "default_result": "Within the reference range.",
        "references": ["ref-a"],
    }
    item.update(overrides)
    return {key: value for key, value in item.items() if value is not None}


def catalogue_file(*steps):
    return {"references": [reference_item()], "workup_steps": list(steps)}


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"kind": None}, "workup_steps[0].kind: required"),
        ({"default_result": None}, "workup_steps[0].default_result: required"),
        ({"default_result": "  "}, "workup_steps[0].default_result: must not be blank"),
        ({"kind": "procedure"}, "workup_steps[0].kind: Value 'procedure' is not a valid choice."),
        ({"category": "surgery"}, "workup_steps[0].category: Value 'surgery' is not a valid choice."),
        (
            {"kind": "action"},
            "workup_steps[0].category: 'blood_count' is a category of investigation entries, not of action entries",
        ),
        (
            {"category": "treatment"},
            "workup_steps[0].category: 'treatment' is a category of action entries, not of investigation entries",
        ),
        (
            {"default_result": "Not contributory in this case."},
            "workup_steps[0].default_result: reads like a verdict, not a result (found 'contributory', 'this case')",
        ),
        ({"standard_practice": "yes"}, "workup_steps[0].standard_practice: expected bool"),
        (
            {"references": []},
            "workup_steps[0].references: at least one reference is required, or mark the entry "
            "standard_practice: true if the source does not discuss it",
        ),
        (
            {"standard_practice": True},
            "workup_steps[0].references: a standard-practice entry cites nothing",
        ),
        ({"references": None, "standard_practice": True}, "workup_steps[0].references: required"),
    ],
)
def test_the_loader_refuses_a_bad_entry_with_its_path(overrides, expected):
    errors = validate_taxonomy(catalogue_file(step_item(**overrides)))
    assert any(error.startswith(expected) for error in errors), errors


def test_a_standard_practice_entry_without_references_loads_as_marked():
    load_taxonomy(catalogue_file(step_item(standard_practice=True, references=[])))

    step = WorkupStep.objects.get(slug="step-a")
    assert step.standard_practice and not step.references.exists()


def test_the_loader_stores_kind_category_and_default_result():
    load_taxonomy(
        catalogue_file(
            step_item(),
            step_item(
                slug="act-b",
                name="Act B",
                kind="action",
                category="disposition",
                default_result="The referral is sent and an appointment is booked.",
            ),
        )
    )

    assert set(WorkupStep.objects.values_list("slug", "kind", "category", "default_result", "standard_practice")) == {
        ("step-a", "investigation", "blood_count", "Within the reference range.", False),
        ("act-b", "action", "disposition", "The referral is sent and an appointment is booked.", False),
    }
    assert list(WorkupStep.objects.get(slug="act-b").references.values_list("key", flat=True)) == ["ref-a"]


def test_one_bad_entry_writes_nothing():
    """All or nothing: a good reference and a good entry are not written beside a bad one."""
    with pytest.raises(TaxonomyError):
        load_taxonomy(catalogue_file(step_item(), step_item(slug="act-b", name="Act B", kind="action")))

    assert not WorkupStep.objects.exists() and not Reference.objects.exists()


def test_load_summary_counts_entries_by_kind():
    summary = load_taxonomy(
        catalogue_file(step_item(), step_item(slug="act-b", name="Act B", kind="action", category="treatment"))
    )
    assert "workup_steps by kind: 1 investigation, 1 action" in summary.lines()


# --- the database and the admin ------------------------------------------------------


def test_the_database_refuses_a_category_of_another_kind():
    """The check constraint holds even for a row written without clean() (a shell, a raw import)."""
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkupStep.objects.create(
            name="Bad", slug="bad", kind=Kind.ACTION, category=Category.MARROW, what_it_shows="x", when_indicated="y"
        )


@pytest.fixture
def admin_client(client):
    client.force_login(make_user(superuser=True))
    return client


def step_form(**overrides):
    data = {
        "name": "Start G-CSF",
        "slug": "start-g-csf",
        "kind": "action",
        "category": "treatment",
        "position": 0,
        "what_it_shows": "Giving a growth factor.",
        "when_indicated": "When the team decides to.",
        "references": [],
        "standard_practice": "on",
        "default_result": "G-CSF is prescribed and the first dose is given.",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_admin_saves_a_standard_practice_action(admin_client):
    response = admin_client.post(reverse("admin:taxonomy_workupstep_add"), step_form())

    assert response.status_code == 302
    step = WorkupStep.objects.get()
    assert (step.kind, step.category, step.standard_practice) == ("action", "treatment", True)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"references": "REFERENCE"}, "A standard-practice entry cites nothing"),
        ({"standard_practice": None}, "Cite at least one reference, or tick standard practice"),
        ({"category": "marrow"}, "Marrow and special tests is a category of investigation entries"),
        ({"default_result": "Not relevant here."}, "must not say how a case judges the entry"),
        ({"default_result": ""}, "This field is required."),
    ],
)
def test_admin_refuses_an_entry_that_breaks_the_rules(admin_client, overrides, message):
    if overrides.get("references") == "REFERENCE":
        overrides["references"] = [make_reference().pk]
    response = admin_client.post(reverse("admin:taxonomy_workupstep_add"), step_form(**overrides))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not WorkupStep.objects.exists()


# --- the reader's pages -----------------------------------------------------------------


def test_catalogue_page_groups_by_kind_then_category(client):
    """Investigations, then management actions, each by category in menu order."""
    make_step(name="Marrow biopsy", category=Category.MARROW)
    make_step(name="Blood film", category=Category.BLOOD_COUNT)
    make_step(name="Refer onwards", kind=Kind.ACTION, category=Category.DISPOSITION)
    make_step(name="Stop the drug", kind=Kind.ACTION, category=Category.MEDICATION)

    page = html(client.get(reverse("taxonomy:workup_steps")))

    assert "<h1>Workup and management catalogue</h1>" in page
    order = [
        'id="kind-investigation-heading">Investigations</h2>',
        'id="category-blood_count-heading">Blood count, film and coagulation</h3>',
        "Blood film",
        'id="category-marrow-heading">Marrow and special tests</h3>',
        "Marrow biopsy",
        'id="kind-action-heading">Management actions</h2>',
        'id="category-medication-heading">Medication and exposure changes</h3>',
        "Stop the drug",
        'id="category-disposition-heading">Disposition, referral and follow-up</h3>',
        "Refer onwards",
    ]
    positions = [page.index(text) for text in order]
    assert positions == sorted(positions)
    assert "Refer onwards" in section(page, "category-disposition")
    assert 'href="#kind-action"' in page and 'href="#category-disposition"' in page


def test_empty_categories_and_kinds_are_left_out(client):
    make_step(name="Blood film", category=Category.BLOOD_COUNT)

    page = html(client.get(reverse("taxonomy:workup_steps")))

    assert "Management actions" not in page and 'id="category-marrow"' not in page


def test_standard_practice_is_marked_on_the_list_and_the_entry_page(client):
    reference = make_reference(title="The DMW guideline")
    plain = make_step(name="Ferritin", standard_practice=True)
    cited = make_step(name="Peripheral smear", references=[reference])

    listing = html(client.get(reverse("taxonomy:workup_steps")))
    item = listing[listing.index(">Ferritin</a>") :]
    assert item.index("Standard practice") < item.index("</li>")
    item = listing[listing.index(">Peripheral smear</a>") :]
    assert "Standard practice" not in item[: item.index("</li>")]

    page = html(client.get(plain.get_absolute_url()))
    assert "Standard practice; not discussed in this site's source" in page
    assert 'id="references"' not in page
    page = html(client.get(cited.get_absolute_url()))
    assert "not discussed in this site" not in page
    assert "The DMW guideline" in section(page, "references")


def test_an_action_page_says_what_it_involves(client):
    step = make_step(
        name="Withhold the drug",
        kind=Kind.ACTION,
        category=Category.MEDICATION,
        what_it_shows="Stopping it.",
        references=[make_reference()],
    )

    page = html(client.get(step.get_absolute_url()))

    assert "<h1>Withhold the drug</h1>" in page
    assert "Management action · Medication and exposure changes" in page
    assert '<h2 id="shows-heading">What it involves</h2>' in page and "Stopping it." in page
    assert 'href="/workup/#category-medication"' in page


def test_reader_pages_never_show_a_default_result(client):
    """A reader who knew it could tell, in a case, an unkeyed entry from a keyed one."""
    investigation = make_step(default_result="Xdefaultresultmarker investigation.")
    action = make_step(kind=Kind.ACTION, default_result="Xdefaultresultmarker action.", standard_practice=True)

    for url in (reverse("taxonomy:workup_steps"), investigation.get_absolute_url(), action.get_absolute_url()):
        assert "xdefaultresultmarker" not in html(client.get(url)).lower(), url


def test_shipped_entry_pages_show_no_default_result(client, shipped_content):
    """The shipped texts: each entry's page and the catalogue leave its default result out."""
    listing = main(html(client.get(reverse("taxonomy:workup_steps"))))
    for step in WorkupStep.objects.all():
        page = main(html(client.get(step.get_absolute_url())))
        # Short generic results ("Negative.") could occur in any prose; longer ones are distinctive.
        if len(step.default_result) > 30:
            assert step.default_result not in page, step.slug
            assert step.default_result not in listing, step.slug


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def make_entries(scale: int) -> WorkupStep:
    """``scale`` × an investigation and an action in every category of their kind, half standard practice."""
    last = None
    for position in range(scale):
        for category, kind in WorkupStep.CATEGORY_KINDS.items():
            standard = position % 2 == 1
            references = [] if standard else [make_reference() for _ in range(2)]
            last = make_step(
                kind=kind, category=category, standard_practice=standard, references=references, position=position
            )
    return last


def test_catalogue_page_runs_the_same_few_queries_with_twenty_times_the_entries(client, django_assert_max_num_queries):
    url = reverse("taxonomy:workup_steps")
    make_entries(1)
    small = count_queries(client, url)
    make_entries(19)
    with django_assert_max_num_queries(8):
        large = count_queries(client, url)

    assert small == large


def test_entry_page_runs_the_same_few_queries_with_twenty_times_the_references(client, django_assert_max_num_queries):
    one = make_step(references=[make_reference()])
    many = make_step(kind=Kind.ACTION, references=[make_reference() for _ in range(20)])
    small = count_queries(client, one.get_absolute_url())
    with django_assert_max_num_queries(8):
        large = count_queries(client, many.get_absolute_url())

    assert small == large
