"""Playing a case: start or resume an attempt, choose steps, submit, claim.

Every write a learner's attempt goes through lives here, as keyword-only
functions named ``<thing>_<action>``. Views only read input, call these, and
render. Nothing here returns any part of the answer key before submission:
``attempt_chosen_steps`` hands the play page the findings' results only.

Quiz attempts: a case attempt with ``quiz_attempt`` set belongs to a quiz and
is played only through the quiz runner. Practice look-ups here never pick one
up, and choosing or submitting on one after its quiz's deadline is refused
(``ValidationError`` code ``time_up``) whoever calls: the quiz app then
finishes the quiz attempt (``quizzes.services.quiz_attempt_finish``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, FloatField, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.utils import timezone

from leucocases.quizzes.models import Quiz, QuizAttempt
from leucocases.taxonomy.models import Cause, Reference, WorkupStep

from . import hooks
from .charts import SeriesChart, format_number, series_chart
from .grading import ENGINE_VERSION, DiagnosisVerdict, Report, Tier, Verdict
from .keys import grade_path
from .models import Attempt, Case, Choice, Finding, GradedReport
from .visibility import attempts_with_visible_reports

logger = logging.getLogger(__name__)

#: Session key listing the attempts this browser started before logging in.
#: Login cycles the session key but keeps the session's data, so these ids are
#: how the attempts find their way to the account (see attempts_claim_for_user).
ANON_ATTEMPTS_SESSION_KEY = "anon_attempt_ids"

#: Peer statistics appear only once this many attempts have been submitted:
#: fewer would say little and could single out one learner's answers.
PEER_STATS_MINIMUM = 5
# Peer statistics are a summary of hundreds of attempts: minutes-old figures are fine.
PEER_STATS_CACHE_SECONDS = 600

TIME_UP_MESSAGE = "Time is up for this quiz: no more steps can be ordered or diagnoses submitted."


# --------------------------------------------------------------------------
# Starting, choosing, submitting
# --------------------------------------------------------------------------


def attempt_find_open(
    *, case: Case, user: AbstractBaseUser | AnonymousUser | None, session_key: str | None
) -> Attempt | None:
    """The learner's open attempt on ``case``, without creating one.

    Reading a case must not write: crawlers and readers who only look would
    otherwise fill the attempts table. The first choice starts the attempt.
    """
    return (
        Attempt.objects.owned_by(user=user, session_key=session_key)
        .open()
        .filter(case=case, quiz_attempt__isnull=True)
        .first()
    )


def attempt_start_or_resume(
    *, case: Case, user: AbstractBaseUser | AnonymousUser | None, session: SessionBase
) -> Attempt:
    """Return the learner's open attempt on ``case``, starting one if needed.

    A logged-in learner's attempts belong to the account; an anonymous
    visitor's to the session, which is created here if the visitor has none.
    A quiz's case attempt is never resumed here: it is played in the quiz.
    """
    if user is not None and user.is_authenticated:
        attempt = Attempt.objects.owned_by(user=user).open().filter(case=case, quiz_attempt__isnull=True).first()
        if attempt is None:
            attempt = Attempt.objects.create(case=case, user=user, case_version=case.version)
        return attempt

    if not session.session_key:
        session.save()
    attempt = (
        Attempt.objects.owned_by(session_key=session.session_key)
        .open()
        .filter(case=case, quiz_attempt__isnull=True)
        .first()
    )
    if attempt is None:
        attempt = Attempt.objects.create(case=case, session_key=session.session_key, case_version=case.version)
        ids = [int(i) for i in session.get(ANON_ATTEMPTS_SESSION_KEY, [])]
        session[ANON_ATTEMPTS_SESSION_KEY] = [*ids, attempt.pk]
    return attempt


@dataclass(frozen=True, slots=True)
class ChoiceOutcome:
    """The stored choice, and whether this call made it (False: chosen before)."""

    choice: Choice
    created: bool


def attempt_choose_step(*, attempt: Attempt, step: WorkupStep) -> ChoiceOutcome:
    """Store ``step`` as the attempt's next choice, at once.

    Choosing a step already chosen changes nothing and returns the earlier
    choice (``created=False``). A submitted attempt refuses any choice with a
    ``ValidationError`` (code ``attempt_submitted``); a quiz's case attempt
    past the quiz's deadline with code ``time_up``.
    """
    with transaction.atomic():
        # The row lock serialises two choices racing on one attempt (PostgreSQL);
        # the unique constraints are the backstop everywhere.
        locked = _locked_attempt(attempt)
        _refuse_after_deadline(locked)
        if locked.is_submitted:
            raise ValidationError(
                "This attempt has been submitted; no more steps can be ordered.", code="attempt_submitted"
            )
        existing = Choice.objects.filter(attempt=locked, step=step).first()
        if existing is not None:
            return ChoiceOutcome(choice=existing, created=False)
        last = Choice.objects.filter(attempt=locked).aggregate(last=Max("position"))["last"] or 0
        try:
            with transaction.atomic():
                choice = Choice.objects.create(attempt=locked, step=step, position=last + 1)
        except IntegrityError:
            existing = Choice.objects.filter(attempt=locked, step=step).first()
            if existing is None:
                raise
            return ChoiceOutcome(choice=existing, created=False)
    return ChoiceOutcome(choice=choice, created=True)


def _locked_attempt(attempt: Attempt) -> Attempt:
    # Lock the attempt row only (``of``): joining the case and quiz attempt
    # must not lock them too, or every learner submitting the same case would
    # queue behind each other, and a quiz finishing (which locks the quiz
    # attempt first) could deadlock with a choice.
    return Attempt.objects.select_for_update(of=("self",)).select_related("case", "quiz_attempt").get(pk=attempt.pk)


def _hold_key(case_id: int) -> None:
    """Keep the case's key from changing until this transaction ends.

    A share lock on the case row: submissions of one case do not wait for each
    other, but a key edit (the admin and the importer update the case row
    before its key rows) waits for the submissions in flight, which graded with
    the old key, to be stored. Without it a regrade run right after the edit
    could miss a submission still in flight, which then kept a report from the
    old key. PostgreSQL only: SQLite runs one writer at a time anyway.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {Case._meta.db_table} WHERE id = %s FOR SHARE", [case_id])  # noqa: S608


