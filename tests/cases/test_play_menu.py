"""The play page's menu with the whole catalogue: investigations and management actions, by category."""

import re

import pytest

from leucocases.taxonomy.models import WorkupStep
from tests.cases.factories import STEP_SPECS, make_case

pytestmark = pytest.mark.django_db


def test_menu_lists_actions_under_their_categories_after_the_investigations(client):
    """Every entry is a button under its category heading, action categories after investigation ones."""
    bundle = make_case()
    Category = WorkupStep.Category
    for position, (name, category) in enumerate(
        [("Refer to haematology", Category.DISPOSITION), ("Withhold the drug", Category.MEDICATION)], start=50
    ):
        WorkupStep.objects.create(
            name=name,
            slug=name.lower().replace(" ", "-"),
            kind=WorkupStep.Kind.ACTION,
            category=category,
            what_it_shows="What it involves.",
            when_indicated="When it is indicated.",
            default_result="Done.",
            position=position,
        )

    html = client.get(bundle.case.get_absolute_url()).content.decode()

    buttons = re.findall(r'<button type="submit" class="btn btn-step">([^<]+)</button>', html)
    assert sorted(buttons) == sorted(
        [name for _, name, _ in STEP_SPECS] + ["Refer to haematology", "Withhold the drug"]
    )
    headings = re.findall(r'<h4 class="step-category" id="category-([a-z_]+)">', html)
    assert headings == [value for value in Category.values if value in headings]
    assert headings[-2:] == [Category.MEDICATION, Category.DISPOSITION]
    medication = html[html.index('id="category-medication"') : html.index('id="category-disposition"')]
    assert "Withhold the drug" in medication
