"""``manage.py rebuild_search_index``: index every fact, cause, topic, workup step and practice case afresh.

The loaders and the admin keep the index in step as they write; this is for
content written any other way (a shell session, a restored dump).
"""

from django.core.management.base import BaseCommand

from leucocases.taxonomy.search.index import search_index_rebuild


class Command(BaseCommand):
    help = "Rebuild the search index from the content in the database."

    def handle(self, *args, **options):
        count = search_index_rebuild()
        if options["verbosity"] > 0:
            self.stdout.write(self.style.SUCCESS(f"Indexed {count} entries."))