def _refuse_after_deadline(locked: Attempt, now: Any = None) -> None:
    """A quiz's case attempt accepts nothing once the quiz's time is up."""
    quiz_attempt = locked.quiz_attempt
    if quiz_attempt is None:
        return
    if quiz_attempt.is_past_deadline(now) or quiz_attempt.finish_reason == QuizAttempt.FinishReason.TIME_UP:
        raise ValidationError(TIME_UP_MESSAGE, code="time_up")


def attempt_submit(*, attempt: Attempt, diagnosis: Cause | None, enforce_deadline: bool = True) -> GradedReport:
    """Grade the attempt and store its report, exactly once.

    A second submission (a double click, a replayed form) changes nothing and
    returns the report stored by the first. Raises ``InvalidKeyError`` when the
    case's key cannot be graded; nothing is stored then.

    A quiz's case attempt past the quiz's deadline is refused
    (``ValidationError`` code ``time_up``) unless ``enforce_deadline`` is
    False: the quiz app passes that when time is up, to grade the attempt as
    it stands (``diagnosis=None``).
    """
    with transaction.atomic():
        locked = _locked_attempt(attempt)
        if locked.is_submitted:
            return _current_report(locked)
        if enforce_deadline:
            _refuse_after_deadline(locked)
        _hold_key(locked.case_id)
        step_slugs = list(locked.choices.order_by("position").values_list("step__slug", flat=True))
        report = grade_path(
            case=locked.case,
            step_slugs=step_slugs,
            diagnosis_slug=None if diagnosis is None else diagnosis.slug,
        )
        try:
            with transaction.atomic():
                graded = GradedReport.objects.create(
                    attempt=locked,
                    data=report.to_dict(),
                    engine_version=ENGINE_VERSION,
                    total=report.total,
                    workup_score=report.workup_score,
                    diagnosis_score=report.diagnosis_score,
                    case_version=locked.case.version,
                )
        except IntegrityError:
            # one_current_report_per_attempt: another request stored it first.
            return _current_report(locked)
        locked.diagnosis = diagnosis
        locked.submitted_at = timezone.now()
        locked.save(update_fields=["diagnosis", "submitted_at"])
        hooks.report_stored.fire_on_commit(hooks.ReportStored(locked.pk, graded.pk, hooks.SUBMISSION))
    attempt.diagnosis = locked.diagnosis
    attempt.submitted_at = locked.submitted_at
    return graded


