from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "leucocases.cases"
    verbose_name = "Case vignettes"

    def ready(self):
        # Auth offers no other hook at login than its signal, and anonymous
        # practice attempts must follow the visitor into their account (see
        # attempts.attempts_claim_for_user).
        from django.contrib.auth.signals import user_logged_in

        from leucocases.editorial.content_version import watch
        from leucocases.taxonomy.selectors import provide_reader_cases

        from .attempts import attempts_claim_on_login
        from .models import Case, CaseLabel, DiagnosisOption, Finding, InitialLab, OrderRule
        from .search import register_case_source
        from .visibility import reader_cases_for_cause

        # Practice cases join the site's search through taxonomy's interface (taxonomy never imports cases).
        register_case_source()

        user_logged_in.connect(attempts_claim_on_login, dispatch_uid="cases_claim_anonymous_attempts")
        # Cause pages list the reader's own solved cases; taxonomy cannot import cases.
        provide_reader_cases(reader_cases_for_cause)
        # What learners are shown of a case is kept per worker under the content version;
        # attempts, reports and review records are not content.
        watch(CaseLabel, Case, InitialLab, Finding, OrderRule, DiagnosisOption)
