"""Quiz attempts hold the link to their case attempts (``QuizAttemptCase``),
instead of each case attempt naming its quiz attempt in a column of
``cases_attempt``: models depend one way, quizzes on cases.

Every existing link is copied from that column before cases drops it (cases
0008, which this migration orders itself before).
"""

import django.db.models.deletion
from django.db import migrations, models

BATCH = 1000


def copy_links_from_case_attempts(apps, schema_editor):
    Attempt = apps.get_model("cases", "Attempt")
    QuizAttemptCase = apps.get_model("quizzes", "QuizAttemptCase")
    rows = (
        Attempt.objects.filter(quiz_attempt__isnull=False)
        .order_by("pk")
        .values_list("pk", "quiz_attempt", "case_id")
        .iterator(chunk_size=BATCH)
    )
    batch = []
    for attempt_id, quiz_attempt_id, case_id in rows:
        batch.append(QuizAttemptCase(attempt_id=attempt_id, quiz_attempt_id=quiz_attempt_id, case_id=case_id))
        if len(batch) == BATCH:
            QuizAttemptCase.objects.bulk_create(batch)
            batch = []
    QuizAttemptCase.objects.bulk_create(batch)


def copy_links_back(apps, schema_editor):
    Attempt = apps.get_model("cases", "Attempt")
    QuizAttemptCase = apps.get_model("quizzes", "QuizAttemptCase")
    by_quiz_attempt = {}
    for attempt_id, quiz_attempt_id in QuizAttemptCase.objects.values_list("attempt_id", "quiz_attempt_id"):
        by_quiz_attempt.setdefault(quiz_attempt_id, []).append(attempt_id)
    for quiz_attempt_id, attempt_ids in by_quiz_attempt.items():
        Attempt.objects.filter(pk__in=attempt_ids).update(quiz_attempt=quiz_attempt_id)


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0007_review_comments_and_case_history'),
        ('quizzes', '0003_quiz_draft_of'),
    ]

    run_before = [
        ('cases', '0008_attempt_quiz_link_moves_to_quizzes'),
    ]

    operations = [
        migrations.CreateModel(
            name='QuizAttemptCase',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('attempt', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='quiz_case', to='cases.attempt')),
                ('case', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cases.case')),
                ('quiz_attempt', models.ForeignKey(on_delete=django.db.models.deletion.RESTRICT, related_name='+', to='quizzes.quizattempt')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('quiz_attempt', 'case'), name='each_case_once_per_quiz_attempt')],
            },
        ),
        migrations.AddField(
            model_name='quizattempt',
            name='case_attempts',
            field=models.ManyToManyField(related_name='+', through='quizzes.QuizAttemptCase', to='cases.attempt'),
        ),
        migrations.RunPython(copy_links_from_case_attempts, copy_links_back),
    ]