def _current_report(attempt: Attempt) -> GradedReport:
    return GradedReport.objects.get(attempt=attempt, superseded_at__isnull=True)


def attempt_current_report(*, attempt: Attempt) -> GradedReport | None:
    """The report the learner sees: the one not superseded by a regrade."""
    return GradedReport.objects.filter(attempt=attempt, superseded_at__isnull=True).first()


# --------------------------------------------------------------------------
# Anonymous attempts follow the visitor into their account
# --------------------------------------------------------------------------


def attempts_claim_for_user(*, session_key: str | None, user: AbstractBaseUser, attempt_ids: Iterable[int] = ()) -> int:
    """Move anonymous attempts to ``user``; return how many moved.

    Claims attempts that have no user and either were listed in the session
    (``attempt_ids``, which survive the session-key change at login) or still
    carry ``session_key``. Another account's attempts are never touched.
    """
    conditions = []
    ids = [int(i) for i in attempt_ids]
    if ids:
        conditions.append(Q(pk__in=ids))
    if session_key:
        conditions.append(Q(session_key=session_key))
    if not conditions:
        return 0
    match = conditions[0] if len(conditions) == 1 else conditions[0] | conditions[1]
    return Attempt.objects.filter(match, user__isnull=True).update(user=user, session_key="")


def attempts_claim_on_login(sender: Any, request: Any, user: AbstractBaseUser, **kwargs: Any) -> None:
    """``user_logged_in`` receiver: the one hook auth offers for this."""
    if request is None or not hasattr(request, "session"):
        return
    session = request.session
    ids = session.get(ANON_ATTEMPTS_SESSION_KEY, [])
    claimed = attempts_claim_for_user(session_key=session.session_key, user=user, attempt_ids=ids)
    if ANON_ATTEMPTS_SESSION_KEY in session:
        del session[ANON_ATTEMPTS_SESSION_KEY]
    if claimed:
        logger.info("Moved %s anonymous attempt(s) to user %s on login", claimed, user.pk)


# --------------------------------------------------------------------------
# What the play page shows (results only, never the key)
# --------------------------------------------------------------------------


#: Shown for a step the case does not key when its catalogue entry has no default result.
NEUTRAL_RESULT = "Nothing abnormal."


@dataclass(frozen=True, slots=True)
class ChosenStep:
    """One ordered step and what it revealed. Deliberately holds no tier,
    rationale or citation, nor whether the case keys the step at all, so a
    template cannot leak them."""

    position: int
    step: WorkupStep
    result: str
    table: tuple[dict[str, Any], ...]
    chart: SeriesChart | None


def attempt_chosen_steps(*, attempt: Attempt) -> list[ChosenStep]:
    """The attempt's choices in order, each with its finding's result, or for
    a step the case does not key the catalogue's neutral default result
    (``WorkupStep.default_result``), shown the same way.

    Two queries whatever the number of choices.
    """
    choices = list(Choice.objects.filter(attempt=attempt).select_related("step").order_by("position"))
    if not choices:
        return []
    findings = {
        f.step_id: f
        for f in Finding.objects.filter(case_id=attempt.case_id, step_id__in=[c.step_id for c in choices]).only(
            "pk", "step_id", "result", "table", "series"
        )
    }
    chosen = []
    for choice in choices:
        finding = findings.get(choice.step_id)
        table = tuple(row for row in (finding.table if finding else None) or () if isinstance(row, dict))
        chosen.append(
            ChosenStep(
                position=choice.position,
                step=choice.step,
                result=finding.result if finding else (choice.step.default_result or NEUTRAL_RESULT),
                table=table,
                chart=series_chart(finding.series) if finding else None,
            )
        )
    return chosen


# --------------------------------------------------------------------------
# How other learners chose
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PeerShare:
    slug: str
    name: str
    count: int
    percent: float


@dataclass(frozen=True, slots=True)
class PeerStats:
    """Shares of submitted attempts; ``shown`` is False below the minimum."""

    submitted: int
    shown: bool
    steps: tuple[PeerShare, ...] = ()
    diagnoses: tuple[PeerShare, ...] = ()
    no_diagnosis: int = 0
    minimum: int = PEER_STATS_MINIMUM


