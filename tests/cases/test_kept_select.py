"""The case list's filters are rendered once per worker, content version and chosen option
(cases.forms.KeptSelect): the same markup as Django's own select, an edited label shows on
the next request, and values that are not options are never kept."""

from __future__ import annotations

import pytest
from django import forms

from leucocases.cases.forms import CaseFilterForm, KeptSelect
from leucocases.editorial.content_version import WorkerMemo, worker
from tests.cases.factories import make_label

pytestmark = pytest.mark.django_db


def both_ways(data: dict) -> tuple[str, str]:
    """The form's fields as KeptSelect writes them, and as Django's Select does."""
    kept = CaseFilterForm(data)
    plain = CaseFilterForm(data)
    for field in plain.fields.values():
        field.widget.__class__ = forms.Select
    return (str(kept["label"]) + str(kept["difficulty"]), str(plain["label"]) + str(plain["difficulty"]))


@pytest.mark.parametrize(
    "data",
    [{}, {"label": "fever"}, {"difficulty": "2"}, {"label": "no-such-label", "difficulty": "banana"}],
    ids=["nothing-chosen", "a-label", "a-difficulty", "junk"],
)
def test_the_markup_is_djangos_own(data):
    make_label(slug="fever", name="Fever")
    make_label(slug="sore-throat", name="Sore throat")
    with worker(WorkerMemo()):
        first, plain = both_ways(data)
        again, _ = both_ways(data)
    assert first == plain == again
    if data.get("label") == "fever":
        assert '<option value="fever" selected>Fever</option>' in first


def test_a_renamed_label_shows_on_the_next_request(client):
    label = make_label(slug="fever", name="Fever")
    with worker(WorkerMemo()):
        assert ">Fever</option>" in client.get("/cases/").content.decode()
        label.name = "Fever and chills"
        label.save()
        page = client.get("/cases/").content.decode()
    assert ">Fever and chills</option>" in page and ">Fever</option>" not in page


def test_values_that_are_not_options_are_not_kept():
    make_label(slug="fever", name="Fever")
    memo = WorkerMemo()
    with worker(memo):
        both_ways({})
        kept = len(memo)
        for junk in ("x1", "x2", "x3"):
            both_ways({"label": junk})
    assert kept > 0 and len(memo) == kept
    assert isinstance(CaseFilterForm().fields["label"].widget, KeptSelect)
