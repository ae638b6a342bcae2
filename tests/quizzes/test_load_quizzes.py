"""manage.py load_quizzes: the shipped quizzes, and the loader's all-or-nothing, idempotent rules."""

import re
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command

from leucocases.accounts.services import CONTENT_LOADER
from leucocases.editorial.models import ReviewStatus
from leucocases.quizzes.content import DEFAULT_PATH, validate_quizzes
from leucocases.quizzes.models import Quiz, QuizItem
from leucocases.taxonomy.models import Cause, CauseGroup
from tests.quizzes.factories import make_cohort

pytestmark = pytest.mark.django_db
CASES_DIR = Path(settings.BASE_DIR) / "fixtures" / "cases"


@pytest.fixture
def shipped_cases(shipped_content):
    """The shipped cases, published as ``make content`` does."""
    call_command("create_content_loader", verbosity=0)
    call_command("import_cases", str(CASES_DIR), publish_as=CONTENT_LOADER, verbosity=0, stdout=StringIO())


def load(path=None, **options):
    """load_quizzes, published as ``make content`` does unless ``publish_as`` says otherwise."""
    out, err = StringIO(), StringIO()
    args = [str(path)] if path else []
    options.setdefault("publish_as", CONTENT_LOADER)
    if options["publish_as"] is None:
        del options["publish_as"]
    call_command("load_quizzes", *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def write(tmp_path, data, name="quizzes.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def snapshot():
    return [
        (
            q.slug,
            q.title,
            q.mode,
            q.time_limit_minutes,
            q.max_attempts,
            q.review_status,
            q.updated_at,
            list(q.items.order_by("position").values_list("position", "case__slug")),
        )
        for q in Quiz.objects.order_by("slug")
    ]


PRACTICE_QUIZZES = ("a-low-count-found-by-chance", "fever-or-a-sore-mouth", "tired-with-a-low-count")
PRACTICE_SIZES = {"a-low-count-found-by-chance": 6, "fever-or-a-sore-mouth": 8, "tired-with-a-low-count": 5}
EXAM = "leucopenia-workup-timed-exam"


def test_the_shipped_quizzes_load_approved_with_their_cases_in_order(shipped_cases):
    """Three practice quizzes themed by presentation, each mixing cause groups, and a timed exam of
    seven cases, one from each cause group, that are no practice case and in no other quiz."""
    out, _ = load()
    assert "Loaded 4 quizzes" in out and "4 created" in out
    quizzes = {q.slug: q for q in Quiz.objects.all()}
    assert set(quizzes) == {*PRACTICE_QUIZZES, EXAM}
    assert all(q.review_status == ReviewStatus.APPROVED and q.reviewed_at for q in quizzes.values())
    for slug in PRACTICE_QUIZZES:
        quiz = quizzes[slug]
        assert quiz.mode == Quiz.Mode.PRACTICE and quiz.items.count() == PRACTICE_SIZES[slug]
        assert len(set(quiz.cases.values_list("groups__slug", flat=True))) >= 3, slug
        assert all(case.is_practice for case in quiz.cases.all())
    exam = quizzes[EXAM]
    assert (exam.mode, exam.time_limit_minutes, exam.max_attempts) == (Quiz.Mode.EXAM, 35, 3)
    assert list(exam.items.values_list("position", flat=True)) == list(range(1, 8))
    assert not exam.cases.filter(is_practice=True).exists()
    assert not QuizItem.objects.filter(case__in=exam.cases.all()).exclude(quiz=exam).exists()
    groups = set(exam.cases.values_list("groups__slug", flat=True))
    assert groups == {"medication", "malignancy", "infection", "immune", "marrow", "toxic", "spurious"}
    assert exam.items.first().case.slug == "care-home-resident-confused-febrile"
    assert list(Quiz.objects.available()) == list(Quiz.objects.order_by("title"))


def test_no_shipped_quiz_names_a_cause_or_a_cause_group(shipped_cases):
    """A quiz's title and description are read before its cases are played: themed by cause
    group, they told learners every listed case's group. None names a cause or a group."""
    load()
    words = set()
    for name, slug in [
        *CauseGroup.objects.values_list("name", "slug"),
        *Cause.objects.values_list("name", "slug"),
    ]:
        words |= {name.lower(), slug.lower(), slug.replace("-", " ").lower()}
    for quiz in Quiz.objects.all():
        text = f"{quiz.title} {quiz.slug} {quiz.description}".lower()
        named = sorted(w for w in words if re.search(rf"\b{re.escape(w)}", text))
        assert not named, f"{quiz.slug} names {named}"


def test_loading_twice_changes_nothing(shipped_cases):
    """Idempotent: the second run reports every quiz unchanged and rewrites no row."""
    load()
    before = snapshot()
    item_ids = sorted(QuizItem.objects.values_list("pk", flat=True))
    out, _ = load()
    assert "0 created, 0 updated, 4 unchanged" in out
    assert snapshot() == before
    assert sorted(QuizItem.objects.values_list("pk", flat=True)) == item_ids


def test_a_changed_file_updates_a_quiz_under_review_in_place_and_keeps_its_status(shipped_cases, tmp_path):
    """Upsert by slug: new title and case list replace the old; the status the workflow gave stays."""
    data = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    load(write(tmp_path, data), publish_as=None)
    Quiz.objects.filter(slug="a-low-count-found-by-chance").update(review_status=ReviewStatus.UNDER_REVIEW)
    data["quizzes"][0]["title"] = "Found on a routine test"
    data["quizzes"][0]["cases"] = ["well-man-low-count-before-surgery", "crohns-azathioprine-routine-count"]
    out, _ = load(write(tmp_path, data), publish_as=None, verbosity=2)
    assert "1 updated, 3 unchanged" in out and "updated: a-low-count-found-by-chance" in out
    quiz = Quiz.objects.get(slug="a-low-count-found-by-chance")
    assert quiz.title == "Found on a routine test" and quiz.review_status == ReviewStatus.UNDER_REVIEW
    assert list(quiz.items.values_list("position", "case__slug")) == [
        (1, "well-man-low-count-before-surgery"),
        (2, "crohns-azathioprine-routine-count"),
    ]


def test_one_error_anywhere_writes_nothing_and_every_error_is_reported(shipped_cases, tmp_path):
    """Unknown cases, a bad mode, a duplicate slug, a bad limit and a reversed window are all
    listed; nothing is written."""
    data = {
        "quizzes": [
            {"slug": "fine", "title": "A fine quiz", "status": "approved", "cases": ["breast-cancer-day-ten"]},
            {"slug": "bad", "title": "Bad", "mode": "survival", "cases": ["no-such-case", "breast-cancer-day-ten"]},
            {"slug": "fine", "title": "Again", "cases": ["breast-cancer-day-ten", "breast-cancer-day-ten"]},
            {
                "slug": "windowed",
                "title": "Windowed",
                "time_limit_minutes": 0,
                "available_from": "2027-02-01T09:00:00Z",
                "available_until": "2027-01-01T09:00:00Z",
                "cases": [],
                "colour": "red",
            },
            {"slug": "attempts", "title": "Reserved", "cases": ["breast-cancer-day-ten"]},
        ]
    }
    with pytest.raises(CommandError, match=r"\d+ errors in .*nothing was written"):
        load(write(tmp_path, data))
    assert not Quiz.objects.exists()
    _, errors = validate_quizzes(data)
    text = "\n".join(errors)
    assert "quizzes[1] (bad).mode: one of practice, exam" in text
    assert "quizzes[1] (bad).cases[0]: unknown case 'no-such-case'" in text
    assert "quizzes[2].slug: 'fine' appears twice in the file" in text
    assert "quizzes[2].cases[1]: case 'breast-cancer-day-ten' is listed twice" in text
    assert "quizzes[3] (windowed).time_limit_minutes: a whole number from 1 to 32767" in text
    assert "quizzes[3] (windowed).available_until: must be after available_from" in text
    assert "quizzes[3] (windowed).cases: a quiz needs at least one case" in text
    assert "quizzes[3] (windowed): unknown field 'colour'" in text
    assert "quizzes[4].slug: 'attempts' is reserved" in text


def test_a_file_that_is_not_yaml_or_has_no_quizzes_is_refused(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("quizzes: [unclosed", encoding="utf-8")
    with pytest.raises(CommandError):
        load(bad)
    with pytest.raises(CommandError):
        load(write(tmp_path, {"quiz": []}, name="other.yaml"))
    with pytest.raises(CommandError):
        load(tmp_path / "missing.yaml")


def test_cohorts_and_window_can_be_given(shipped_cases, tmp_path):
    """A file may assign existing cohorts and an availability window (ISO 8601 with a time zone)."""
    cohort = make_cohort(name="Year 3")
    data = {
        "quizzes": [
            {
                "slug": "cohort-quiz",
                "title": "For year 3",
                "status": "approved",
                "available_from": "2027-01-01T09:00:00Z",
                "available_until": "2027-02-01T09:00:00+01:00",
                "cohorts": [cohort.slug],
                "cases": ["breast-cancer-day-ten"],
            }
        ]
    }
    load(write(tmp_path, data))
    quiz = Quiz.objects.get(slug="cohort-quiz")
    assert list(quiz.cohorts.all()) == [cohort]
    assert quiz.available_from.isoformat() == "2027-01-01T09:00:00+00:00"
    assert quiz.available_until.hour in (8, 9)


def test_certainty_based_marking_can_be_switched_on_and_must_be_true_or_false(shipped_cases, tmp_path):
    quiz = {"slug": "marked", "title": "Marked", "status": "approved", "cases": ["breast-cancer-day-ten"]}
    load(write(tmp_path, {"quizzes": [{**quiz, "certainty_based_marking": True}]}))
    assert Quiz.objects.get(slug="marked").certainty_based_marking is True
    _, errors = validate_quizzes({"quizzes": [{**quiz, "certainty_based_marking": "yes"}]})
    assert "quizzes[0] (marked).certainty_based_marking: true or false" in errors
