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
