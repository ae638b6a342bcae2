"""XSS typed through the admin and the instructor tools, not only put in the database.

An instructor edits every object ``make_site`` built through its real admin
change form (inlines included), putting an XSS payload in every free-text
field the form offers, and posts a review comment. Each field carries a tag so
the test proves it was saved and shown somewhere. Then every page that shows
those texts — reader pages, the learner's play page, report and dashboard,
the instructor pages, and the admin's own change forms, lists and history —
must hold no executable markup. Fields are found from the admin forms
themselves, so a text field added later is covered without editing this test;
a field whose own validation refuses markup (a slug, a DOI pattern) is left
as it was and listed.
"""

from __future__ import annotations

import ast
import json

import pytest
from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.test import Client, RequestFactory
from django.urls import reverse

from leucocases.cases.models import Finding
from tests.accounts.factories import make_user
from tests.cases.factories import make_attempt, make_site
from tests.instructor.admin_forms import form_data
from tests.quizzes.factories import make_site_quiz

from .htmlcheck import executable_markup
from .test_xss import PAIRS

pytestmark = pytest.mark.django_db
NOT_TEXT = (forms.SlugField, forms.URLField, forms.EmailField, forms.JSONField, forms.TypedChoiceField)


def admin_page_problems(html: str) -> list[str]:
    """``executable_markup``, except the admin's own scripts (static files Django ships, its jsi18n view)."""
    problems = []
    for problem in executable_markup(html):
        if problem.startswith("<script {"):
            attributes = ast.literal_eval(problem[len("<script ") : -1])
            src = attributes.get("src", "")
            if src == reverse("admin:jsi18n") or (src.startswith("/static/") and finders.find(src[len("/static/") :])):
                continue
        problems.append(problem)
    return problems


class Editor:
    """A superuser who edits objects through the admin's change forms."""

    def __init__(self):
        self.user = get_user_model().objects.create_superuser("chief", "chief@example.org", "pw-for-tests-only")
        self.client = Client()
        self.client.force_login(self.user)
        self.tags: dict[str, str] = {}
        self.refused: set[str] = set()

    def tag(self, label: str) -> str:
        return self.tags.setdefault(label, f"zza{len(self.tags):02d}zz")

    def text_fields(self, obj) -> dict[str, tuple[str, int | None]]:
        """{POST name: (label, max length)} of every free-text field on the object's admin form and inlines."""
        model_admin = admin.site._registry[type(obj)]
        request = RequestFactory().get("/")
        request.user = self.user
        found = {}

        def collect(form_class, prefix: str, model, count: int) -> None:
            for name, field in form_class.base_fields.items():
                if not isinstance(field, forms.CharField) or isinstance(field, NOT_TEXT):
                    continue
                if getattr(field, "choices", None) or isinstance(field.widget, forms.HiddenInput):
                    continue
                label = f"{model.__name__}.{name}"
                for index in range(count):
                    found[f"{prefix}{index}-{name}" if prefix else name] = (label, field.max_length)

        collect(model_admin.get_form(request, obj), "", type(obj), 1)
        for formset, inline in model_admin.get_formsets_with_inlines(request, obj):
            rows = (
                inline.get_queryset(request).filter(**{formset.fk.name: obj}).count() if hasattr(formset, "fk") else 0
            )
            collect(formset.form, f"{formset.get_default_prefix()}-", inline.model, rows)
        return found

    def edit(self, obj, payload: str, extra=None) -> None:
        """Open the change form, put the payload in every text field, save; a field the form refuses is kept."""
        url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
        data = form_data(self.client.get(url).content.decode(), f"{obj._meta.model_name}_form")
        fields = self.text_fields(obj)
        original = {name: data.get(name, [""]) for name in fields}
        for name, (label, max_length) in fields.items():
            value = f"{self.tag(label)} {obj.pk} {payload}"  # the pk keeps unique names unique
            data[name] = [value[:max_length] if max_length else value]
        data.update(extra(data) if extra else {})
        for _ in range(len(fields) + 1):
            response = self.client.post(url, data)
            if response.status_code == 302:
                return
            wrong = self._fields_with_errors(response)
            assert wrong, f"{url} was refused without a field error"
            for name in wrong & set(fields):
                data[name] = original[name]
                self.refused.add(fields[name][0])
            assert wrong & set(fields), f"{url}: errors on {wrong}, not on a text field"
        raise AssertionError(f"{url} never saved")

    def edit_approved(self, obj, payload: str, extra=None) -> None:
        """An approved case or quiz is read-only: edit its draft of changes through the admin,
        then have another instructor approve it there, so the texts reach the row learners get."""
        opts = obj._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_draft_start", args=[obj.pk])
        assert self.client.post(url).status_code == 302
        draft = type(obj).objects.get(draft_of=obj)
        self.edit(draft, payload, extra)
        reviewer = Client()
        reviewer.force_login(get_user_model().objects.create_superuser(f"reviewer-{obj.pk}-{opts.model_name}"))
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        for client, action in ((self.client, "submit_for_review"), (reviewer, "start_review"), (reviewer, "approve")):
            client.post(changelist, {"action": action, "_selected_action": [draft.pk]})
        assert not type(obj).objects.filter(pk=draft.pk).exists(), "the draft of changes was published"

    @staticmethod
    def _fields_with_errors(response) -> set[str]:
        names = set(response.context["adminform"].form.errors)
        for inline in response.context["inline_admin_formsets"]:
            formset = inline.formset
            for index, errors in enumerate(formset.errors):
                names |= {f"{formset.prefix}-{index}-{name}" for name in errors}
        return names


