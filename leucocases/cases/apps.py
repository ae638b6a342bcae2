from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "leucocases.cases"
    verbose_name = "Case vignettes"
