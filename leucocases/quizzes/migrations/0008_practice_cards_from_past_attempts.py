"""Give learners who practised before FSRS their cards: replay each learner's
submitted practice attempts, case by case, oldest first, through the same
rating and scheduler as a live submission (``quizzes.scheduling``, pure).

Without it, "Practise my weak spots" would forget every case answered badly
under the old 1/3/7/14-day ladder until it was played again. Certainty was not
asked then, so no replayed review is Easy. A regraded attempt replays with its
current report (the one the learner reads).
"""

from itertools import groupby

from django.db import migrations

from leucocases.quizzes.scheduling import outcome_from_report, rating_for, schedule_review

BATCH = 500


def replay(apps, schema_editor):
    GradedReport = apps.get_model("cases", "GradedReport")
    PracticeCard = apps.get_model("quizzes", "PracticeCard")
    PracticeReview = apps.get_model("quizzes", "PracticeReview")
    rows = (
        GradedReport.objects.filter(
            superseded_at__isnull=True,
            attempt__user__isnull=False,
            attempt__submitted_at__isnull=False,
            attempt__quiz_case__isnull=True,
        )
        .order_by("attempt__user_id", "attempt__case_id", "attempt__submitted_at", "attempt_id")
        .values_list("attempt_id", "attempt__user_id", "attempt__case_id", "attempt__submitted_at", "data")
    )
    pending = []
    for (user_id, case_id), history in groupby(rows.iterator(chunk_size=BATCH), key=lambda row: (row[1], row[2])):
        card, reviews = None, []
        for attempt_id, _user, _case, submitted_at, data in history:
            rating = rating_for(outcome_from_report(data))
            scheduled = schedule_review(card, rating, reviewed_at=submitted_at)
            card = scheduled.card
            reviews.append((attempt_id, submitted_at, scheduled))
        pending.append(
            (
                PracticeCard(
                    user_id=user_id, case_id=case_id, card=card, due=reviews[-1][2].due, last_reviewed_at=reviews[-1][1]
                ),
                reviews,
            )
        )
        if len(pending) >= BATCH:
            _store(PracticeCard, PracticeReview, pending)
            pending = []
    _store(PracticeCard, PracticeReview, pending)


def _store(PracticeCard, PracticeReview, pending):
    if not pending:
        return
    cards = PracticeCard.objects.bulk_create([card for card, _ in pending])
    PracticeReview.objects.bulk_create(
        PracticeReview(card=card, attempt_id=attempt_id, reviewed_at=reviewed_at, **scheduled.log_columns())
        for card, (_, reviews) in zip(cards, pending, strict=True)
        for attempt_id, reviewed_at, scheduled in reviews
    )


class Migration(migrations.Migration):
    dependencies = [("quizzes", "0007_practice_cards_and_reviews")]

    operations = [migrations.RunPython(replay, migrations.RunPython.noop)]
