"""The answer-leak crawler: before a learner submits a case, no page says what its answer is.

With the shipped content loaded (taxonomy, labels, 26 cases, quizzes), an anonymous visitor
and a signed-in learner who has submitted nothing fetch every page they can reach: the home
page, the cause index (every mechanism filter, plain and htmx), every cause, topic and workup
page, the references, a search for every cause and group name, the case list with every
filter (and a ``?group=`` that must not filter), every practice case's play page before and
after ordering every workup step (the htmx responses included), the quiz list and pages,
and for the learner the dashboard and every quiz's runner, case by case, choosing a step
there too. Then, for every case:

- no reader page (causes, topics …) links to it or names it; search may list it among its
  practice cases, matched on title and labels only, and that entry is checked like its card;
- its card on the case list and its play page (leaving out what every play page shows
  alike: the navigation, the workup menu, the lists of every cause, the first
  differential's form, and the results of ordered steps, which are clinical findings) never
  name its full-credit cause or any of its cause groups, by name, slug or distinctive word,
  unless its own presentation does;
- no pre-submission response (play pages, htmx fragments, runner) carries a tier word, a
  rationale, the learning objectives, or anything telling keyed steps from unkeyed ones;
- exam cases are not found outside their exam.

Failures are collected, so one run lists every leak.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from leucocases.cases.models import Attempt, Case, CaseLabel
from leucocases.quizzes.models import Quiz, QuizAttempt
from leucocases.taxonomy.models import Cause, CauseGroup, Mechanism, Topic, WorkupStep
from tests.accounts.factories import make_user

pytestmark = pytest.mark.django_db

#: Words that, before submission, could only come from the key (or its grading).
TIER_WORDS = (
    "essential",
    "useful",
    "low yield",
    "low-yield",
    "low_yield",
    "harmful",
    "premature",
    "contributory",
    "expert path",
    "rationale",
    "credit",
    "keyed",
    "tier",
)
#: Words of cause and group names too common to point at an answer on their own.
COMMON_WORDS = frozenset(
    {"other", "after", "related", "disease", "mediated", "acquired", "community", "failure", "laboratory"}
)


# --- reading pages -------------------------------------------------------------------------


class _Spans(HTMLParser):
    """Offsets of the elements ``drop`` selects (whole subtrees)."""

    VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"})

    def __init__(self, text: str, drop: Callable[[str, dict], bool]):
        super().__init__(convert_charrefs=False)
        self.text, self.drop = text, drop
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.spans: list[tuple[int, int]] = []
        self.open: tuple[str, int, int] | None = None  # tag, depth, start

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        if self.open is None:
            if self.drop(tag, {k: v or "" for k, v in attrs}):
                self.open = (tag, 0, self._offset())
        elif tag == self.open[0]:
            self.open = (tag, self.open[1] + 1, self.open[2])

    def handle_endtag(self, tag):
        if self.open is None or tag != self.open[0]:
            return
        name, depth, start = self.open
        if depth:
            self.open = (name, depth - 1, start)
            return
        end = self.text.index(">", self._offset()) + 1
        self.spans.append((start, end))
        self.open = None


def without(text: str, drop: Callable[[str, dict], bool]) -> str:
    parser = _Spans(text, drop)
    parser.feed(text)
    kept, last = [], 0
    for start, end in parser.spans:
        kept.append(text[last:start])
        last = end
    kept.append(text[last:])
    return "".join(kept)


def has_class(attrs: dict, name: str) -> bool:
    return name in attrs.get("class", "").split()


def site_wide(tag: str, attrs: dict) -> bool:
    """What every page shows alike: the navigation bar and the footer."""
    return tag in ("header", "footer")


def same_on_every_play_page(tag: str, attrs: dict) -> bool:
    """The navigation, the whole workup menu (with its category headings), the diagnosis list of
    every cause (grouped by cause group, by design) and every cause's name the differential's
    fields suggest, the first differential's form (the same on
    every case, as every shipped case keys a differential: its class and its form's address say
    "checkpoint", which is also a word of one cause's name), and the results of ordered steps
    (clinical findings, which may rightly name what the investigation shows). The key words and
    rationales are still looked for on the whole page (``no_key``)."""
    return (
        site_wide(tag, attrs)
        or tag in ("select", "datalist")
        or has_class(attrs, "step-menu")
        or has_class(attrs, "step-category")
        or has_class(attrs, "findings")
        or (tag == "section" and has_class(attrs, "checkpoint"))
    )


def words(text: str) -> str:
    """Lower-case words separated by single spaces: markup, entities and punctuation gone."""
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", text))
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def term_pattern(term: str) -> re.Pattern:
    return re.compile(rf"(?<![\w-]){re.escape(term.lower())}(?:e?s)?(?![\w-])")


# --- what would give a case away -----------------------------------------------------------


@dataclass
class Secret:
    case: Case
    url: str
    presentation: str
    terms: list[str]  # cause and group names, slugs and distinctive words the page must not show
    passages: list[str]  # word runs from rationales and objectives

    @classmethod
    def of(cls, case: Case) -> Secret:
        cause = case.diagnosis_options.get(credit=1).cause
        names = [(cause.name, cause.slug)] + [(g.name, g.slug) for g in case.groups.all()]
        terms: set[str] = set()
        for name, slug in names:
            head = name.split("(")[0].strip()
            terms |= {name, head, slug, slug.replace("-", " ")}
            for word in re.split(r"[\s,]+", head):
                parts = [word, *word.split("-")] if "-" in word else [word]
                terms |= {p for p in parts if (len(p) >= 6 or p.isupper()) and p.lower() not in COMMON_WORDS}
        presentation = case.presentation.lower()
        kept = sorted(t for t in terms if not term_pattern(t).search(presentation))
        texts = [case.learning_objectives]
        texts += [f.rationale for f in case.findings.all()]
        texts += [r.rationale for r in case.order_rules.all()]
        texts += [d.rationale for d in case.diagnosis_options.all()]
        # What the case shows by design (its presentation and results) may share a phrase with a rationale.
        shown = words(" ".join([case.presentation, *(f.result for f in case.findings.all())]))
        passages = []
        for text in texts:
            for sentence in re.split(r"(?<=[.;:])\s+", text):
                run = words(sentence).split()
                if len(run) >= 6 and " ".join(run[:8]) not in shown:
                    passages.append(" ".join(run[:8]))
        return cls(case=case, url=case.get_absolute_url(), presentation=presentation, terms=kept, passages=passages)


class Findings:
    """Every leak found, with where."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, problem: str) -> None:
        self.items.append(f"{where}: {problem}")

    def no_link_or_name(self, where: str, page: str, secrets: Iterable[Secret]) -> None:
        for secret in secrets:
            if secret.url in page or f"/{secret.case.slug}/" in page:
                self.add(where, f"links to {secret.case.slug}")
            if html_lib.escape(secret.case.title) in page or secret.case.title in page:
                self.add(where, f"names the case {secret.case.title!r}")

    def no_answer(self, where: str, page: str, secret: Secret) -> None:
        """No name of the case's cause or groups in this case-specific markup."""
        text = html_lib.unescape(page).lower()
        for term in secret.terms:
            if term_pattern(term).search(text):
                self.add(where, f"shows {term!r}, part of the answer to {secret.case.slug}")

    def no_key(self, where: str, page: str, secret: Secret) -> None:
        """No tier word, rationale or objective anywhere in this response (navigation aside)."""
        text = words(without(page, site_wide))
        for word in TIER_WORDS:
            if re.search(rf"(?<![a-z]){re.escape(words(word))}(?![a-z])", text):
                self.add(where, f"carries the key word {word!r} for {secret.case.slug}")
        for passage in secret.passages:
            if passage in text:
                self.add(where, f"carries key text {passage!r} of {secret.case.slug}")


