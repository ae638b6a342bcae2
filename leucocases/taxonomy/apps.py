from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class TaxonomyConfig(AppConfig):
    name = "leucocases.taxonomy"
    verbose_name = "Causes, references and workup"

    def ready(self):
        from .diagnosis_menu import forget_diagnosis_menu
        from .models import Cause, CauseGroup
        from .search.taxonomy_sources import register_taxonomy_sources

        register_taxonomy_sources()

        # A renamed, published, moved or deleted cause (or group) must reach the
        # play pages' diagnosis list at once, not when its cache entry expires.
        for model in (Cause, CauseGroup):
            post_save.connect(forget_diagnosis_menu, sender=model, dispatch_uid=f"diagnosis-menu-save-{model.__name__}")
            post_delete.connect(
                forget_diagnosis_menu, sender=model, dispatch_uid=f"diagnosis-menu-delete-{model.__name__}"
            )