def peer_stats_cache_key(*, case_pk: int, submitted: int) -> str:
    """The cache entry for a case's peer statistics at this many submissions.

    Exact while a case has few submissions (where each one shifts the shares);
    from 40 on, one entry per 5 % of growth (a geometric bucket), so a busy case
    is aggregated again every few dozen submissions rather than on every report
    view. Entries also expire.
    """
    if submitted < 40:
        return f"peer-stats:v1:{case_pk}:n{submitted}"
    return f"peer-stats:v1:{case_pk}:g{int(math.log(submitted) / math.log(1.05))}"


def peer_choice_stats(*, case: Case) -> PeerStats:
    """How learners who submitted ``case`` chose: the share choosing each
    step and the spread of diagnoses. One count, then (on a cache miss) two
    aggregates over every submitted attempt of the case."""
    submitted = Attempt.objects.filter(case=case).submitted()
    total = submitted.count()
    if total < PEER_STATS_MINIMUM:
        return PeerStats(submitted=total, shown=False)
    key = peer_stats_cache_key(case_pk=case.pk, submitted=total)
    if (stats := cache.get(key)) is None:
        stats = _aggregate_peer_stats(case=case, submitted=submitted, total=total)
        cache.set(key, stats, PEER_STATS_CACHE_SECONDS)
    return stats


def _aggregate_peer_stats(*, case: Case, submitted: QuerySet[Attempt], total: int) -> PeerStats:
    def share(slug: str, name: str, count: int) -> PeerShare:
        return PeerShare(slug=slug, name=name, count=count, percent=round(100.0 * count / total, 1))

    step_rows = (
        Choice.objects.filter(attempt__case=case, attempt__submitted_at__isnull=False)
        .values("step__slug", "step__name")
        .annotate(n=Count("attempt", distinct=True))
        .order_by("-n", "step__name")
    )
    diagnosis_rows = (
        submitted.values("diagnosis__slug", "diagnosis__name").annotate(n=Count("pk")).order_by("-n", "diagnosis__name")
    )
    diagnoses = []
    no_diagnosis = 0
    for row in diagnosis_rows:
        if row["diagnosis__slug"] is None:
            no_diagnosis = row["n"]
        else:
            diagnoses.append(share(row["diagnosis__slug"], row["diagnosis__name"], row["n"]))
    return PeerStats(
        submitted=total,
        shown=True,
        steps=tuple(share(r["step__slug"], r["step__name"], r["n"]) for r in step_rows),
        diagnoses=tuple(diagnoses),
        no_diagnosis=no_diagnosis,
    )


# --------------------------------------------------------------------------
# The case list: the learner's progress on each case, without N+1 queries
# --------------------------------------------------------------------------


def cases_with_progress(*, cases: QuerySet[Case], user: Any, session_key: str | None) -> QuerySet[Case]:
    """Annotate each case with the learner's ``best_score`` (highest current
    report total they may see now, or None) and ``in_progress`` (an open
    practice attempt exists)."""
    owned = Attempt.objects.owned_by(user=user, session_key=session_key)
    if not ((user is not None and user.is_authenticated) or session_key):
        return cases.annotate(best_score=Value(None, output_field=FloatField()), in_progress=Value(False))
    # A score is a report's summary: exams in force keep theirs to themselves
    # (visibility.py); quiz case attempts are played in the quiz, so they do
    # not make the practice case "in progress".
    visible = attempts_with_visible_reports(user=user, session_key=session_key)
    best = (
        GradedReport.objects.filter(attempt__in=visible, attempt__case=OuterRef("pk"), superseded_at__isnull=True)
        .order_by("-total")
        .values("total")[:1]
    )
    return cases.annotate(
        best_score=Subquery(best, output_field=FloatField()),
        in_progress=Exists(owned.open().filter(case=OuterRef("pk"), quiz_attempt__isnull=True)),
    )


def case_open_exam_attempt(*, case: Case, user: Any) -> QuizAttempt | None:
    """The exam-mode quiz attempt under way that includes ``case``, if any.

    Until that quiz attempt is finished the learner may neither practise the
    case nor read any report on it: either would show the answer key mid-exam.
    One query; none for anonymous visitors (they cannot take quizzes).
    """
    if user is None or not user.is_authenticated:
        return None
    # An exam whose time ran out is over, even before anyone records it.
    running = Q(deadline__isnull=True) | Q(deadline__gt=timezone.now())
    return (
        QuizAttempt.objects.filter(
            running,
            user=user,
            finished_at__isnull=True,
            quiz__mode=Quiz.Mode.EXAM,
            case_attempts__case=case,
        )
        .order_by("pk")
        .first()
    )


