"""What a self-study reader sees on the cause index, cause, topic, reference and workup pages."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from leucocases.editorial.models import ReviewStatus
from leucocases.taxonomy.models import Fact, WorkupStep
from tests.accounts.factories import make_user
from tests.cases.factories import make_case_for

from .factories import make_cause, make_fact, make_group, make_mechanism, make_reference, make_step, make_topic

pytestmark = pytest.mark.django_db


def html(response) -> str:
    return response.content.decode()


def section(page: str, element_id: str) -> str:
    """The HTML of the <section> with this id (sections in these pages do not nest)."""
    start = page.index(f'id="{element_id}"')
    return page[start : page.index("</section>", start)]


@pytest.fixture
def staff_client(client):
    client.force_login(make_user(staff=True))
    return client


# The cause index ------------------------------------------------------------------


def test_index_lists_each_cause_under_its_group_anchor(client):
    """Causes appear in a section per cause group, with the id the home page links to."""
    drugs = make_group(name="Medication", slug="medication", description="Drugs that *lower* counts.", position=1)
    infection = make_group(name="Infection", slug="infection", position=2)
    make_cause(name="Chemotherapy", group=drugs, summary="Marrow suppression by cytotoxics.")
    make_cause(name="Cytomegalovirus", group=infection)

    page = html(client.get(reverse("taxonomy:causes")))

    assert "Chemotherapy" in section(page, "group-medication")
    assert "Marrow suppression by cytotoxics." in section(page, "group-medication")
    assert "<em>lower</em>" in section(page, "group-medication")
    assert "Cytomegalovirus" in section(page, "group-infection")
    assert "Cytomegalovirus" not in section(page, "group-medication")
    assert page.count("<h1") == 1


def test_index_shows_mechanisms_as_badges_linking_to_the_filter(client):
    """Each cause lists its mechanisms; each badge filters the index by that mechanism."""
    production = make_mechanism(name="Decreased production", slug="decreased-production")
    make_cause(name="Aplastic anaemia", mechanisms=[production])

    page = html(client.get(reverse("taxonomy:causes")))

    assert 'href="/causes/?mechanism=decreased-production"' in page
    assert "Decreased production</a>" in page


def test_index_hides_unpublished_causes_from_readers(client):
    """Drafts and causes under review are not listed for the public."""
    make_cause(name="Published cause")
    make_cause(name="Draft cause", status=ReviewStatus.DRAFT)
    make_cause(name="Reviewing cause", status=ReviewStatus.UNDER_REVIEW)

    page = html(client.get(reverse("taxonomy:causes")))

    assert "Published cause" in page
    assert "Draft cause" not in page
    assert "Reviewing cause" not in page


def test_index_lists_drafts_for_staff_marked_not_published(staff_client):
    """Staff see drafts on the index, each marked as not published."""
    make_cause(name="Draft cause", status=ReviewStatus.DRAFT)

    page = html(staff_client.get(reverse("taxonomy:causes")))

    assert 'Draft cause</a> <span class="badge text-bg-warning">Not published</span>' in page


def test_mechanism_filter_keeps_matching_causes_and_says_how_to_clear_it(client):
    """?mechanism=<slug> shows only causes with that mechanism, names the filter and offers to clear it."""
    sequestration = make_mechanism(name="Sequestration", slug="sequestration", description="Pooling in the **spleen**.")
    production = make_mechanism(name="Decreased production", slug="decreased-production")
    make_cause(name="Hypersplenism", mechanisms=[sequestration])
    make_cause(name="Aplastic anaemia", mechanisms=[production])

    page = html(client.get(reverse("taxonomy:causes"), {"mechanism": "sequestration"}))

    assert "Hypersplenism" in page
    assert "Aplastic anaemia" not in page
    assert "Filtered by mechanism: <strong>Sequestration</strong>" in page
    assert '<a href="/causes/">Clear the filter and show all causes</a>' in page
    assert '<option value="sequestration" selected>' in page
    assert "<strong>spleen</strong>" in page  # the mechanism's description explains the filter


def test_mechanism_filter_keeps_every_group_anchor(client):
    """A filtered index still has every group's section, saying when none of its causes match."""
    sequestration = make_mechanism(slug="sequestration")
    make_cause(group=make_group(slug="marrow"), mechanisms=[sequestration])
    make_group(slug="infection")

    page = html(client.get(reverse("taxonomy:causes"), {"mechanism": "sequestration"}))

    assert "No cause in this group has this mechanism." in section(page, "group-infection")


