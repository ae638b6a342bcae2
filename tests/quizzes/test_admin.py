"""Admin for cohorts and quizzes: pages load, the quiz goes through review, authoring rules hold."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from leucocases.editorial.models import ReviewStatus
from leucocases.quizzes.models import Cohort, Quiz
from tests.accounts.factories import make_user
from tests.cases.factories import make_case
from tests.quizzes.factories import make_cohort, make_quiz

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(get_user_model().objects.create_superuser("editor", "editor@example.com", "pw-for-tests-only"))
    return client


def test_cohort_admin_puts_learners_and_instructors_in_a_cohort(admin_client):
    """Cohorts are edited with two filter-horizontal pickers; saving stores the members."""
    learner, teacher = make_user(username="ada"), make_user(username="prof")
    html = admin_client.get(reverse("admin:quizzes_cohort_add")).content.decode()
    assert 'id="id_learners"' in html and "selectfilter" in html
    response = admin_client.post(
        reverse("admin:quizzes_cohort_add"),
        {"name": "Year 3", "slug": "year-3", "learners": [learner.pk], "instructors": [teacher.pk]},
    )
    assert response.status_code == 302
    cohort = Cohort.objects.get(slug="year-3")
    assert list(cohort.learners.all()) == [learner] and list(cohort.instructors.all()) == [teacher]
    html = admin_client.get(reverse("admin:quizzes_cohort_changelist")).content.decode()
    assert "Year 3" in html


def test_quiz_admin_has_the_case_inline_ordered_by_position_and_review_fields(admin_client):
    quiz = make_quiz(title="Admin quiz", n_cases=2, status=ReviewStatus.DRAFT)
    html = admin_client.get(reverse("admin:quizzes_quiz_change", args=[quiz.pk])).content.decode()
    assert "items-0-position" in html and "items-1-case" in html
    assert 'id="id_cohorts"' in html
    assert "Status changes only through the actions" in html  # the editorial review fieldset
    changelist = admin_client.get(reverse("admin:quizzes_quiz_changelist")).content.decode()
    assert "Admin quiz" in changelist and "Submit for review" in changelist


def test_a_quiz_is_built_in_the_admin_and_starts_as_a_draft(admin_client):
    """Adding a quiz with its cases stores it as a draft authored by the editor."""
    one, two = make_case(is_practice=False).case, make_case(is_practice=False).case
    response = admin_client.post(
        reverse("admin:quizzes_quiz_add"),
        {
            "title": "Built here",
            "slug": "built-here",
            "description": "",
            "mode": "exam",
            "time_limit_minutes": "20",
            "max_attempts": "",
            "available_from_0": "",
            "available_from_1": "",
            "available_until_0": "",
            "available_until_1": "",
            "items-TOTAL_FORMS": "2",
            "items-INITIAL_FORMS": "0",
            "items-MIN_NUM_FORMS": "0",
            "items-MAX_NUM_FORMS": "1000",
            "items-0-position": "2",
            "items-0-case": str(one.pk),
            "items-1-position": "1",
            "items-1-case": str(two.pk),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    quiz = Quiz.objects.get(slug="built-here")
    assert quiz.review_status == ReviewStatus.DRAFT and quiz.author.username == "editor"
    assert list(quiz.items.values_list("case", flat=True)) == [two.pk, one.pk]


def test_quiz_attempts_are_read_only_in_the_admin(admin_client):
    assert admin_client.get(reverse("admin:quizzes_quizattempt_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:quizzes_quizattempt_add")).status_code == 403


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        (
            {"available_from": timezone.now(), "available_until": timezone.now() - timedelta(hours=1)},
            "available_until",
            "window_order",
        ),
        ({"time_limit_minutes": 0}, "time_limit_minutes", "zero_time_limit"),
        ({"max_attempts": 0}, "max_attempts", "zero_attempts"),
        ({"slug": "attempts"}, "slug", "reserved_slug"),
    ],
)
def test_quiz_clean_refuses_impossible_settings(fields, field, code):
    quiz = Quiz(title="Q", slug=fields.pop("slug", "q"), **fields)
    with pytest.raises(ValidationError) as error:
        quiz.clean()
    assert error.value.error_dict[field][0].code == code


def test_cohort_factory_sanity():
    assert make_cohort(learners=[make_user()]).learners.count() == 1
