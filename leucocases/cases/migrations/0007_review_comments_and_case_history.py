"""Review comments and the change history of each case move here from the
instructor app (they are the case's review record, and cases reads them).

State only: the tables keep their names (``db_table``) and their rows; the
instructor app created them (``instructor`` 0001-0002, which the instructor
app orders before this one) and forgets them in ``instructor`` 0003.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0006_case_versions_and_drafts_of_changes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ReviewComment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('body', models.TextField(help_text='Markdown.', max_length=5000)),
                        ('author', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='review_comments', to='cases.case')),
                    ],
                    options={
                        'db_table': 'instructor_reviewcomment',
                        'ordering': ['created_at', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='CaseRevision',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('number', models.PositiveIntegerField()),
                        ('created_at', models.DateTimeField()),
                        ('summary', models.CharField(max_length=300)),
                        ('edited', models.BooleanField(default=True)),
                        ('review_status', models.CharField(choices=[('draft', 'Draft'), ('submitted', 'Submitted'), ('under_review', 'Under review'), ('approved', 'Approved')], max_length=20)),
                        ('archived_at', models.DateTimeField(blank=True, null=True)),
                        ('casefile', models.TextField()),
                        ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='revisions', to='cases.case')),
                        ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'instructor_caserevision',
                        'ordering': ['case', '-number'],
                        'constraints': [models.UniqueConstraint(fields=('case', 'number'), name='one_revision_number_per_case')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