def test_unknown_mechanism_shows_all_causes_with_a_notice(client):
    """A mechanism slug that does not exist is reported, and nothing is hidden."""
    make_cause(name="Aplastic anaemia")

    page = html(client.get(reverse("taxonomy:causes"), {"mechanism": "no-such-thing"}))

    assert "There is no mechanism called “no-such-thing”" in page
    assert "Aplastic anaemia" in page


def test_filter_over_htmx_returns_only_the_results(client):
    """With htmx the filter swaps in the results partial, not a whole page."""
    sequestration = make_mechanism(name="Sequestration", slug="sequestration")
    make_cause(name="Hypersplenism", mechanisms=[sequestration])

    page = html(client.get(reverse("taxonomy:causes"), {"mechanism": "sequestration"}, headers={"HX-Request": "true"}))

    assert "Hypersplenism" in page
    assert "<html" not in page
    assert "<h1" not in page


# A cause page ---------------------------------------------------------------------


def test_cause_page_shows_name_group_mechanisms_summary_and_body(client):
    """The page names the cause, its group and mechanisms and renders summary and body."""
    group = make_group(name="Bone-marrow disorders", slug="marrow")
    cause = make_cause(
        name="Aplastic anaemia",
        group=group,
        summary="Marrow failure.",
        body="All **three** lines fall.",
        mechanisms=[make_mechanism(name="Decreased production")],
    )

    page = html(client.get(cause.get_absolute_url()))

    assert "<h1>Aplastic anaemia</h1>" in page
    assert 'href="/causes/#group-marrow">Bone-marrow disorders</a>' in page
    assert "Decreased production</a>" in page
    assert "Marrow failure." in page
    assert "All <strong>three</strong> lines fall." in page


def test_cause_without_mechanism_says_the_source_does_not_state_it(client):
    """No mechanism is shown as the source's silence, not as a blank."""
    cause = make_cause()

    assert "The source does not state the mechanism" in html(client.get(cause.get_absolute_url()))


def test_citations_link_to_the_reference_list_at_the_bottom_of_the_same_page(client):
    """Each fact's [n] links to #ref-n; refs are numbered by first citation and link to /references/."""
    early = make_reference(number=1, key="early", title="Early reference", source="Journal A", year=1979)
    late = make_reference(number=6, key="late", title="Late reference", source="Journal B", year=2017)
    cause = make_cause()
    make_fact(cause=cause, key="first", text="First claim.", references=[late], position=1)
    make_fact(cause=cause, key="second", text="Second claim.", references=[early, late], position=2)

    page = html(client.get(cause.get_absolute_url()))

    first = page[page.index('id="fact-first"') : page.index('id="fact-second"')]
    assert re.search(r'<a href="#ref-1"[^>]*>.*\[1\]</a>', first)
    assert "#ref-2" not in first
    second = page[page.index('id="fact-second"') :]
    assert '<a href="#ref-1"' in second and '<a href="#ref-2"' in second
    references = section(page, "references")
    assert page.index('id="references"') > page.index('id="fact-second"')
    # "Late" is cited first on the page, so it is [1] here whatever its number in the source.
    assert references.index('id="ref-1"') < references.index("Late reference") < references.index('id="ref-2"')
    assert references.index('id="ref-2"') < references.index("Early reference")
    assert "Journal A, 1979." in references
    assert "Research" in references
    assert 'href="/references/#ref-late"' in references


def test_fact_shows_its_verification_status(client):
    """Each fact carries a badge: as stated in the source, or checked."""
    cause = make_cause()
    make_fact(cause=cause, key="plain")
    make_fact(cause=cause, key="checked", verification=Fact.Verification.CHECKED)

    page = html(client.get(cause.get_absolute_url()))

    assert 'class="badge badge-as-stated">As stated in the source</span>' in page
    assert 'class="badge badge-checked">Checked against a primary source</span>' in page