# --------------------------------------------------------------------------
# The report page: a stored Report with names in place of slugs
# --------------------------------------------------------------------------

VERDICT_LABELS = {
    Verdict.ESSENTIAL: "Essential",
    Verdict.USEFUL: "Useful",
    Verdict.LOW_YIELD: "Low yield",
    Verdict.HARMFUL: "Harmful",
    Verdict.PREMATURE: "Premature",
    Verdict.NOT_CONTRIBUTORY: "Not contributory",
}
DIAGNOSIS_LABELS = {
    DiagnosisVerdict.CORRECT: "Correct",
    DiagnosisVerdict.PARTIAL: "Partly correct",
    DiagnosisVerdict.INCORRECT: "Incorrect",
    DiagnosisVerdict.NONE: "No diagnosis given",
}


@dataclass(frozen=True, slots=True)
class Citation:
    key: str
    number: int | None  # None: the reference has since been removed


@dataclass(frozen=True, slots=True)
class RuleLine:
    before_name: str
    rationale: str
    citations: tuple[Citation, ...]
    counts_as_harmful: bool


@dataclass(frozen=True, slots=True)
class ReportLine:
    position: int
    step_slug: str
    step_name: str
    verdict: str
    verdict_label: str
    points: float
    rationale: str
    citations: tuple[Citation, ...]
    broken_rules: tuple[RuleLine, ...]
    in_expert_path: bool

    @property
    def points_text(self) -> str:
        """Signed, with a true minus sign: "+33.3", "−5", "0"."""
        text = format_number(abs(self.points))
        if self.points > 0:
            return f"+{text}"
        return f"\u2212{text}" if self.points < 0 else text


@dataclass(frozen=True, slots=True)
class MissedLine:
    step_name: str
    rationale: str
    citations: tuple[Citation, ...]


@dataclass(frozen=True, slots=True)
class ViolationLine:
    step_name: str
    before_name: str
    position: int
    before_position: int | None
    rationale: str
    citations: tuple[Citation, ...]
    counts_as_harmful: bool


@dataclass(frozen=True, slots=True)
class DiagnosisLine:
    verdict: str
    verdict_label: str
    chosen_name: str | None
    correct_name: str
    credit_percent: str
    points: float
    rationale: str
    citations: tuple[Citation, ...]
    correct_rationale: str
    correct_citations: tuple[Citation, ...]
    explains_chosen: bool


@dataclass(frozen=True, slots=True)
class ScoringText:
    essential_total: int
    essential_total_points: str
    per_essential: str
    low_yield_penalty: str
    harmful_penalty: str
    workup_weight: str
    diagnosis_weight: str
    harmful_cap: str


@dataclass(frozen=True, slots=True)
class ReportDisplay:
    """Everything the report template shows, slugs already turned into names."""

    report: Report
    lines: tuple[ReportLine, ...]
    missed: tuple[MissedLine, ...]
    violations: tuple[ViolationLine, ...]
    diagnosis: DiagnosisLine
    expert_path: tuple[str, ...]
    learner_path: tuple[str, ...]
    cap_reasons: tuple[str, ...]
    relevant_chosen: int
    scoring: ScoringText
    references: tuple[Reference, ...]


