from django.apps import AppConfig


class QuizzesConfig(AppConfig):
    name = "leucocases.quizzes"

    def ready(self):
        # Cases owns the interface (cases.policies) and never imports quizzes:
        # the quiz rules reach the case services, pages and queries this way.
        from leucocases.cases import hooks as case_hooks
        from leucocases.cases.policies import register_policy
        from leucocases.editorial.content_version import watch

        from . import spaced_practice
        from .models import Quiz, QuizItem
        from .policy import QuizPolicy

        register_policy(QuizPolicy())
        # Quizzes and their items are content; cohorts and attempts belong to people.
        watch(Quiz, QuizItem)
        # Each submitted practice case reviews the learner's FSRS card of it.
        case_hooks.report_stored.connect(spaced_practice.on_report_stored)
        # ... and so does one played anonymously, once it joins the learner's account.
        case_hooks.attempts_claimed.connect(spaced_practice.on_attempts_claimed)