def test_disputed_fact_is_flagged_with_badge_and_editorial_note(client):
    """A disputed figure is shown with a Disputed badge before it and the note explaining why."""
    cause = make_cause()
    make_fact(
        cause=cause,
        key="thiopurine-rate",
        text="Leucopenia in 3.2% overall.",
        verification=Fact.Verification.DISPUTED,
        editorial_note="Not in the azathioprine label.",
    )

    page = html(client.get(cause.get_absolute_url()))
    fact = page[page.index('id="fact-thiopurine-rate"') :]

    assert 'class="fact fact-disputed"' in page
    assert fact.index('class="badge badge-disputed">Disputed</span>') < fact.index("Leucopenia in 3.2% overall.")
    assert 'class="editorial-note"' in fact
    assert "Not in the azathioprine label." in fact


def test_disputed_facts_are_announced_at_the_top_of_the_page(client):
    """Even a disputed fact that is not a key fact is named, with a link, before the page's content."""
    cause = make_cause(summary="SUMMARY-TEXT.")
    make_fact(
        cause=cause,
        key="rate",
        text="A doubtful rate.",
        is_key=False,
        verification=Fact.Verification.DISPUTED,
        editorial_note="Why.",
    )

    page = html(client.get(cause.get_absolute_url()))
    notice = page[page.index('class="alert alert-warning disputed-notice"') :]

    assert "1 figure on this page is disputed." in notice
    assert notice.index('href="#fact-rate"') < notice.index("SUMMARY-TEXT")


def test_key_facts_come_before_further_facts(client):
    """Key facts are listed under "Key facts"; the rest under "More facts"."""
    cause = make_cause()
    make_fact(cause=cause, key="minor", text="A minor point.", is_key=False)
    make_fact(cause=cause, key="major", text="The main point.", is_key=True)

    page = html(client.get(cause.get_absolute_url()))

    assert "The main point." in section(page, "key-facts")
    assert "A minor point." in section(page, "more-facts")


def test_review_status_and_dates_are_shown(client):
    """The page shows its review status, reviewed date and last update."""
    from datetime import UTC, datetime

    cause = make_cause(reviewed_at=datetime(2026, 1, 5, tzinfo=UTC))

    page = html(client.get(cause.get_absolute_url()))
    meta = page[page.index('class="review-meta"') :]

    assert "Approved" in meta
    assert "reviewed <time" in meta and "5 January 2026" in meta
    assert "last updated <time" in meta


def test_related_causes_show_only_published_ones(client):
    """Related causes link to their pages; unpublished related causes stay hidden."""
    cause = make_cause()
    visible = make_cause(name="Visible relative")
    hidden = make_cause(name="Hidden relative", status=ReviewStatus.DRAFT)
    cause.related.set([visible, hidden])

    page = html(client.get(cause.get_absolute_url()))

    assert f'href="{visible.get_absolute_url()}">Visible relative</a>' in page
    assert "Hidden relative" not in page


def submitted(case, *, user=None, session_key=""):
    """A submitted attempt on ``case`` with a current report."""
    from django.utils import timezone

    from leucocases.cases.models import Attempt, GradedReport

    attempt = Attempt.objects.create(case=case, user=user, session_key=session_key, submitted_at=timezone.now())
    GradedReport.objects.create(
        attempt=attempt, data={}, engine_version="test", total=70, workup_score=70, diagnosis_score=70
    )
    return attempt


def test_a_cause_page_never_lists_the_cases_it_is_the_answer_to(client):
    """Listing "cases with this cause" gives each case's answer away: readers who have not
    submitted a case never see it here, only a plain link to the case list."""
    cause = make_cause()
    keyed = make_case_for(cause, title="Keyed case")
    for page in (html(client.get(cause.get_absolute_url())), None):
        if page is None:
            client.force_login(make_user())
            page = html(client.get(cause.get_absolute_url()))
        assert "Keyed case" not in page and keyed.get_absolute_url() not in page
        assert 'href="/cases/">Work up a practice case</a>' in section(page, "cases-heading")