def report_display(*, report: Report) -> ReportDisplay:
    """Prepare a stored report for the page: three queries (step names, cause
    names, references), however long the report."""
    step_slugs: set[str] = set(report.expert_path) | set(report.learner_path)
    step_slugs |= {m.step for m in report.missed_essentials}
    step_slugs |= {v.before for v in report.order_violations}
    for line in report.lines:
        step_slugs.add(line.step)
        step_slugs |= {r.before for r in line.broken_rules}
    step_names = dict(WorkupStep.objects.filter(slug__in=step_slugs).values_list("slug", "name"))
    cause_slugs = {report.diagnosis.correct_cause} | ({report.diagnosis.chosen} if report.diagnosis.chosen else set())
    cause_names = dict(Cause.objects.filter(slug__in=cause_slugs).values_list("slug", "name"))

    cited: set[str] = set(report.diagnosis.citations) | set(report.diagnosis.correct_citations)
    for line in report.lines:
        cited |= set(line.citations)
        for rule in line.broken_rules:
            cited |= set(rule.citations)
    for item in (*report.missed_essentials, *report.order_violations):
        cited |= set(item.citations)
    references = tuple(Reference.objects.filter(key__in=cited).order_by("number"))
    numbers = {ref.key: ref.number for ref in references}

    def cite(keys: Iterable[str]) -> tuple[Citation, ...]:
        return tuple(Citation(key=k, number=numbers.get(k)) for k in keys)

    def step_name(slug: str) -> str:
        # A step renamed or deleted since grading still shows its identifier.
        return step_names.get(slug, slug)

    expert = set(report.expert_path)
    lines = tuple(
        ReportLine(
            position=line.position,
            step_slug=line.step,
            step_name=step_name(line.step),
            verdict=str(line.verdict),
            verdict_label=VERDICT_LABELS[line.verdict],
            points=line.points,
            rationale=line.rationale,
            citations=cite(line.citations),
            broken_rules=tuple(
                RuleLine(
                    before_name=step_name(rule.before),
                    rationale=rule.rationale,
                    citations=cite(rule.citations),
                    counts_as_harmful=rule.premature_counts_as_harmful,
                )
                for rule in line.broken_rules
            ),
            in_expert_path=line.step in expert,
        )
        for line in report.lines
    )
    cap_reasons = tuple(
        line.step_name
        for line, raw in zip(lines, report.lines, strict=True)
        if raw.verdict is Verdict.HARMFUL
        or (
            raw.verdict is Verdict.PREMATURE
            and (raw.tier is Tier.HARMFUL or any(r.premature_counts_as_harmful for r in raw.broken_rules))
        )
    )
    d = report.diagnosis
    diagnosis = DiagnosisLine(
        verdict=str(d.verdict),
        verdict_label=DIAGNOSIS_LABELS[d.verdict],
        chosen_name=None if d.chosen is None else cause_names.get(d.chosen, d.chosen),
        correct_name=cause_names.get(d.correct_cause, d.correct_cause),
        credit_percent=format_number(round(100 * d.credit, 1)),
        points=d.points,
        rationale=d.rationale,
        citations=cite(d.citations),
        correct_rationale=d.correct_rationale,
        correct_citations=cite(d.correct_citations),
        # The engine explains a chosen cause the key lists with that option's
        # rationale; one it does not list gets the correct cause's rationale.
        explains_chosen=d.verdict is not DiagnosisVerdict.CORRECT
        and d.chosen is not None
        and d.rationale != d.correct_rationale,
    )
    s = report.scoring
    per_essential = s.essential_total_points / report.essential_total if report.essential_total else 0.0
    scoring = ScoringText(
        essential_total=report.essential_total,
        essential_total_points=format_number(s.essential_total_points),
        per_essential=format_number(round(per_essential, 1)),
        low_yield_penalty=format_number(s.low_yield_penalty),
        harmful_penalty=format_number(s.harmful_penalty),
        workup_weight=format_number(s.workup_weight),
        diagnosis_weight=format_number(s.diagnosis_weight),
        harmful_cap=format_number(s.harmful_cap),
    )
    return ReportDisplay(
        report=report,
        lines=lines,
        missed=tuple(
            MissedLine(step_name=step_name(m.step), rationale=m.rationale, citations=cite(m.citations))
            for m in report.missed_essentials
        ),
        violations=tuple(
            ViolationLine(
                step_name=step_name(v.step),
                before_name=step_name(v.before),
                position=v.position,
                before_position=v.before_position,
                rationale=v.rationale,
                citations=cite(v.citations),
                counts_as_harmful=v.counts_as_harmful,
            )
            for v in report.order_violations
        ),
        diagnosis=diagnosis,
        expert_path=tuple(step_name(s) for s in report.expert_path),
        learner_path=tuple(step_name(s) for s in report.learner_path),
        cap_reasons=cap_reasons,
        relevant_chosen=sum(1 for line in report.lines if line.tier in (Tier.ESSENTIAL, Tier.USEFUL)),
        scoring=scoring,
        references=references,
    )
