"""``manage.py load_taxonomy [PATH]``: validate the taxonomy file, then load it all or nothing."""

from pathlib import Path

from django.core.management.base import BaseCommand

from leucocases.editorial.loading import file_errors_reported
from leucocases.taxonomy.content import DEFAULT_PATH, load_taxonomy_file


class Command(BaseCommand):
    help = (
        "Load references, cause groups, mechanisms, causes, topics, facts and workup steps from a YAML file "
        "(default fixtures/taxonomy.yaml). Every error is reported and nothing is written if there is one; "
        "re-running updates in place."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(DEFAULT_PATH), help="YAML file to load.")

    def handle(self, *args, path: str, **options):
        with file_errors_reported(self, path, loosely=True):
            summary = load_taxonomy_file(Path(path))
        if options["verbosity"] > 0:
            for line in summary.lines():
                self.stdout.write(line)
            self.stdout.write(self.style.SUCCESS(f"Loaded {path}."))