# --- the crawl ---------------------------------------------------------------------------


@pytest.fixture
def shipped_site(shipped_content):
    quiet = StringIO()
    call_command("create_content_loader", verbosity=0)  # published as make content does
    call_command("import_cases", "fixtures/cases/", publish_as="content-loader", verbosity=0, stdout=quiet)
    call_command("load_quizzes", publish_as="content-loader", verbosity=0, stdout=quiet)
    secrets = {
        case.slug: Secret.of(case)
        for case in Case.objects.prefetch_related("groups", "findings", "order_rules", "diagnosis_options__cause")
    }
    assert len(secrets) == 26
    return secrets


def get(client: Client, url: str, findings: Findings, *, status: int = 200, **headers) -> str:
    response = client.get(url, **headers)
    if response.status_code != status:
        findings.add(url, f"answered {response.status_code}, expected {status}")
    return response.content.decode()


def reader_urls() -> list[tuple[str, dict]]:
    urls: list[tuple[str, dict]] = [("/", {}), ("/causes/", {}), ("/references/", {}), ("/workup/", {})]
    urls += [(reverse("editorial:policy"), {}), (reverse("editorial:disclaimer"), {})]
    for mechanism in Mechanism.objects.all():
        url = f"/causes/?mechanism={mechanism.slug}"
        urls += [(url, {}), (url, {"HTTP_HX_REQUEST": "true"})]
    urls += [(cause.get_absolute_url(), {}) for cause in Cause.objects.published()]
    urls += [(topic.get_absolute_url(), {}) for topic in Topic.objects.published()]
    urls += [(step.get_absolute_url(), {}) for step in WorkupStep.objects.all()]
    for name in [*Cause.objects.values_list("name", flat=True), *CauseGroup.objects.values_list("name", flat=True)]:
        urls.append((f"/search/?q={name.split('(')[0].strip()}", {}))
    return urls


