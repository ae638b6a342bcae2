from django.apps import AppConfig


class LtiConfig(AppConfig):
    name = "leucocases.lti"
    verbose_name = "LMS integration (LTI 1.3, xAPI)"

    def ready(self):
        # The lower apps own these hooks (leucocases/hooks.py); this app, at the
        # top of the layers, is the one that listens.
        from leucocases.cases import hooks as case_hooks
        from leucocases.quizzes import hooks as quiz_hooks

        from . import listeners

        case_hooks.report_stored.connect(listeners.on_report_stored)
        quiz_hooks.quiz_attempt_finished.connect(listeners.on_quiz_attempt_finished)
