"""Retire the shipped quizzes themed by cause group (issue 15).

"Drugs and toxins", "Marrow and malignancy" and "Infection and immunity" told
learners the cause group of every case they listed, and shared cases with the
exam. fixtures/quizzes.yaml now ships quizzes themed by presentation. On an
existing database the old ones are returned to draft (learners no longer see
them) and emptied, so their cases are free for the new quizzes and the exam
(an exam's cases are in no other quiz); quiz attempts and their reports are
kept. Nothing happens where they do not exist or an editor has renamed them.
"""

from django.db import migrations

RETIRED = {
    "drugs-and-toxins": "Drugs and toxins",
    "marrow-and-malignancy": "Marrow and malignancy",
    "infection-and-immunity": "Infection and immunity",
}


def forwards(apps, schema_editor):
    Quiz = apps.get_model("quizzes", "Quiz")
    QuizItem = apps.get_model("quizzes", "QuizItem")
    for slug, title in RETIRED.items():
        for quiz in Quiz.objects.filter(slug=slug, title=title):
            QuizItem.objects.filter(quiz=quiz).delete()
            Quiz.objects.filter(pk=quiz.pk).update(review_status="draft", reviewer=None, reviewed_at=None)


class Migration(migrations.Migration):
    dependencies = [("quizzes", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
