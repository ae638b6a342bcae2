from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "leucocases.cases"
    verbose_name = "Case vignettes"

    def ready(self):
        # The one signal in the project: auth offers no other hook at login,
        # and anonymous practice attempts must follow the visitor into their
        # account (see attempts.attempts_claim_for_user).
        from django.contrib.auth.signals import user_logged_in

        from leucocases.taxonomy.selectors import provide_reader_cases

        from .attempts import attempts_claim_on_login
        from .search import register_case_source
        from .visibility import reader_cases_for_cause

        # Practice cases join the site's search through taxonomy's interface (taxonomy never imports cases).
        register_case_source()

        user_logged_in.connect(attempts_claim_on_login, dispatch_uid="cases_claim_anonymous_attempts")
        # Cause pages list the reader's own solved cases; taxonomy cannot import cases.
        provide_reader_cases(reader_cases_for_cause)
