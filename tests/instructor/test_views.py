"""Instructor pages: who may open them, and the numbers they show."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from leucocases.cases.models import Attempt, Case, GradedReport
from leucocases.editorial.access import is_instructor
from leucocases.instructor.selectors import case_analysis, quiz_analysis
from leucocases.instructor.statistics import pearson
from tests.accounts.factories import make_instructor, make_user
from tests.cases.factories import GOOD_PATH, make_case, make_graded_attempt
from tests.pages import visible_text
from tests.quizzes.factories import make_quiz, make_quiz_attempt

pytestmark = pytest.mark.django_db

WEAK = (["bone-marrow-biopsy", "cmv-pcr"], "aplastic-anaemia")
MIDDLE = (["peripheral-smear", "b12-folate"], "drugs-and-environmental-toxins")


@pytest.fixture
def world():
    first = make_case(slug="first", title="First case").case
    second = make_case(slug="second", title="Second case").case
    quiz = make_quiz(cases=[first, second], slug="the-quiz", title="The quiz", mode="practice")
    learners = [make_user(username=f"l{i}") for i in range(3)]
    make_quiz_attempt(quiz=quiz, user=learners[0], paths=[GOOD_PATH, GOOD_PATH])
    make_quiz_attempt(quiz=quiz, user=learners[1], paths=[MIDDLE, WEAK])
    make_quiz_attempt(quiz=quiz, user=learners[2], paths=[WEAK, MIDDLE])
    attempt = Attempt.objects.filter(case=first, user=learners[0]).get()
    return quiz, first, second, attempt


def urls(quiz, case, attempt) -> dict[str, str]:
    return {
        "index": reverse("instructor:index"),
        "results": reverse("instructor:quiz_results", args=[quiz.slug]),
        "results csv": reverse("instructor:quiz_results_csv", args=[quiz.slug]),
        "quiz analysis": reverse("instructor:quiz_analysis", args=[quiz.slug]),
        "case analysis": reverse("instructor:case_analysis", args=[case.slug]),
        "regrade": reverse("instructor:case_regrade", args=[case.slug]),
        "report": reverse("instructor:attempt_report", args=[attempt.pk]),
    }


class TestAccess:
    def test_anonymous_visitors_are_sent_to_log_in(self, client, world):
        """Every page, GET or POST, redirects a visitor to the login page and back."""
        for name, url in urls(*world[:2], world[3]).items():
            for method in (client.get, client.post):
                response = method(url)
                assert response.status_code == 302, name
                assert response["Location"] == f"{reverse('accounts:login')}?next={url}", name

    def test_learners_are_refused(self, client, world):
        """A learner, even the one whose attempt it is, gets 403 on every page; a POST regrades nothing."""
        quiz, case, _second, attempt = world
        client.force_login(attempt.user)
        for name, url in urls(quiz, case, attempt).items():
            assert client.get(url).status_code == 403, name
            assert client.post(url).status_code == 403, name
        assert GradedReport.objects.filter(superseded_at__isnull=False).count() == 0

    def test_staff_without_case_rights_are_refused(self, client, world):
        """Being staff is not enough: the rule is the permission to change cases."""
        quiz, case, _second, attempt = world
        client.force_login(make_user(is_staff=True))
        for name, url in urls(quiz, case, attempt).items():
            assert client.get(url).status_code == 403, name

    @pytest.mark.parametrize("who", ["instructor", "superuser"])
    def test_instructors_and_superusers_open_every_page(self, client, world, who):
        quiz, case, _second, attempt = world
        if who == "instructor":
            user = make_instructor()
        else:
            user = get_user_model().objects.create_superuser("root", "root@example.org", None)
        assert is_instructor(user)
        client.force_login(user)
        for name, url in urls(quiz, case, attempt).items():
            assert client.get(url).status_code == 200, name

    def test_unknown_objects_are_not_found(self, client, world):
        client.force_login(make_instructor())
        for url in (
            reverse("instructor:quiz_results", args=["nope"]),
            reverse("instructor:quiz_analysis", args=["nope"]),
            reverse("instructor:case_analysis", args=["nope"]),
            reverse("instructor:case_regrade", args=["nope"]),
            reverse("instructor:attempt_report", args=[99999]),
        ):
            assert client.get(url).status_code == 404, url

    def test_an_unsubmitted_attempt_has_no_report_page(self, client, world):
        _quiz, case, *_ = world
        open_attempt = Attempt.objects.create(case=case, user=make_user())
        client.force_login(make_instructor())
        assert client.get(reverse("instructor:attempt_report", args=[open_attempt.pk])).status_code == 404


class TestAnalysis:
    def test_quiz_analysis_numbers(self, world):
        """Facility is the mean total; discrimination correlates each case with the other case's score."""
        quiz, first, second, _attempt = world
        qa = quiz_analysis(quiz=quiz)
        assert qa.finished_attempts == 3
        first_totals = sorted(r.total for r in GradedReport.objects.filter(attempt__case=first))
        second_totals = sorted(r.total for r in GradedReport.objects.filter(attempt__case=second))
        a, b = qa.cases
        assert a.summary.n == 3 and a.summary.mean == pytest.approx(sum(first_totals) / 3)
        assert a.summary.facility == pytest.approx(a.summary.mean)
        by_learner = {
            (r.attempt.user.username, r.attempt.case_id): r.total
            for r in GradedReport.objects.select_related("attempt__user")
        }
        xs = [by_learner[(f"l{i}", first.pk)] for i in range(3)]
        ys = [by_learner[(f"l{i}", second.pk)] for i in range(3)]
        assert a.discrimination.index == pytest.approx(pearson(xs, ys))
        assert b.discrimination.index == pytest.approx(pearson(ys, xs))
        assert second_totals  # both cases graded

    def test_case_analysis_counts_steps_and_diagnoses(self, world):
        """Of three attempts on the first case, two ordered the smear, one first ordered the marrow biopsy."""
        _quiz, first, *_ = world
        ca = case_analysis(case=first)
        options = {line.stat.step: line for line in ca.options}
        assert ca.summary.n == 3
        assert options["peripheral-smear"].stat.chosen == 2
        assert options["bone-marrow-biopsy"].stat.first == 1
        assert options["bone-marrow-biopsy"].stat.harmful == 1  # premature (before the smear)
        assert options["cmv-pcr"].tier_label == "Not keyed"
        assert options["prior-counts"].stat.missed == 2
        assert {(d.name, d.share.count) for d in ca.diagnoses} == {
            ("Thiopurines (azathioprine and 6-mercaptopurine)", 1),
            ("Drugs and environmental toxins", 1),
            ("Aplastic anaemia", 1),
        }
        assert [q.quiz.slug for q in ca.quizzes] == ["the-quiz"]

    def test_scope_filters_attempts(self, world):
        """ "Practice only" leaves the quiz's attempts out; the quiz scope keeps only them."""
        quiz, first, *_ = world
        make_graded_attempt(case=first, user=make_user(), steps=GOOD_PATH[0], diagnosis=GOOD_PATH[1])
        assert case_analysis(case=first).summary.n == 4
        assert case_analysis(case=first, scope="practice").summary.n == 1
        assert case_analysis(case=first, scope=f"quiz:{quiz.slug}").summary.n == 3

    def test_superseded_reports_are_not_counted(self, world):
        """Only current reports count: a superseded one is history, not data."""
        _quiz, first, *_ = world
        report = GradedReport.objects.filter(attempt__case=first).first()
        GradedReport.objects.filter(pk=report.pk).update(superseded_at=report.created_at)
        assert case_analysis(case=first).summary.n == 2

    def test_pages_show_the_numbers(self, client, world):
        quiz, first, *_ = world
        client.force_login(make_instructor())
        qa = quiz_analysis(quiz=quiz)
        page = visible_text(client.get(reverse("instructor:quiz_analysis", args=[quiz.slug])))
        assert "Over the quiz's 3 finished attempts" in page
        row = f"1. First case 3 {qa.cases[0].summary.mean:.1f} {qa.cases[0].summary.facility:.1f}% "
        assert row + f"{qa.cases[0].discrimination.index:.2f}" in page
        response = client.get(reverse("instructor:case_analysis", args=[first.slug]))
        page = visible_text(response)
        assert "Attempts 3" in page and "Peripheral blood smear Investigation Essential 2 (67%)" in page
        svg = response.content.decode()
        assert 'role="img" aria-label="Share of attempts that ordered each entry, First case.' in svg

    def test_analysis_runs_a_fixed_number_of_queries(self, world, django_assert_max_num_queries):
        """Adding attempts does not add queries: the reports are read in one query (two more read the
        stored differentials and the certainty stated, issue 18)."""
        quiz, first, second, _ = world
        with django_assert_max_num_queries(14):
            quiz_analysis(quiz=quiz)
        for _ in range(5):
            make_quiz_attempt(quiz=quiz, user=make_user(), paths=[WEAK, GOOD_PATH])
        with django_assert_max_num_queries(14):
            quiz_analysis(quiz=quiz)
        with django_assert_max_num_queries(14):
            case_analysis(case=first)

    def test_reports_are_digested_once(self, world):
        """The first analysis stores a small digest of each report it reads; later ones read only digests,
        and a regrade's new report is digested when first met (the superseded one is left out)."""
        from leucocases.instructor.models import ReportDigest
        from leucocases.instructor.services import case_regrade_apply

        quiz, first, *_ = world
        assert not ReportDigest.objects.exists()
        before = quiz_analysis(quiz=quiz)
        assert ReportDigest.objects.count() == GradedReport.objects.count() == 6
        digest = ReportDigest.objects.get(report__attempt__user__username="l0", report__attempt__case=first)
        assert digest.lines == [
            ["peripheral-smear", "essential"],
            ["prior-counts", "essential"],
            ["medication-review", "essential"],
            ["tpmt-nudt15", "useful"],
        ]
        assert (digest.missed, digest.diagnosis, digest.diagnosis_verdict) == ([], "thiopurines", "correct")
        again = quiz_analysis(quiz=quiz)
        assert [c.summary for c in again.cases] == [c.summary for c in before.cases]

        first.findings.filter(step__slug="b12-folate").update(tier="harmful")
        case_regrade_apply(case=first, user=make_instructor())
        after = case_analysis(case=first)
        assert ReportDigest.objects.count() == GradedReport.objects.count() == 7
        assert after.summary.n == 3
        assert {o.stat.step: o.stat.harmful for o in after.options}["b12-folate"] == 1

    def test_digests_read_in_the_database_match_the_stored_reports(self, world):
        """The database's JSON extraction gives what the pure reader gives, for full and partial reports."""
        from leucocases.cases.report_outline import occurrence_pairs
        from leucocases.instructor.models import ReportDigest
        from leucocases.instructor.statistics import record_from_data

        quiz, first, *_ = world
        partial = Attempt.objects.create(case=first, user=make_user(), submitted_at=quiz.created_at)
        GradedReport.objects.create(
            attempt=partial,
            data={"lines": [{"position": 1, "step": "cmv-pcr", "verdict": "not_contributory"}]},
            engine_version="test",
            total=0,
            workup_score=0,
            diagnosis_score=0,
        )
        case_analysis(case=first)
        for report in GradedReport.objects.filter(attempt__case=first):
            digest = ReportDigest.objects.get(report=report)
            record = record_from_data(attempt_id=0, total=report.total, data=report.data)
            assert [tuple(pair) for pair in digest.lines] == list(zip(record.steps, record.verdicts, strict=True))
            assert [tuple(pair) for pair in digest.missed] == occurrence_pairs(record.missed, record.missed_occurrences)
            assert (digest.diagnosis or None, digest.diagnosis_verdict, digest.grade) == (
                record.diagnosis,
                record.diagnosis_verdict,
                record.grade,
            )

    def test_index_lists_quizzes_and_cases(self, client, world):
        quiz, first, *_ = world
        Case.objects.filter(pk=first.pk).update(archived_at=quiz.created_at)
        client.force_login(make_instructor())
        response = client.get(reverse("instructor:index"))
        page = visible_text(response)
        assert "The quiz" in page and "First case" in page and "Archived" in page
        assert reverse("instructor:quiz_results", args=[quiz.slug]) in response.content.decode()


@pytest.mark.parametrize(
    ("who", "shown"),
    [("instructor", True), ("staff without case rights", False), ("learner", False), ("anonymous", False)],
)
def test_the_navbar_links_instructor_tools_for_instructors_only(client, who, shown):
    if who == "instructor":
        client.force_login(make_instructor())
    elif who == "staff without case rights":
        client.force_login(get_user_model().objects.create_user("plain-staff", is_staff=True))
    elif who == "learner":
        client.force_login(make_user())
    page = client.get(reverse("home")).content.decode()
    assert (f'href="{reverse("instructor:index")}"' in page) is shown
