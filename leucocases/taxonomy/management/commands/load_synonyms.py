"""``manage.py load_synonyms [PATH]``: load the search synonym table (default fixtures/synonyms.yaml)."""

from pathlib import Path

from django.core.management.base import BaseCommand

from leucocases.editorial.loading import file_errors_reported
from leucocases.taxonomy.search.synonyms import DEFAULT_PATH, SynonymFileError, load_synonyms_file


class Command(BaseCommand):
    help = "Load the synonym groups search uses; validates the whole file first and writes all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(DEFAULT_PATH))

    def handle(self, *args, path: str, **options):
        with file_errors_reported(self, path, catch=SynonymFileError, loosely=True):
            count = load_synonyms_file(Path(path))
        if options["verbosity"] > 0:
            self.stdout.write(self.style.SUCCESS(f"Loaded {count} synonym groups from {path}."))
