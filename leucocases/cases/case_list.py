"""The case list (/cases/): every practice case's card, kept per worker; the
learner's progress read in one query.

Which cases are practice cases, their titles, difficulties and labels change
only when content does, so each worker keeps them in list order
(``editorial.content_version``), with each case's card rendered the first time
a page shows it. A request then filters and pages that list in Python and
reads what is the learner's own or the clock's: the cases an exam in force
locks now (``visibility.locked_case_ids``) and the learner's progress — the
best score they may see now and whether a practice attempt is open, per case
(``learner_progress``), one prepared query whatever the number of cases or
attempts. The cards are the same for everyone; the progress is rendered
around them, so nobody's progress reaches another learner's page.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db.models import FloatField, Max, Value
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString

from leucocases.editorial.content_version import remember

from . import facility, visibility
from .forms import CaseFilterForm
from .models import Attempt, Case, GradedReport

#: Cases on one page of /cases/: the list stays quick to render and to scan at any size.
CASES_PER_PAGE = 20
CARD_TEMPLATE = "cases/list.html#card"
FACILITY_TEMPLATE = "cases/list.html#facility-line"


class PracticeCases:
    """Every practice case in list order, each card rendered once, when first shown."""

    def __init__(self, cases: list[Case]):
        self.cases = cases
        self._cards: dict[int, SafeString] = {}
        self._lock = threading.Lock()

    def card(self, case: Case) -> SafeString:
        card = self._cards.get(case.pk)
        if card is None:
            card = render_to_string(CARD_TEMPLATE, {"case": case})
            with self._lock:
                self._cards[case.pk] = card
        return card


def practice_cases() -> PracticeCases:
    def build() -> PracticeCases:
        cases = list(Case.objects.practice().prefetch_related("labels"))
        for case in cases:
            case.label_ids = frozenset(label.pk for label in case.labels.all())
        return PracticeCases(cases)

    return remember("practice-cases", build)


def label_choices(form: CaseFilterForm) -> None:
    """The label filter's options, kept with the cases rather than read per request."""
    field = form.fields["label"]
    field.choices = remember("case-label-choices", lambda: list(field.choices))


def _progress(*, now: datetime, user_id: int | None = None, session_key: str | None = None):
    """(case id, best visible score or None, open practice attempt?) rows for one learner.

    A score is a report's summary: exams in force keep theirs to themselves
    (``visibility``); quiz case attempts are played in the quiz, so they do not
    make a practice case "in progress" (``practice()``)."""
    user = get_user_model()(pk=user_id) if user_id is not None else None
    visible = visibility.attempts_with_visible_reports(user=user, session_key=session_key, now=now)
    best = (
        GradedReport.objects.filter(attempt__in=visible, superseded_at__isnull=True)
        .values("attempt__case_id")
        .annotate(best=Max("total"), open=Value(False))
        .values_list("attempt__case_id", "best", "open")
        .order_by()
    )
    owned = Attempt.objects.owned_by(user=user, session_key=session_key).open().practice()
    open_cases = owned.values_list("case_id", Value(None, output_field=FloatField()), Value(True)).order_by()
    # Unordered: a union is ordered only by its own columns, and the rows go into a dict.
    return best.union(open_cases, all=True).order_by()


@dataclass(frozen=True)
class Progress:
    best_score: float | None = None
    in_progress: bool = False


NO_PROGRESS = Progress()


def learner_progress(*, user: Any, session_key: str | None) -> dict[int, Progress]:
    """The learner's progress by case id (cases they never touched are absent). One query."""
    signed_in = user is not None and user.is_authenticated
    if not (signed_in or session_key):
        return {}
    owner = {"user_id": user.pk} if signed_in else {"session_key": session_key}
    rows = visibility.prepared(_progress, signed_in=signed_in).rows(now=timezone.now(), **owner)
    best: dict[int, float] = {}
    open_cases: set[int] = set()
    for case_id, score, is_open in rows:
        if is_open:
            open_cases.add(case_id)
        elif score is not None:
            best[case_id] = float(score)
    return {
        case_id: Progress(best_score=best.get(case_id), in_progress=case_id in open_cases)
        for case_id in best.keys() | open_cases
    }


@dataclass(frozen=True)
class ListedCase:
    card: SafeString
    progress: Progress
    #: Peer difficulty: changes with every learner's submission, so it is read
    #: per page (cached for minutes, ``facility``), not kept with the card.
    facility_line: SafeString = SafeString("")


def case_list_page(*, form: CaseFilterForm, user: Any, session_key: str | None, number: Any) -> Page:
    """The page ``number`` of practice cases matching ``form``, as ``ListedCase`` items."""
    catalogue = practice_cases()
    cases = catalogue.cases
    label_choices(form)
    if form.is_valid():
        if label := form.cleaned_data.get("label"):
            cases = [case for case in cases if label.pk in case.label_ids]
        if difficulty := form.cleaned_data.get("difficulty"):
            cases = [case for case in cases if case.difficulty == difficulty]
    if locked := visibility.locked_case_ids():
        cases = [case for case in cases if case.pk not in locked]
    # get_page turns a missing, junk or out-of-range ?page= into the first or last page.
    page = Paginator(cases, CASES_PER_PAGE).get_page(number)
    progress = learner_progress(user=user, session_key=session_key)
    facilities = facility.case_facilities(case.pk for case in page.object_list)
    page.object_list = [
        ListedCase(
            card=catalogue.card(case),
            progress=progress.get(case.pk, NO_PROGRESS),
            facility_line=facility_line(facilities.get(case.pk)),
        )
        for case in page.object_list
    ]
    return page


def facility_line(figures: facility.Facility | None) -> SafeString:
    """A card's peer-difficulty line ("" until shown), rendered once per worker for
    the same figures: twenty a page, each formatting its mean, were an eighth of it."""
    if figures is None or not figures.shown:
        return SafeString("")
    return remember(("facility-line", figures), lambda: render_to_string(FACILITY_TEMPLATE, {"facility": figures}))
