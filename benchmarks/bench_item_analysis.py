"""Time the quiz item analysis over 1,000 finished quiz attempts.

Run from the repository root:  python benchmarks/bench_item_analysis.py [--attempts N]

Builds a throwaway SQLite database in a temporary folder (migrations, the
shipped taxonomy and five shipped cases), makes a five-case quiz and N
finished quiz attempts (default 1,000: 5,000 case attempts, each graded by
the real engine from a random path, stored as GradedReport rows), then times,
best and median over several repeats, measured in this one run:

* first analysis   the very first quiz_analysis(): it reads every report whole
                   once and stores its digest (instructor.ReportDigest)
* baseline query   one single-row SELECT (the cheapest database round trip)
* quiz_analysis()  the selector behind /instructor/quizzes/<slug>/analysis/
* case_analysis()  the selector behind /instructor/cases/<slug>/analysis/
* baseline page    GET /healthz through Django's test client (no database)
* analysis page    GET /instructor/quizzes/<slug>/analysis/ (query + template)

and each time's ratio to its baseline. Not a test: it prints and exits.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CASE_SLUGS = (
    "crohns-azathioprine-routine-count",
    "breast-cancer-day-ten",
    "heavy-drinker-cough-and-fever",
    "tired-woman-tingling-feet",
    "young-woman-joint-pains-rash",
)
REPEATS = 7


def once(func: Callable[[], object]) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def timed(func: Callable[[], object], repeats: int = REPEATS) -> tuple[float, float]:
    func()  # warm up (imports, template loading, query plans)
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return min(samples), statistics.median(samples)


def build(attempt_count: int, seed: int = 7):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    from leucocases.cases.grading import ENGINE_VERSION, grade
    from leucocases.cases.grading import Attempt as GradingAttempt
    from leucocases.cases.keys import case_key
    from leucocases.cases.models import Attempt, Case, Choice, GradedReport
    from leucocases.quizzes.models import Quiz, QuizAttempt, QuizAttemptCase, QuizItem
    from leucocases.taxonomy.models import Cause, WorkupStep

    call_command("migrate", verbosity=0)
    call_command("load_taxonomy", verbosity=0)
    call_command("load_case_labels", verbosity=0)
    call_command("create_content_loader", verbosity=0)
    call_command(
        "import_cases",
        *(str(ROOT / "fixtures" / "cases" / f"{slug}.yaml") for slug in CASE_SLUGS),
        publish_as="content-loader",
        verbosity=0,
    )
    cases = [Case.objects.get(slug=slug) for slug in CASE_SLUGS]
    quiz = Quiz.objects.create(title="Benchmark quiz", slug="benchmark-quiz", review_status="approved")
    QuizItem.objects.bulk_create(QuizItem(quiz=quiz, case=case, position=i) for i, case in enumerate(cases, 1))

    rng = random.Random(seed)
    steps = dict(WorkupStep.objects.values_list("slug", "pk"))
    step_slugs = sorted(steps)
    causes = dict(Cause.objects.values_list("slug", "pk"))
    keys = {case.pk: case_key(case) for case in cases}

    User = get_user_model()
    # "!" + anything is Django's mark of an unusable password: these learners never log in.
    unusable = "!bench"
    users = User.objects.bulk_create(User(username=f"bench{i}", password=unusable) for i in range(attempt_count))
    start = timezone.now() - timedelta(days=1)
    quiz_attempts = QuizAttempt.objects.bulk_create(
        QuizAttempt(
            quiz=quiz,
            user=user,
            started_at=start,
            finished_at=start + timedelta(minutes=30),
            finish_reason="completed",
        )
        for user in users
    )
    attempts, paths, of_quiz_attempt = [], [], []
    for qa in quiz_attempts:
        # A learner's skill shifts every case a little the same way, so the items correlate.
        skill = rng.random()
        for minute, case in enumerate(cases, 1):
            key = keys[case.pk]
            keyed = [s.slug for s in key.steps]
            wanted = [s for s in keyed if rng.random() < 0.3 + 0.6 * skill]
            extra = rng.sample(step_slugs, rng.randint(0, 4))
            path = list(dict.fromkeys(rng.sample(wanted, len(wanted)) + extra))
            options = [o.cause for o in key.diagnosis_options]
            diagnosis = options[0] if rng.random() < skill else rng.choice(sorted(causes))
            paths.append((path, diagnosis))
            attempts.append(
                Attempt(
                    case=case,
                    user=qa.user,
                    submitted_at=start + timedelta(minutes=5 * minute),
                    diagnosis_id=causes[diagnosis],
                )
            )
            of_quiz_attempt.append(qa)
    attempts = Attempt.objects.bulk_create(attempts, batch_size=1000)
    QuizAttemptCase.objects.bulk_create(
        (
            QuizAttemptCase(quiz_attempt=qa, attempt=attempt, case_id=attempt.case_id)
            for qa, attempt in zip(of_quiz_attempt, attempts, strict=True)
        ),
        batch_size=1000,
    )
    choices, reports = [], []
    for attempt, (path, diagnosis) in zip(attempts, paths, strict=True):
        report = grade(keys[attempt.case_id], GradingAttempt(steps=tuple(path), diagnosis=diagnosis))
        choices += [Choice(attempt=attempt, step_id=steps[s], position=i) for i, s in enumerate(path, 1)]
        reports.append(
            GradedReport(
                attempt=attempt,
                data=report.to_dict(),
                engine_version=ENGINE_VERSION,
                total=report.total,
                workup_score=report.workup_score,
                diagnosis_score=report.diagnosis_score,
            )
        )
    Choice.objects.bulk_create(choices, batch_size=2000)
    GradedReport.objects.bulk_create(reports, batch_size=1000)
    superuser = User.objects.create_superuser("bench-admin", "bench@example.org", None)
    return quiz, cases[0], superuser, len(choices)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=1000, help="finished quiz attempts to make (default 1000)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-analysis-") as tmp:
        os.environ["DJANGO_DEBUG"] = "1"
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        os.environ.pop("REDIS_URL", None)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leucocases.settings")
        import django

        django.setup()
        from django.conf import settings
        from django.db import connection
        from django.test import Client

        from leucocases.instructor.selectors import case_analysis, quiz_analysis
        from leucocases.quizzes.models import Quiz

        settings.DEBUG = False  # no query log: it would make every query slower
        built = time.perf_counter()
        quiz, case, superuser, choice_count = build(args.attempts)
        built = time.perf_counter() - built

        client = Client()
        client.force_login(superuser)
        page_url = f"/instructor/quizzes/{quiz.slug}/analysis/"

        def page() -> None:
            response = client.get(page_url)
            assert response.status_code == 200, response.status_code

        def baseline_page() -> None:
            assert client.get("/healthz").status_code == 200

        first = once(lambda: quiz_analysis(quiz=quiz))
        measured = {
            "first analysis (digests)": (first, first),
            "baseline query": timed(lambda: Quiz.objects.filter(pk=quiz.pk).exists()),
            "quiz_analysis()": timed(lambda: quiz_analysis(quiz=quiz)),
            "case_analysis()": timed(lambda: case_analysis(case=case)),
            "baseline page (/healthz)": timed(baseline_page),
            "quiz analysis page": timed(page),
        }
        qa = quiz_analysis(quiz=quiz)

        print(
            f"Item analysis of a {len(qa.cases)}-case quiz over {qa.finished_attempts:,} finished quiz attempts "
            f"({qa.finished_attempts * len(qa.cases):,} graded case attempts, {choice_count:,} choices); "
            f"data built in {built:.1f} s"
        )
        sqlite = connection.Database.sqlite_version
        print(f"SQLite {sqlite}, Python {sys.version.split()[0]}, best and median of {REPEATS}\n")
        print(f"{'operation':<26} {'best ms':>10} {'median ms':>10} {'× baseline':>11}")
        for name, (best, median) in measured.items():
            base = measured["baseline page (/healthz)" if "page" in name else "baseline query"][0]
            print(f"{name:<26} {best * 1e3:>10.1f} {median * 1e3:>10.1f} {best / base:>11.0f}")
        print()
        for ca in qa.cases:
            index = "—" if ca.discrimination.index is None else f"{ca.discrimination.index:.2f}"
            print(
                f"  {ca.case.slug:<36} n={ca.summary.n:<5} facility={ca.summary.facility:5.1f}%  discrimination={index}"
            )
        connection.close()


if __name__ == "__main__":
    main()
