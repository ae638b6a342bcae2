from django.apps import AppConfig


class TaxonomyConfig(AppConfig):
    name = "leucocases.taxonomy"
    verbose_name = "Causes, references and workup"

    def ready(self):
        from leucocases.editorial.content_version import watch

        from .models import Cause, CauseGroup, Fact, Mechanism, Reference, Topic, WorkupStep
        from .search.taxonomy_sources import register_taxonomy_sources

        register_taxonomy_sources()
        # Every page built from these is kept per worker under the content version.
        # Not the search index's models: search keeps its own version (search/snapshot.py).
        watch(CauseGroup, Mechanism, Reference, Cause, Topic, Fact, WorkupStep)
