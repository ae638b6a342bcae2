"""Report digests learn each missed essential's occurrence and the report's
grade letter. Digests are a cache of what item analysis reads from stored
reports: the old ones (missed essentials as bare slugs, no grade) are deleted
rather than converted (both ways), and the next analysis digests every report again."""

from django.db import migrations, models


def forget_digests(apps, schema_editor):
    apps.get_model("instructor", "ReportDigest").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("instructor", "0003_review_records_move_to_cases"),
    ]

    operations = [
        migrations.RunPython(forget_digests, forget_digests),
        migrations.AddField(
            model_name="reportdigest",
            name="grade",
            field=models.CharField(blank=True, max_length=2),
        ),
    ]