def tables_and_series(editor: Editor, payload: str, form: dict[str, list[str]]) -> dict[str, list[str]]:
    """The finding inline's JSON fields (table rows, a series), with the payload in every text inside them."""
    data = {}
    for index in range(int(form["findings-INITIAL_FORMS"][0])):
        finding = Finding.objects.get(pk=form[f"findings-{index}-id"][0])
        if finding.table:
            rows = [
                {key: f"{editor.tag(f'Finding.table.{key}')} {payload}"[:limit] for key, limit in LIMITS.items()}
                for _ in finding.table
            ]
            data[f"findings-{index}-table"] = [json.dumps(rows)]
        if finding.series:
            series = {
                "label": f"{editor.tag('Finding.series.label')} {payload}"[:120],
                "unit": f"{editor.tag('Finding.series.unit')} {payload}"[:40],
                "points": [{"when": f"{editor.tag('Finding.series.when')} {payload}"[:60], "value": 3}],
            }
            data[f"findings-{index}-series"] = [json.dumps(series)]
    return data


LIMITS = {"label": 120, "value": 200, "unit": 40, "range": 60}


def test_the_editor_finds_the_text_fields_of_each_form():
    """The field discovery sees markdown and name fields, inline ones included, and leaves slugs and JSON out."""
    site = make_site()
    editor = Editor()
    cause_fields = {label for label, _ in editor.text_fields(site.cause).values()}
    assert {"Cause.name", "Cause.summary", "Cause.body", "Fact.text", "Fact.editorial_note"} <= cause_fields
    assert "Cause.slug" not in cause_fields
    case_fields = {label for label, _ in editor.text_fields(site.case).values()}
    assert {"Case.presentation", "Finding.result", "OrderRule.rationale", "InitialLab.value"} <= case_fields
    assert "Finding.table" not in case_fields


