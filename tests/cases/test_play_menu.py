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


def shown_entries(html: str) -> list[str]:
    """The names of the menu entries not hidden, in a category not hidden."""
    names = []
    for group in re.findall(
        r'<div class="step-category-group" data-menu-category(?P<hidden> hidden)?>(.*?)</ul>', html, re.S
    ):
        if group[0]:
            continue
        entry = (
            r'<li id="menu-step-[^"]+" class="step-menu-item"( hidden)?>.*?<button type="submit" class="btn btn-step">'
        )
        for hidden, name in re.findall(entry + r"([^<]+)", group[1], re.S):
            if not hidden:
                names.append(name)
    return names


def test_the_menu_filter_works_as_a_plain_get_form(client, django_user_model):
    """Without JavaScript, ?menu=term narrows the menu on the server: every word must appear in an
    entry's name or its category, ignoring case and accents; the count says how many match; the
    attempt is kept and each choice form carries the filter, so the page comes back filtered."""
    bundle = make_case()
    client.force_login(django_user_model.objects.create_user("menu-learner", password="x"))
    url = bundle.case.get_absolute_url()
    attempt = client.get(url).context["attempt"]
    client.post(f"{url}choose/", {"attempt": attempt.pk, "step": "cmv-pcr", "position": 1, "menu": "pcr"})

    html = client.get(url, {"menu": "SMÉAR"}).content.decode()
    assert shown_entries(html) == ["Peripheral blood smear"]
    assert "1 of 9 entries match “SMÉAR”." in html
    assert 'value="SMÉAR"' in html and 'name="menu" value="SMÉAR"' in html
    assert 'id="finding-1"' in html  # the attempt's results are still there

    assert sorted(shown_entries(client.get(url, {"menu": "imaging"}).content.decode())) == [
        "Abdominal ultrasound of the spleen"
    ]
    assert shown_entries(client.get(url, {"menu": "  blood   review "}).content.decode()) == [
        "Review of prior blood counts"
    ]
    nothing = client.get(url, {"menu": "zzz"}).content.decode()
    assert shown_entries(nothing) == [] and "0 of 9 entries match “zzz”." in nothing
    everything = client.get(url).content.decode()
    assert len(shown_entries(everything)) == 9 and "9 entries." in everything
    # A filtered page still holds every entry (hidden), so the script can widen it again.
    assert nothing.count('class="btn btn-step"') == 9


def test_a_choice_from_a_filtered_menu_returns_to_the_filtered_page(client):
    """Without JavaScript the choice redirects to the play page filtered as it was, at the new result."""
    bundle = make_case()
    url = bundle.case.get_absolute_url()
    response = client.post(f"{url}choose/", {"attempt": "", "step": "cmv-pcr", "position": 1, "menu": "pcr"})
    assert response["Location"] == f"{url}?menu=pcr#finding-1"
