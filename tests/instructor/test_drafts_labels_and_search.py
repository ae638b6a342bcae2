"""A case's draft of changes meets labels and search: it copies the case's labels, stays out
of the case list and the search index while it waits, and publishing it gives the case its
labels and title in both. Imports into a draft of changes, or published, do the same."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from leucocases.cases.models import Case
from leucocases.cases.review import case_draft_start, case_review_transition
from leucocases.editorial.models import ReviewStatus
from leucocases.taxonomy.search.analysis import analysed
from leucocases.taxonomy.search.index import search_index_rebuild
from leucocases.taxonomy.search.models import SearchEntry
from tests.accounts.factories import make_instructor
from tests.cases.factories import make_case, make_case_document, make_casefile_catalogue, make_label, write_case_file

pytestmark = pytest.mark.django_db

NEW_TITLE = "Thunderclap fatigue after a holiday"


def case_entry(case: Case) -> SearchEntry | None:
    return SearchEntry.objects.filter(kind=SearchEntry.Kind.CASE, object_id=case.pk).first()


def case_list() -> str:
    return Client().get(reverse("cases:list")).content.decode()


def through_review(draft: Case, *, reviewer) -> Case:
    case_review_transition(case=draft, user=draft.author, to_status=ReviewStatus.SUBMITTED)
    case_review_transition(case=draft, user=reviewer, to_status=ReviewStatus.UNDER_REVIEW)
    return case_review_transition(case=draft, user=reviewer, to_status=ReviewStatus.APPROVED).case


def test_a_draft_of_changes_copies_labels_waits_unseen_and_publishes_them():
    live = make_case(title="A routine count", label_slugs=("routine-count",)).case
    fever = make_label(slug="fever", name="Fever")
    search_index_rebuild()
    before = case_entry(live)
    assert before is not None and analysed("routine count") in before.body

    editor, reviewer = make_instructor(), make_instructor()
    draft, _ = case_draft_start(case=live, user=editor)
    assert list(draft.labels.values_list("slug", flat=True)) == ["routine-count"]
    draft.title = NEW_TITLE
    draft.save()
    draft.labels.set([fever])
    search_index_rebuild()  # even a full rebuild leaves the draft out
    assert case_entry(draft) is None
    assert case_entry(live).title == before.title
    listing = case_list()
    assert "A routine count" in listing and NEW_TITLE not in listing

    through_review(draft, reviewer=reviewer)
    live.refresh_from_db()
    assert (live.title, live.version) == (NEW_TITLE, 1)
    assert list(live.labels.values_list("slug", flat=True)) == ["fever"]
    entry = case_entry(live)  # refreshed by the publication itself
    assert entry.title == analysed(NEW_TITLE) and entry.body == analysed("Fever")
    listing = case_list()
    assert NEW_TITLE in listing and not Case.objects.filter(draft_of=live).exists()


def test_imports_carry_labels_into_the_draft_of_changes_and_publish_them_into_the_case(tmp_path):
    make_casefile_catalogue()
    for slug in ("routine-count", "fever"):
        make_label(slug=slug)
    call_command("create_content_loader", verbosity=0)
    quiet = {"stdout": StringIO(), "stderr": StringIO()}
    document = make_case_document(labels=["routine-count"])
    first = write_case_file(tmp_path, "a.yaml", document)
    call_command("import_cases", str(first), publish_as="content-loader", **quiet)
    live = Case.objects.get(slug=document["slug"])
    assert live.is_published and analysed(document["title"]) == case_entry(live).title

    changed = make_case_document(labels=["fever"], title=NEW_TITLE)
    path = write_case_file(tmp_path, "b.yaml", changed)
    call_command("import_cases", str(path), **quiet)
    draft = Case.objects.get(draft_of=live)
    assert list(draft.labels.values_list("slug", flat=True)) == ["fever"]
    assert list(live.labels.values_list("slug", flat=True)) == ["routine-count"]
    assert case_entry(draft) is None and case_entry(live).title == analysed(document["title"])

    draft.delete()  # publishing a file over an approved case needs no draft of changes under way
    call_command("import_cases", str(path), publish_as="content-loader", **quiet)
    live.refresh_from_db()
    assert live.version == 2 and list(live.labels.values_list("slug", flat=True)) == ["fever"]
    assert case_entry(live).title == analysed(NEW_TITLE) and case_entry(live).body == analysed("Fever")
