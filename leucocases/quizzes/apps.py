from django.apps import AppConfig


class QuizzesConfig(AppConfig):
    name = "leucocases.quizzes"

    def ready(self):
        # Cases owns the interface (cases.policies) and never imports quizzes:
        # the quiz rules reach the case services, pages and queries this way.
        from leucocases.cases import hooks as case_hooks
        from leucocases.cases.policies import register_policy

        from . import spaced_practice
        from .policy import QuizPolicy

        register_policy(QuizPolicy())
        # Each submitted practice case reviews the learner's FSRS card of it.
        case_hooks.report_stored.connect(spaced_practice.on_report_stored)
