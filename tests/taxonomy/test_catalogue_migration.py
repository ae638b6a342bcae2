"""Migration 0003: rows written before the catalogue had kinds and default results."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("taxonomy", "0002_search_index")]
AFTER = [("taxonomy", "0003_catalogue_kinds_and_default_results")]


@pytest.mark.django_db(transaction=True)
def test_existing_entries_become_investigations_with_a_default_result():
    """A shipped entry gets its shipped default result, any other row a neutral one; both are investigations."""
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("taxonomy", "WorkupStep")
    for slug, category in (("blood-cultures", "infection"), ("instructor-step", "marrow")):
        old.objects.create(name=slug, slug=slug, category=category, what_it_shows="x", when_indicated="y")

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps.get_model("taxonomy", "WorkupStep")

    rows = {row.slug: (row.kind, row.default_result, row.standard_practice) for row in new.objects.all()}
    assert rows == {
        "blood-cultures": ("investigation", "No growth after 48 hours.", False),
        "instructor-step": ("investigation", "No abnormality found.", False),
    }
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
