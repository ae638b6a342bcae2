"""A checkpoint's summary field is written without Django's widget templates
(cases.checkpoint_forms.PlainTextInput): the same markup, escaped the same way."""

from __future__ import annotations

import pytest
from django import forms

from leucocases.cases.checkpoint_forms import CheckpointForm, PlainTextInput


@pytest.mark.parametrize(
    ("value", "attrs"),
    [
        (None, {}),
        ("", {"class": "form-control"}),
        ('A 4" <b>tall</b> & "odd" summary', {"class": "x", "autocomplete": "off", "maxlength": 200}),
        ("x", {"required": True, "disabled": False, "aria-invalid": "true", "data-n": None}),
    ],
)
def test_the_markup_is_djangos_own(value, attrs):
    assert PlainTextInput(attrs=attrs).render("s", value, {"id": "id_s"}) == forms.TextInput(attrs=attrs).render(
        "s", value, {"id": "id_s"}
    )


def test_a_refused_summary_comes_back_as_typed_and_marked_invalid():
    form = CheckpointForm({"final-summary": "x" * 201 + "<script>"}, prefix="final")
    assert not form.is_valid()
    plain = str(form["summary"])
    form["summary"].field.widget.__class__ = forms.TextInput
    assert plain == str(form["summary"]) and 'aria-invalid="true"' in plain and "&lt;script&gt;" in plain
