from django.apps import AppConfig


class QuizzesConfig(AppConfig):
    name = "leucocases.quizzes"

    def ready(self):
        # Cases owns the interface (cases.policies) and never imports quizzes:
        # the quiz rules reach the case services, pages and queries this way.
        from leucocases.cases.policies import register_policy

        from .policy import QuizPolicy

        register_policy(QuizPolicy())