def test_a_reader_sees_only_their_own_submitted_cases_with_this_answer(client):
    """Signed in or not, the reader's own submitted cases whose full-credit cause this is are
    linked to their reports; partial-credit cases and other people's attempts are not. The page
    is private to them."""
    cause = make_cause()
    keyed = make_case_for(cause, title="Keyed case")
    partial = make_case_for(cause, title="Partial case", credit="0.5")
    learner = make_user()
    mine = submitted(keyed, user=learner)
    submitted(partial, user=learner)
    submitted(make_case_for(cause, title="Someone else's case"), user=make_user())
    client.force_login(learner)
    response = client.get(cause.get_absolute_url())
    page = html(response)
    assert (
        f'<a href="{mine.get_absolute_url()}">Keyed case<span class="visually-hidden">: your report</span></a>' in page
    )
    assert "Partial case" not in page and "Someone else" not in page
    assert "private" in response["Cache-Control"] and "Cookie" in response["Vary"]

    client.logout()
    session = client.session
    session.save()
    client.cookies["sessionid"] = session.session_key
    anonymous = submitted(keyed, session_key=session.session_key)
    page = html(client.get(cause.get_absolute_url()))
    assert anonymous.get_absolute_url() in page and mine.get_absolute_url() not in page


def test_a_readers_cases_never_reach_the_page_cache(client, settings):
    """The anonymous page cache serves the same page to every visitor without a session:
    a reader's own cases are never in it, before or after that reader's visit."""
    from django.test import Client

    settings.PAGE_CACHE_SECONDS = 60
    cause = make_cause()
    keyed = make_case_for(cause, title="Keyed case")
    reader = Client()
    session = reader.session
    session.save()
    reader.cookies["sessionid"] = session.session_key
    submitted(keyed, session_key=session.session_key)
    assert "Keyed case" in html(reader.get(cause.get_absolute_url()))
    for _ in range(2):
        response = Client().get(cause.get_absolute_url())
        assert "Keyed case" not in html(response)
    assert response["X-Page-Cache"] == "hit"
    assert "Keyed case" in html(reader.get(cause.get_absolute_url()))


@pytest.mark.parametrize("status", [ReviewStatus.DRAFT, ReviewStatus.SUBMITTED, ReviewStatus.UNDER_REVIEW])
def test_unpublished_cause_is_not_found_for_readers(client, status):
    """Anyone but staff gets a 404 for a cause that is not approved, logged in or not."""
    cause = make_cause(status=status)

    assert client.get(cause.get_absolute_url()).status_code == 404
    client.force_login(make_user())
    assert client.get(cause.get_absolute_url()).status_code == 404


def test_staff_preview_unpublished_cause_with_a_banner(staff_client):
    """Staff can open a draft cause page, with a visible "Preview — not published" banner."""
    cause = make_cause(name="Work in progress", status=ReviewStatus.DRAFT)

    response = staff_client.get(cause.get_absolute_url())

    assert response.status_code == 200
    assert "Preview — not published." in html(response)


def test_published_cause_has_no_preview_banner_even_for_staff(staff_client):
    """The banner marks unpublished pages only."""
    cause = make_cause()

    assert "Preview — not published" not in html(staff_client.get(cause.get_absolute_url()))


def test_missing_cause_is_not_found(client):
    assert client.get(reverse("taxonomy:cause", kwargs={"slug": "nope"})).status_code == 404


# What each audience sees first ------------------------------------------------------------


@pytest.fixture
def audience_cause():
    cause = make_cause(summary="SUMMARY-TEXT.", body="BODY-TEXT.")
    make_fact(cause=cause, text="KEY-FACT-TEXT.")
    return cause


def opening(client, cause, audience):
    client.cookies["audience"] = audience
    page = html(client.get(cause.get_absolute_url()))
    article = page[page.index("<article") : page.index("</article>")]
    return article


def folded(article: str, text: str) -> bool:
    """Whether ``text`` is inside a collapsed <details> element."""
    position = article.index(text)
    before = article[:position]
    return before.rfind("<details") > before.rfind("</details>")


def test_student_opening_expands_summary_and_body_before_the_facts(client, audience_cause):
    """A medical student gets summary and full account open, then the key facts."""
    article = opening(client, audience_cause, "student")

    assert article.index("SUMMARY-TEXT") < article.index("BODY-TEXT") < article.index("KEY-FACT-TEXT")
    assert not folded(article, "SUMMARY-TEXT") and not folded(article, "BODY-TEXT")
    assert "Tailored for: <strong>Medical student</strong>" in article


