from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


@pytest.mark.django_db
def test_no_pending_migrations():
    """Every model change ships with its migration."""
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exit_:
        pytest.fail(f"Missing migrations:\n{out.getvalue()} (exit {exit_.code})")


BEFORE_MERGE = [("cases", "0003_finding_order_nulls_last"), ("quizzes", "0001_initial")]


@pytest.mark.django_db(transaction=True)
def test_an_existing_database_takes_the_renames_the_retired_quizzes_and_the_versions_together():
    """A database from before labels, renamed slugs and versions: the data migrations of both
    lines of work run in turn (cases 0004-0006, quizzes 0002-0003). The shipped case keeps its
    row under its new slug and becomes published version 1, a draft stays version 0, and the
    group-themed quiz is retired to an empty draft; nothing is a draft of changes."""
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_MERGE)
    old = executor.loader.project_state(BEFORE_MERGE).apps
    Case, Quiz, QuizItem = (
        old.get_model(*name) for name in (("cases", "Case"), ("quizzes", "Quiz"), ("quizzes", "QuizItem"))
    )
    shipped = Case.objects.create(
        slug="cll-mouth-ulcers", title="Old title", presentation="x", review_status="approved"
    )
    draft = Case.objects.create(slug="someones-draft", title="A draft", presentation="x", review_status="draft")
    quiz = Quiz.objects.create(slug="drugs-and-toxins", title="Drugs and toxins", review_status="approved")
    QuizItem.objects.create(quiz=quiz, case=shipped, position=1)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    new = executor.loader.project_state(executor.loader.graph.leaf_nodes()).apps
    Case, Quiz = new.get_model("cases", "Case"), new.get_model("quizzes", "Quiz")
    rows = {c.pk: (c.slug, c.review_status, c.version, c.draft_of_id) for c in Case.objects.all()}
    assert rows == {
        shipped.pk: ("mouth-ulcers-and-a-skin-abscess", "approved", 1, None),
        draft.pk: ("someones-draft", "draft", 0, None),
    }
    retired = Quiz.objects.get(pk=quiz.pk)
    assert (retired.review_status, retired.draft_of_id, retired.items.count()) == ("draft", None, 0)


#: Before the attempt↔quiz link moved to quizzes and the review records moved to cases.
BEFORE_THE_MOVES = [
    ("cases", "0006_case_versions_and_drafts_of_changes"),
    ("quizzes", "0003_quiz_draft_of"),
    ("instructor", "0002_caserevision_edited"),
]


def _as_first_shipped(old_apps):
    """Give ``cases_attempt.quiz_attempt_id`` the foreign key to quizzes it had when
    first shipped (the rewritten cases 0002 declares a plain column), so that the
    database is the one an existing site has."""
    from django.db import models

    Attempt, QuizAttempt = old_apps.get_model("cases", "Attempt"), old_apps.get_model("quizzes", "QuizAttempt")
    column = Attempt._meta.get_field("quiz_attempt")
    foreign_key = models.ForeignKey(
        QuizAttempt, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_column="quiz_attempt_id"
    )
    foreign_key.set_attributes_from_name("quiz_attempt")
    foreign_key.model = Attempt
    with connection.schema_editor() as editor:
        editor.alter_field(Attempt, column, foreign_key)
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "cases_attempt").values()
    assert any(c["foreign_key"] and c["columns"] == ["quiz_attempt_id"] for c in constraints)


@pytest.mark.django_db(transaction=True)
def test_an_existing_database_keeps_its_quiz_attempts_and_review_records_through_the_moves():
    """A database from before the moves — case attempts naming their quiz attempt in a foreign-key
    column of cases_attempt, case history and comments in the instructor app — migrates forward
    with every quiz attempt holding the same case attempts (now linked from quizzes), practice
    attempts in no quiz, the column gone, and the same history and comment rows read through
    cases (content types, and so permissions, follow them)."""
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_THE_MOVES)
    old = executor.loader.project_state(BEFORE_THE_MOVES).apps
    _as_first_shipped(old)
    get = old.get_model
    user = get_user_model().objects.create(username="learner")
    OldCase = get("cases", "Case")
    case = OldCase.objects.create(slug="a-case", title="A case", presentation="x", review_status="approved")
    other = OldCase.objects.create(slug="b-case", title="B case", presentation="x", review_status="approved")
    quiz = get("quizzes", "Quiz").objects.create(slug="a-quiz", title="A quiz", review_status="approved")
    quiz_attempt = get("quizzes", "QuizAttempt").objects.create(quiz=quiz, user_id=user.pk)
    OldAttempt = get("cases", "Attempt")
    in_quiz = [OldAttempt.objects.create(case=c, user_id=user.pk, quiz_attempt=quiz_attempt.pk) for c in (case, other)]
    practice = OldAttempt.objects.create(case=case, user_id=user.pk)
    revision = get("instructor", "CaseRevision").objects.create(
        case=case, number=1, created_at="2026-11-30T12:00:00Z", summary="Created.", review_status="draft", casefile="x"
    )
    comment = get("instructor", "ReviewComment").objects.create(case=case, author_id=user.pk, body="Looks right.")
    revision_type = ContentType.objects.get_or_create(app_label="instructor", model="caserevision")[0]

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    new = executor.loader.project_state(executor.loader.graph.leaf_nodes()).apps
    QuizAttemptCase = new.get_model("quizzes", "QuizAttemptCase")
    links = set(QuizAttemptCase.objects.values_list("attempt_id", "quiz_attempt_id", "case_id"))
    assert links == {(in_quiz[0].pk, quiz_attempt.pk, case.pk), (in_quiz[1].pk, quiz_attempt.pk, other.pk)}
    assert not QuizAttemptCase.objects.filter(attempt_id=practice.pk).exists()
    QuizAttempt = new.get_model("quizzes", "QuizAttempt")
    assert sorted(QuizAttempt.objects.get(pk=quiz_attempt.pk).case_attempts.values_list("pk", flat=True)) == [
        a.pk for a in in_quiz
    ]
    with connection.cursor() as cursor:
        columns = [c.name for c in connection.introspection.get_table_description(cursor, "cases_attempt")]
    assert "quiz_attempt_id" not in columns and new.get_model("cases", "Attempt").objects.count() == 3
    moved = new.get_model("cases", "CaseRevision").objects.get()
    assert (moved.pk, moved.case_id, moved.summary, moved.edited) == (revision.pk, case.pk, "Created.", True)
    assert new.get_model("cases", "ReviewComment").objects.get().pk == comment.pk
    assert ContentType.objects.get(pk=revision_type.pk).app_label == "cases"
