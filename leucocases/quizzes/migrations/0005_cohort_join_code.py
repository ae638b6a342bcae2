"""Cohorts get a join code (``join_codes``): learners enter a cohort by typing it.

Added in three steps so that each existing cohort gets a code of its own
(a column default would give them all the same one).
"""

from django.db import migrations, models

import leucocases.quizzes.join_codes


def give_each_cohort_a_code(apps, schema_editor):
    Cohort = apps.get_model("quizzes", "Cohort")
    used = set()
    for cohort in Cohort.objects.filter(join_code__isnull=True).only("pk"):
        code = leucocases.quizzes.join_codes.new_join_code()
        while code in used:
            code = leucocases.quizzes.join_codes.new_join_code()
        used.add(code)
        Cohort.objects.filter(pk=cohort.pk).update(join_code=code)


class Migration(migrations.Migration):
    dependencies = [
        ("quizzes", "0004_quiz_attempt_case"),
    ]

    operations = [
        migrations.AddField(
            model_name="cohort",
            name="join_code",
            field=models.CharField(editable=False, max_length=16, null=True),
        ),
        migrations.RunPython(give_each_cohort_a_code, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="cohort",
            name="join_code",
            field=models.CharField(
                default=leucocases.quizzes.join_codes.new_join_code, editable=False, max_length=16, unique=True
            ),
        ),
    ]