def case_list_urls() -> list[str]:
    urls = ["/cases/", "/cases/?page=2"]
    urls += [f"/cases/?label={label.slug}" for label in CaseLabel.objects.all()]
    urls += [f"/cases/?difficulty={value}" for value, _ in Case.Difficulty.choices]
    urls += [f"/cases/?group={group.slug}" for group in CauseGroup.objects.all()]
    return urls


def card_of(page: str, secret: Secret) -> str | None:
    match = re.search(rf'<li class="card[^"]*">(?:(?!</li>).)*?href="{re.escape(secret.url)}".*?</li>', page, re.S)
    return match.group(0) if match else None


def crawl_lists_and_practice(client: Client, who: str, secrets: dict[str, Secret], findings: Findings) -> None:
    everything = list(secrets.values())
    for url, headers in reader_urls():
        page = get(client, url, findings, **headers)
        if url.startswith("/search/"):
            check_search_page(f"{who} {url}", page, everything, findings)
        else:
            findings.no_link_or_name(f"{who} {url}", page, everything)

    listed_everything = None
    for url in case_list_urls():
        page = get(client, url, findings)
        listed = {s.case.slug for s in everything if s.url in page}
        if url == "/cases/":
            listed_everything = listed
        if url.startswith("/cases/?group=") and listed != listed_everything:
            findings.add(f"{who} {url}", "filters the list by cause group")
        for secret in everything:
            card = card_of(page, secret)
            if card is None:
                continue
            if not secret.case.is_practice:
                findings.add(f"{who} {url}", f"lists the exam case {secret.case.slug}")
            findings.no_answer(f"{who} {url} card", card, secret)
            findings.no_key(f"{who} {url} card", card, secret)
    if not listed_everything:
        findings.add(f"{who} /cases/", "lists no case")

    steps = list(WorkupStep.objects.values_list("slug", flat=True))
    for secret in everything:
        case = secret.case
        choose_url = reverse("cases:choose", kwargs={"slug": case.slug})
        if not case.is_practice:
            get(client, secret.url, findings, status=404)
            if client.post(choose_url, {"step": steps[0], "attempt": ""}).status_code != 404:
                findings.add(f"{who} {choose_url}", f"plays the exam case {case.slug} outside its exam")
            continue
        check_play_page(f"{who} {secret.url} (first look)", get(client, secret.url, findings), secret, findings)
        response = client.post(choose_url, {"step": steps[-1], "attempt": ""})  # no JavaScript
        if response.status_code != 302:
            findings.add(f"{who} {choose_url}", f"answered {response.status_code} to a plain choice")
        for step in steps[:-1]:
            fragment = client.post(choose_url, {"step": step, "attempt": ""}, HTTP_HX_REQUEST="true")
            findings.no_key(f"{who} {choose_url} htmx {step}", fragment.content.decode(), secret)
        check_play_page(f"{who} {secret.url} (all steps ordered)", get(client, secret.url, findings), secret, findings)

    for url in ["/quizzes/", *(quiz.get_absolute_url() for quiz in Quiz.objects.all())]:
        findings.no_link_or_name(f"{who} {url}", get(client, url, findings), everything)


