"""Review comments and case history now belong to the cases app (``cases``
0007 takes the models over, tables and rows untouched): the instructor app
forgets them, and their content types (and so their permissions and admin log
entries) follow them to ``cases``."""

from django.db import migrations

MOVED = ("reviewcomment", "caserevision")


def content_types_to(apps, *, source, target):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        # A content type already made for the new place (a partial migrate) wins; the old one stays stale.
        if not ContentType.objects.filter(app_label=target, model=model).exists():
            ContentType.objects.filter(app_label=source, model=model).update(app_label=target)


def forwards(apps, schema_editor):
    content_types_to(apps, source="instructor", target="cases")


def backwards(apps, schema_editor):
    content_types_to(apps, source="cases", target="instructor")


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('cases', '0007_review_comments_and_case_history'),
        ('instructor', '0002_caserevision_edited'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='ReviewComment'),
                migrations.DeleteModel(name='CaseRevision'),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
