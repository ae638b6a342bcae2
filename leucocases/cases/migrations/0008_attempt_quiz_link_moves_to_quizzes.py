"""The link from a case attempt to its quiz attempt is no longer a column of
``cases_attempt``: quizzes holds it (``QuizAttemptCase``), so that models
depend one way. Quizzes copies the column into its link table first (its
0004 orders itself before this migration; this app does not know about it).

On PostgreSQL the column goes with its foreign key and indexes; on SQLite the
table is rebuilt without it (the field is indexed), whatever constraints an
older database still gives the column.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0007_review_comments_and_case_history'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='attempt',
            name='case_once_per_quiz_attempt',
        ),
        migrations.RemoveField(
            model_name='attempt',
            name='quiz_attempt',
        ),
    ]