def check_search_page(where: str, page: str, secrets: list[Secret], findings: Findings) -> None:
    """Search may list practice cases, matched on their title and labels only (what their card on
    the case list shows): the section of practice cases is checked like a card, and no other part
    of the answer page may link to a case."""
    section = re.search(r'<section id="results-cases".*?</section>', page, re.S)
    rest = page if section is None else page.replace(section.group(0), "")
    findings.no_link_or_name(where, rest, secrets)
    if section is None:
        return
    for secret in secrets:
        if secret.url in section.group(0):
            if not secret.case.is_practice:
                findings.add(where, f"lists the exam case {secret.case.slug}")
            item = re.search(rf'<li><a href="{re.escape(secret.url)}".*?</li>', section.group(0), re.S)
            findings.no_answer(f"{where} result", item.group(0) if item else section.group(0), secret)
            findings.no_key(f"{where} result", item.group(0) if item else section.group(0), secret)


def check_play_page(where: str, page: str, secret: Secret, findings: Findings) -> None:
    findings.no_answer(where, without(page, same_on_every_play_page), secret)
    findings.no_key(where, page, secret)


def crawl_quiz_runners(client: Client, learner, secrets: dict[str, Secret], findings: Findings) -> None:
    """Every quiz, case by case: the runner page and a choice (htmx), then a submission to move on."""
    dashboard = get(client, reverse("accounts:dashboard"), findings)
    findings.no_link_or_name("learner dashboard", dashboard, secrets.values())
    some_cause = Cause.objects.published().first().slug
    for quiz in Quiz.objects.order_by("title"):
        client.post(reverse("quizzes:start", kwargs={"slug": quiz.slug}))
        quiz_attempt = QuizAttempt.objects.get(quiz=quiz, user=learner)
        runner = quiz_attempt.get_absolute_url()
        for case_attempt in Attempt.objects.filter(quiz_case__quiz_attempt=quiz_attempt).order_by("pk"):
            secret = secrets[case_attempt.case.slug]
            where = f"learner runner {quiz.slug} {secret.case.slug}"
            check_play_page(where, get(client, runner, findings), secret, findings)
            fragment = client.post(
                reverse("quizzes:choose", kwargs={"pk": quiz_attempt.pk}),
                {"attempt": case_attempt.pk, "step": "peripheral-smear"},
                HTTP_HX_REQUEST="true",
            )
            findings.no_key(f"{where} htmx", fragment.content.decode(), secret)
            client.post(
                reverse("quizzes:submit", kwargs={"pk": quiz_attempt.pk}),
                {"attempt": case_attempt.pk, "diagnosis": some_cause, "certainty": "medium"},
            )
        if not QuizAttempt.objects.get(pk=quiz_attempt.pk).is_finished:
            findings.add(f"learner runner {quiz.slug}", "did not reach the end of the quiz")


def test_no_page_gives_a_case_away_to_an_anonymous_visitor(shipped_site):
    findings = Findings()
    crawl_lists_and_practice(Client(), "anonymous", shipped_site, findings)
    assert not findings.items, "\n".join(findings.items)


def test_no_page_gives_a_case_away_to_a_learner_before_they_submit_it(shipped_site):
    findings = Findings()
    learner = make_user(username="crawler")
    client = Client()
    client.force_login(learner)
    crawl_lists_and_practice(client, "learner", shipped_site, findings)
    crawl_quiz_runners(client, learner, shipped_site, findings)
    assert not findings.items, "\n".join(findings.items)


def test_the_crawler_sees_a_leak_when_there_is_one(shipped_site):
    """The checks themselves can fail: a card naming its group, a page with a tier word or a
    rationale, and a reader page linking a case are each caught."""
    secret = shipped_site["well-man-low-count-before-surgery"]
    title = secret.case.title
    probes = {
        "group beside the title": lambda f: f.no_answer("card", f"<li>{title} — Laboratory artefact</li>", secret),
        "cause slug in an attribute": lambda f: f.no_answer("card", '<li data-cause="edta-pseudoleucopenia">', secret),
        "tier word": lambda f: f.no_key("play", "<p>This step is essential.</p>", secret),
        "rationale": lambda f: f.no_key("play", f"<p>{secret.case.diagnosis_options.first().rationale}</p>", secret),
        "link from a reader page": lambda f: f.no_link_or_name("cause page", f'<a href="{secret.url}">x</a>', [secret]),
    }
    for name, probe in probes.items():
        findings = Findings()
        probe(findings)
        assert findings.items, f"the crawler missed a {name}"
    clean = Findings()
    clean.no_answer("card", f"<li>{secret.case.title} <span>Routine count</span></li>", secret)
    assert not clean.items
