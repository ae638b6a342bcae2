from django.apps import AppConfig


class EditorialConfig(AppConfig):
    name = "leucocases.editorial"
    verbose_name = "Editorial workflow"
