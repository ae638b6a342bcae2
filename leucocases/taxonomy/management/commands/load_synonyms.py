"""``manage.py load_synonyms [PATH]``: load the search synonym table (default fixtures/synonyms.yaml)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from leucocases.taxonomy.search.synonyms import DEFAULT_PATH, SynonymFileError, load_synonyms_file


class Command(BaseCommand):
    help = "Load the synonym groups search uses; validates the whole file first and writes all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(DEFAULT_PATH))

    def handle(self, *args, path: str, **options):
        try:
            count = load_synonyms_file(Path(path))
        except SynonymFileError as exc:
            for error in exc.errors:
                self.stderr.write(f"{path}: {error}")
            raise CommandError(f"{len(exc.errors)} error(s) in {path}; nothing was written.") from None
        if options["verbosity"] > 0:
            self.stdout.write(self.style.SUCCESS(f"Loaded {count} synonym groups from {path}."))