@pytest.mark.parametrize("pair", PAIRS[::4], ids=[f"pair{4 * i + 1}" for i in range(len(PAIRS[::4]))])
def test_payloads_typed_in_the_admin_never_execute_anywhere(pair):
    """Every free-text field of every admin form, and a review comment, holding a payload: no page runs it."""
    payload = "\n\n".join(pair)
    site = make_site()
    learner = make_user()
    quiz, quiz_attempt = make_site_quiz(site=site, learner=learner)
    from leucocases.quizzes.models import Cohort

    cohort = Cohort.objects.create(name="Cohort", slug="cohort")
    cohort.learners.add(learner)
    quiz.cohorts.add(cohort)
    editor = Editor()
    facts = list(site.cause.facts.all()) + list(site.topic.facts.all())
    for obj in [site.group, site.mechanism, site.reference, site.cause, site.topic, *site.steps, *facts, cohort]:
        obj.refresh_from_db()
        editor.edit(obj, payload)
    # Approved cases and quizzes change through a reviewed draft of changes.
    editor.edit_approved(quiz, payload)
    editor.edit_approved(site.case, payload, extra=lambda form: tables_and_series(editor, payload, form))
    learner.first_name = learner.last_name = ""
    editor.edit(learner, payload)
    comment = editor.client.post(
        reverse("admin:cases_case_comment", args=[site.case.pk]),
        {"body": f"{editor.tag('ReviewComment.body')} {payload}"},
    )
    assert comment.status_code == 302

    first, second, unkeyed = site.steps
    submitted = make_attempt(case=site.case, user=learner, steps=[second, first], submit=True, diagnosis=site.cause)
    reader, player = Client(), Client()
    player.force_login(learner)
    player.get(site.case.get_absolute_url())  # a new attempt, with one step ordered: its result shows
    assert (
        player.post(reverse("cases:choose", kwargs={"slug": site.case.slug}), {"step": first.slug}).status_code == 302
    )
    # A step the case does not key shows its default result, like any finding.
    player.post(reverse("cases:choose", kwargs={"slug": site.case.slug}), {"step": unkeyed.slug})
    public = {
        "home": (reader, "/"),
        "causes": (reader, reverse("taxonomy:causes")),
        "cause": (reader, site.cause.get_absolute_url()),
        "topic": (reader, site.topic.get_absolute_url()),
        "references": (reader, reverse("taxonomy:references")),
        "workup": (reader, reverse("taxonomy:workup_steps")),
        **{f"step {s.pk}": (reader, s.get_absolute_url()) for s in site.steps},
        "case list": (reader, reverse("cases:list")),
        "play": (player, site.case.get_absolute_url()),
        "report": (player, submitted.get_absolute_url()),
        "dashboard": (player, reverse("accounts:dashboard")),
        "quiz": (player, quiz.get_absolute_url()),
        "quiz runner": (player, reverse("quizzes:take", kwargs={"pk": quiz_attempt.pk})),
        "instructor": (editor.client, reverse("instructor:index")),
        "results": (editor.client, reverse("instructor:quiz_results", kwargs={"slug": quiz.slug})),
        "case analysis": (editor.client, reverse("instructor:case_analysis", kwargs={"slug": site.case.slug})),
        "attempt report": (editor.client, reverse("instructor:attempt_report", kwargs={"pk": submitted.pk})),
    }
    pages, problems = {}, {}
    for name, (client, url) in public.items():
        response = client.get(url)
        assert response.status_code == 200, (name, url)
        pages[name] = response.content.decode()
        if found := executable_markup(pages[name]):
            problems[name] = found
    admin_urls = [reverse("admin:cases_case_revisions", args=[site.case.pk])]
    for obj in [site.group, site.mechanism, site.reference, site.cause, site.topic, site.case, quiz, cohort, learner]:
        opts = obj._meta
        admin_urls += [
            reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]),
            reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
        ]
    for url in admin_urls:
        response = editor.client.get(url)
        assert response.status_code == 200, url
        pages[url] = response.content.decode()
        if found := admin_page_problems(pages[url]):
            problems[url] = found
    assert problems == {}
    everything = "\n".join(pages.values())
    unshown = sorted(
        label for label, tag in editor.tags.items() if tag not in everything and label not in editor.refused
    )
    assert unshown == []
    # Markdown fields reach the public pages, not only the admin's inputs.
    public_text = "\n".join(pages[name] for name in public)
    for label in ("Cause.body", "Case.presentation", "Finding.result", "Fact.text", "Quiz.description"):
        assert editor.tags[label] in public_text, label
    # Only fields with their own pattern may refuse markup; everything else took the payload. An any-of
    # group name is refused by the key's rules, not for its markup: the payload puts every finding of the
    # site's case (one essential, one harmful) in one group, and a group holds two essentials or more.
    assert editor.refused <= {"Reference.pmid", "Reference.doi", "User.username", "Finding.any_of"}, editor.refused
