"""make bench's realistic floor: never served by the site; what it costs when the bench serves it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from leucocases.benchfloor import floor

pytestmark = pytest.mark.django_db


def test_the_site_does_not_serve_it(client):
    assert client.get("/bench/floor/").status_code == 404


def test_it_runs_five_queries_and_renders_about_thirty_kilobytes(django_assert_num_queries):
    request = RequestFactory().get("/bench/floor/")
    request.user = AnonymousUser()
    with django_assert_num_queries(5):
        response = floor(request)
    assert response.status_code == 200
    assert 25_000 <= len(response.content) <= 40_000
