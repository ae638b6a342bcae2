"""Regrading a case after its key is edited: preview, apply, history kept."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from leucocases.cases.keys import grade_path
from leucocases.cases.models import Finding, GradedReport, Tier
from leucocases.instructor.services import case_regrade_apply, case_regrade_preview
from tests.accounts.factories import make_instructor, make_user
from tests.cases.factories import GOOD_PATH, current_report, make_case, make_graded_attempt
from tests.pages import page_html, visible_text

pytestmark = pytest.mark.django_db

B12_PATH = (["peripheral-smear", "bone-marrow-biopsy", "b12-folate"], None)
NO_B12_PATH = (["prior-counts", "medication-review"], "drugs-and-environmental-toxins")


def visible(response) -> str:
    """The visible text, without the space a tag leaves before a full stop or a semicolon."""
    return visible_text(response).replace(" .", ".").replace(" ;", ";")


@pytest.fixture
def world():
    """Four submitted attempts; then the key is edited so B12 becomes harmful (only the B12 attempt changes).

    (Making B12 useful would change every report: useful steps join the expert path each report shows.)
    """
    case = make_case(slug="regrade-me").case
    good = make_graded_attempt(case=case, user=make_user(username="ada"), steps=GOOD_PATH[0], diagnosis=GOOD_PATH[1])
    b12 = make_graded_attempt(case=case, user=make_user(username="bo"), steps=B12_PATH[0], diagnosis=B12_PATH[1])
    other = make_graded_attempt(
        case=case, user=make_user(username="cy"), steps=NO_B12_PATH[0], diagnosis=NO_B12_PATH[1]
    )
    make_graded_attempt(case=case, user=make_user(), steps=["peripheral-smear"])  # also submitted
    before = {a.pk: current_report(a) for a in (good, b12, other)}
    Finding.objects.filter(case=case, step__slug="b12-folate").update(tier=Tier.HARMFUL)
    return case, good, b12, other, before


def test_preview_lists_old_and_new_totals_and_writes_nothing(world):
    """Only the attempt that ordered B12 changes; its new total is what the current key gives."""
    case, good, b12, other, before = world
    reports_before = GradedReport.objects.count()
    preview = case_regrade_preview(case=case)
    lines = {line.attempt.pk: line for line in preview.lines}
    assert len(lines) == 4
    assert (preview.changed_count, preview.unchanged_count) == (1, 3)
    assert lines[b12.pk].changed
    assert lines[b12.pk].old_total == before[b12.pk].total
    assert lines[b12.pk].new_total == grade_path(case=case, step_slugs=B12_PATH[0], diagnosis_slug=None).total
    assert lines[b12.pk].new_total < lines[b12.pk].old_total
    assert not lines[good.pk].changed and not lines[other.pk].changed
    assert GradedReport.objects.count() == reports_before


def test_apply_supersedes_only_changed_reports_and_keeps_the_old_ones(world):
    """The changed attempt gets a new current report (reason names the regrader and date); the old one is kept."""
    case, good, b12, other, before = world
    instructor = make_instructor(username="prof")
    result = case_regrade_apply(case=case, user=instructor)
    assert (result.changed, result.unchanged) == (1, 3)

    reports = list(GradedReport.objects.filter(attempt=b12).order_by("created_at", "pk"))
    assert len(reports) == 2
    old, new = reports
    assert old.pk == before[b12.pk].pk and old.superseded_at is not None
    assert old.data == before[b12.pk].data and old.total == before[b12.pk].total
    assert new.superseded_at is None
    assert new.reason == f"regrade by prof on {timezone.now():%Y-%m-%d}"
    assert new.data["lines"][2]["verdict"] == "harmful"
    for attempt in (good, other):
        assert list(GradedReport.objects.filter(attempt=attempt)) == [before[attempt.pk]]
        assert current_report(attempt).superseded_at is None


def test_applying_twice_changes_nothing_the_second_time(world):
    """Exactly once: a second apply finds every report up to date."""
    case, *_ = world
    instructor = make_instructor()
    case_regrade_apply(case=case, user=instructor)
    count = GradedReport.objects.count()
    again = case_regrade_apply(case=case, user=instructor)
    assert (again.changed, again.unchanged) == (0, 4)
    assert GradedReport.objects.count() == count
    assert case_regrade_preview(case=case).changed_count == 0


def test_a_key_edited_after_the_preview_is_refused(world):
    """Applying a preview made with another key changes nothing and says so (code key_changed)."""
    case, _good, b12, *_ = world
    stale = case_regrade_preview(case=case).fingerprint
    Finding.objects.filter(case=case, step__slug="cmv-pcr").delete()
    Finding.objects.filter(case=case, step__slug="tpmt-nudt15").update(rationale="Edited again.")
    with pytest.raises(ValidationError) as error:
        case_regrade_apply(case=case, user=make_instructor(), fingerprint=stale)
    assert error.value.code == "key_changed"
    assert GradedReport.objects.filter(attempt=b12).count() == 1


def test_an_ungradeable_key_gives_problems_not_a_crash(world):
    """With no diagnosis option the preview lists the key's problems and offers nothing to apply."""
    case, *_ = world
    case.diagnosis_options.all().delete()
    preview = case_regrade_preview(case=case)
    assert preview.problems and not preview.lines


class TestPages:
    def test_preview_page_highlights_changes_and_apply_posts_and_redirects(self, client, world):
        """The preview marks the changed row; "Apply" regrades it and the report view shows both versions."""
        case, _good, b12, *_ = world
        client.force_login(make_instructor(username="prof"))
        url = reverse("instructor:case_regrade", args=[case.slug])
        response = client.get(url)
        assert "1 of 4 reports would change; 3 would stay as they are." in visible(response)
        page = page_html(response)
        assert page.count('class="table-warning"') == 1
        assert "Changed" in page and "Apply regrade to 1 report" in page
        assert GradedReport.objects.filter(attempt=b12).count() == 1

        fingerprint = case_regrade_preview(case=case).fingerprint
        response = client.post(url, {"fingerprint": fingerprint}, follow=True)
        assert response.redirect_chain == [(url, 302)]
        page = visible(response)
        assert "Regraded: 1 report replaced (the earlier ones are kept); 3 unchanged." in page
        assert "0 of 4 reports would change" in page

        report_url = reverse("instructor:attempt_report", args=[b12.pk])
        page = page_html(client.get(report_url))
        assert "the current one, which the learner sees" in page
        assert "regrade by prof on" in page and "submission" in page and "Superseded" in page
        old = GradedReport.objects.filter(attempt=b12, superseded_at__isnull=False).get()
        page = page_html(client.get(report_url, {"report": old.pk}))
        assert "an earlier version" in page
        assert f"{old.total:.1f}" in page

    def test_a_post_without_the_preview_key_changes_nothing(self, client, world):
        case, _good, b12, *_ = world
        client.force_login(make_instructor())
        client.post(reverse("instructor:case_regrade", args=[case.slug]), {})
        assert GradedReport.objects.filter(attempt=b12).count() == 1

    def test_learner_report_shows_the_regraded_report(self, client, world):
        """After the regrade the learner's own report page shows the new report."""
        case, _good, b12, *_ = world
        case_regrade_apply(case=case, user=make_instructor(username="prof"))
        client.force_login(b12.user)
        page = page_html(client.get(reverse("cases:report", args=[b12.pk])))
        assert "regrade by prof" in page