def test_resident_opening_has_summary_and_key_facts_with_the_body_folded(client, audience_cause):
    """A resident gets the summary and key facts open; the full account is in a collapsed <details>."""
    article = opening(client, audience_cause, "resident")

    assert article.index("SUMMARY-TEXT") < article.index("KEY-FACT-TEXT") < article.index("BODY-TEXT")
    assert not folded(article, "SUMMARY-TEXT") and not folded(article, "KEY-FACT-TEXT")
    assert folded(article, "BODY-TEXT")
    assert "Tailored for: <strong>Resident</strong>" in article


def test_clinician_opening_starts_with_key_facts_and_folds_the_rest(client, audience_cause):
    """A clinician gets the key facts first; the summary and full account are collapsed."""
    article = opening(client, audience_cause, "clinician")

    assert article.index("KEY-FACT-TEXT") < article.index("SUMMARY-TEXT") < article.index("BODY-TEXT")
    assert not folded(article, "KEY-FACT-TEXT")
    assert folded(article, "SUMMARY-TEXT") and folded(article, "BODY-TEXT")
    assert "Tailored for: <strong>Clinician</strong>" in article


def test_each_audience_gets_a_different_opening_and_a_way_to_change_it(client, audience_cause):
    """The three openings differ, and each links to the audience form in the footer."""
    openings = {
        audience: opening(client, audience_cause, audience) for audience in ("student", "resident", "clinician")
    }

    assert len({article.split("</header>")[1] for article in openings.values()}) == 3
    for audience, article in openings.items():
        assert f'href="#audience-{audience}"' in article


def test_unknown_audience_cookie_falls_back_to_student(client, audience_cause):
    article = opening(client, audience_cause, "hacker")

    assert "Tailored for: <strong>Medical student</strong>" in article


# Topic pages ------------------------------------------------------------------------


def test_topic_page_shows_facts_with_same_page_citations(client):
    """A topic page lists its facts with [n] links to its own reference list."""
    topic = make_topic(title="Diagnostic approach", summary="Start with a repeat count.")
    reference = make_reference(title="A diagnostic guideline")
    make_fact(topic=topic, key="repeat", text="Repeat the CBC.", references=[reference])

    page = html(client.get(topic.get_absolute_url()))

    assert "<h1>Diagnostic approach</h1>" in page
    assert 'id="fact-repeat"' in page and '<a href="#ref-1"' in page
    assert "A diagnostic guideline" in section(page, "references")


def test_unpublished_topic_is_not_found_for_readers_and_previewed_for_staff(client):
    topic = make_topic(status=ReviewStatus.SUBMITTED)

    assert client.get(topic.get_absolute_url()).status_code == 404
    client.force_login(make_user(staff=True))
    assert "Preview — not published." in html(client.get(topic.get_absolute_url()))


# The reference list -----------------------------------------------------------------


def test_reference_list_gives_full_details_and_the_facts_citing_each(client):
    """Each reference has its anchor, details (identifiers only when present) and its citing facts."""
    with_ids = make_reference(key="with-ids", title="Has identifiers", pmid="12345", doi="10.1000/xyz")
    bare = make_reference(key="bare", title="Has none", note="Checked by the *editors*.")
    cause = make_cause(name="Thiopurines")
    fact = make_fact(cause=cause, key="rate", text="Severe leucopenia in 5.3%.", references=[with_ids])
    step = make_step(name="TPMT testing", references=[with_ids])

    page = html(client.get(reverse("taxonomy:references")))

    first = page[page.index('id="ref-with-ids"') : page.index('id="ref-bare"')]
    assert "PMID" in first and "12345" in first and "https://doi.org/10.1000/xyz" in first
    assert f'href="{fact.get_absolute_url()}">Severe leucopenia in 5.3%.</a>' in first
    assert "Thiopurines" in first
    assert f'href="{step.get_absolute_url()}">TPMT testing</a>' in first
    second = page[page.index('id="ref-bare"') :]
    assert "PMID" not in second and "DOI" not in second
    assert "<em>editors</em>" in second
    assert "No published fact cites it yet." in second
    assert bare.get_absolute_url() == "/references/#ref-bare"


def test_reference_list_hides_facts_on_unpublished_pages(client):
    """Readers do not see facts whose cause is not yet approved."""
    reference = make_reference()
    make_fact(cause=make_cause(status=ReviewStatus.DRAFT), text="Secret draft fact.", references=[reference])

    assert "Secret draft fact." not in html(client.get(reverse("taxonomy:references")))


