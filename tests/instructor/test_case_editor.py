"""The case editor (/instructor/cases/…/edit/): rights, saving, validation all at once, drafts of changes,
dry run and learner preview."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from leucocases.cases.casefile.exporter import case_spec
from leucocases.cases.models import Case
from leucocases.editorial.models import ReviewStatus
from tests.accounts.factories import make_instructor, make_user
from tests.cases.factories import make_case

pytestmark = pytest.mark.django_db


class _FormFields(HTMLParser):
    """The values a browser would post from the editor's form, with no button pressed."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self.inside = False
        self.select: tuple[str, list[str]] | None = None  # name, [first option, selected option]
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == "case-editor"
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "search"):
            if a.get("type") == "checkbox" and "checked" not in a:
                return
            self.data.setdefault(name, []).append(a.get("value") or ("on" if a.get("type") == "checkbox" else ""))
        elif tag == "textarea" and name:
            self.textarea = name
            self.data.setdefault(name, []).append("")
        elif tag == "select" and name:
            self.select = (name, [])
        elif tag == "option" and self.select is not None:
            options = self.select[1]
            if not options or "selected" in a:
                options[:] = [a.get("value", "")] if not options else [options[0], a.get("value", "")]

    def handle_data(self, data):
        if self.textarea is not None:
            self.data[self.textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self.textarea = None
        elif tag == "select" and self.select is not None:
            name, options = self.select
            self.data.setdefault(name, []).append(options[-1] if options else "")
            self.select = None
        elif tag == "form":
            self.inside = False


def page_data(response) -> dict[str, list[str]]:
    parser = _FormFields()
    parser.feed(response.content.decode())
    parser.close()
    return parser.data


@pytest.fixture
def instructor(client):
    user = make_instructor()
    client.force_login(user)
    return user


def edit_url(case) -> str:
    return reverse("instructor:case_edit", kwargs={"slug": case.slug})


def test_learners_are_refused_and_visitors_sent_to_log_in(client):
    bundle = make_case(status=ReviewStatus.DRAFT)
    assert client.get(edit_url(bundle.case)).status_code == 302
    client.force_login(make_user())
    for url in (
        edit_url(bundle.case),
        reverse("instructor:case_new"),
        reverse("instructor:case_preview", kwargs={"slug": bundle.case.slug}),
    ):
        assert client.get(url).status_code == 403
    assert client.post(reverse("instructor:case_dry_run", kwargs={"slug": bundle.case.slug})).status_code == 403


def test_saving_the_page_unchanged_stores_the_same_case(client, instructor):
    bundle = make_case(status=ReviewStatus.DRAFT)
    before = case_spec(bundle.case)
    response = client.get(edit_url(bundle.case))
    assert response.status_code == 200
    data = page_data(response)
    response = client.post(edit_url(bundle.case), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert case_spec(Case.objects.get(pk=bundle.case.pk)) == before
