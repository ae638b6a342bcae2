from django.apps import AppConfig


class TaxonomyConfig(AppConfig):
    name = "leucocases.taxonomy"
    verbose_name = "Causes, references and workup"