# The workup catalogue -----------------------------------------------------------------


def test_workup_catalogue_groups_steps_by_category(client):
    """Steps are listed under their category, in the menu order of categories."""
    make_step(name="Bone-marrow biopsy", category=WorkupStep.Category.MARROW)
    make_step(name="Peripheral smear", category=WorkupStep.Category.BLOOD_COUNT)

    page = html(client.get(reverse("taxonomy:workup_steps")))

    assert "Peripheral smear" in section(page, "category-blood_count")
    assert "Bone-marrow biopsy" in section(page, "category-marrow")
    assert page.index('id="category-blood_count"') < page.index('id="category-marrow"')


def test_workup_step_page_says_what_it_shows_when_indicated_and_cites(client):
    reference = make_reference(title="The DMW guideline")
    step = make_step(
        name="Peripheral smear",
        what_it_shows="Cell *morphology*.",
        when_indicated="Always, first.",
        references=[reference],
    )

    page = html(client.get(step.get_absolute_url()))

    assert "<h1>Peripheral smear</h1>" in page
    assert "Cell <em>morphology</em>." in page and "Always, first." in page
    assert "The DMW guideline" in section(page, "references")


def test_missing_workup_step_is_not_found(client):
    assert client.get(reverse("taxonomy:workup_step", kwargs={"slug": "nope"})).status_code == 404


# Query counts -------------------------------------------------------------------------


def make_rich_cause(scale: int):
    """A cause with ``scale`` × (2 mechanisms, 2 facts with 2 references each, a relative, a case)."""
    group = make_group()
    cause = make_cause(group=group, mechanisms=[make_mechanism() for _ in range(2 * scale)])
    for position in range(2 * scale):
        references = [make_reference() for _ in range(2)]
        make_fact(cause=cause, references=references, position=position, is_key=position % 2 == 0)
    for _ in range(scale):
        cause.related.add(make_cause(group=group))
        make_case_for(cause)
        make_step(references=[make_reference()])
    make_topic()
    return cause


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


QUERY_BOUND = 8


@pytest.mark.parametrize("url_name", ["causes", "references", "workup_steps"])
def test_listing_pages_run_the_same_few_queries_with_twenty_times_the_content(
    client, django_assert_max_num_queries, url_name
):
    """The cause index, reference list and catalogue cost the same with 1× and 20× the content."""
    url = reverse(f"taxonomy:{url_name}")
    make_rich_cause(1)
    small = count_queries(client, url)
    for _ in range(19):
        make_rich_cause(1)
    with django_assert_max_num_queries(QUERY_BOUND):
        large = count_queries(client, url)

    assert small == large


def test_cause_page_runs_the_same_few_queries_with_twenty_times_the_content(client, django_assert_max_num_queries):
    """A cause page with 20× the facts, references, mechanisms, relatives and cases costs the same."""
    small = count_queries(client, make_rich_cause(1).get_absolute_url())
    url = make_rich_cause(20).get_absolute_url()
    with django_assert_max_num_queries(QUERY_BOUND):
        large = count_queries(client, url)

    assert small == large


# The shipped content ----------------------------------------------------------------------


def test_every_shipped_page_renders_for_every_audience(client, shipped_content):
    """With fixtures/taxonomy.yaml loaded, each group anchor, cause, topic and workup page renders,
    and every disputed fact is shown flagged with its note."""
    from leucocases.taxonomy.models import Cause, CauseGroup, Topic

    index = html(client.get(reverse("taxonomy:causes")))
    for group in CauseGroup.objects.all():
        assert f'id="group-{group.slug}"' in index
    urls = [obj.get_absolute_url() for model in (Cause, Topic, WorkupStep) for obj in model.objects.all()]
    urls += [reverse("taxonomy:references"), reverse("taxonomy:workup_steps")]
    for audience in ("student", "resident", "clinician"):
        client.cookies["audience"] = audience
        for url in urls:
            assert client.get(url).status_code == 200, (audience, url)
    client.cookies["audience"] = "student"
    for fact in Fact.objects.filter(verification=Fact.Verification.DISPUTED).select_related("cause", "topic"):
        page = html(client.get(fact.get_absolute_url()))
        item = page[page.index(f'id="fact-{fact.key}"') :]
        assert item.index("badge-disputed") < item.index("editorial-note") < item.index("</li>")
