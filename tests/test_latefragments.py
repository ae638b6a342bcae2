"""The cause lists are put into the play page after rendering (leucocases/latefragments.py).

What a learner receives must be the same, byte for byte, as when the template
engine wrote every list itself; a form rendered outside a request keeps its
lists inline; nothing in a page's own text is ever taken for a marker.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory, override_settings

from leucocases import latefragments
from leucocases.cases.forms import DiagnosisForm
from leucocases.taxonomy.diagnosis_menu import diagnosis_menu
from tests.accounts.factories import make_user
from tests.cases.factories import make_case, make_differential_case
from tests.cases.test_play_cache import same_for_any_request

pytestmark = pytest.mark.django_db

WITHOUT_LATE_FRAGMENTS = [name for name in settings.MIDDLEWARE if not name.endswith("LateFragmentsMiddleware")]


def play_page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return same_for_any_request(response.content.decode())


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_the_play_page_is_the_same_byte_for_byte_with_the_lists_put_in_late(client, signed_in):
    case = make_differential_case()
    if signed_in:
        client.force_login(make_user())
    url = case.get_absolute_url()
    late = play_page(client, url)
    with override_settings(MIDDLEWARE=WITHOUT_LATE_FRAGMENTS):
        inline = play_page(client, url)
    assert late == inline
    # Both lists of every cause are put in late: the diagnosis's options and the names the
    # differential's ten fields suggest.
    menu = diagnosis_menu()
    assert late.count(menu.unselected_html) == 1 and late.count(menu.names_datalist_html) == 1
    assert "<!--late-" not in late


def test_a_choice_kept_on_a_refused_diagnosis_is_still_selected(client):
    """A submission refused for a missing certainty comes back with the chosen cause selected."""
    bundle = make_case()
    url = bundle.case.get_absolute_url()
    client.get(url)
    slug = next(iter(bundle.causes))
    response = client.post(f"{url}submit/", {"attempt": "", "diagnosis": slug})
    html = response.content.decode()
    assert f'<option value="{slug}" selected>' in html
    assert "<!--late-" not in html


def test_outside_a_request_a_form_writes_its_lists_inline():
    html = str(DiagnosisForm()["diagnosis"])
    assert diagnosis_menu().unselected_html in html
    assert "<!--late-" not in html


def test_page_text_is_never_taken_for_a_marker():
    """A marker needs the worker's random token: a look-alike in a page stays as it is."""
    middleware = latefragments.LateFragmentsMiddleware(
        lambda request: HttpResponse(
            "<p><!--late-0000000000000000-0--></p>" + latefragments.defer("<b>kept</b>"), content_type="text/html"
        )
    )
    response = middleware(RequestFactory().get("/"))
    assert response.content == b"<p><!--late-0000000000000000-0--></p><b>kept</b>"


def test_a_streamed_response_writes_its_fragments_inline():
    """Streamed content is produced after the middleware returns: no marker can be left in it."""
    middleware = latefragments.LateFragmentsMiddleware(
        lambda request: StreamingHttpResponse(latefragments.defer(part) for part in ("<p>", "x", "</p>"))
    )
    response = middleware(RequestFactory().get("/"))
    assert b"".join(response) == b"<p>x</p>"


def test_any_response_that_deferred_a_fragment_gets_it():
    middleware = latefragments.LateFragmentsMiddleware(
        lambda request: HttpResponse(
            f'{{"html": "{latefragments.defer("<i>x</i>")}"}}', content_type="application/json"
        )
    )
    assert middleware(RequestFactory().get("/")).content == b'{"html": "<i>x</i>"}'
