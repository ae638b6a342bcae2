"""``manage.py load_case_labels [PATH]``: validate the case-label file, then load it all or nothing."""

from pathlib import Path

from django.core.management.base import BaseCommand

from leucocases.cases.labels import DEFAULT_PATH, load_case_labels_file
from leucocases.editorial.loading import file_errors_reported


class Command(BaseCommand):
    help = (
        "Load the case labels (what a presentation shows: fever, routine count …) from a YAML file "
        "(default fixtures/case_labels.yaml; the format is in leucocases/cases/labels.py). Load them "
        "before importing cases that name them. Every error is reported and nothing is written if "
        "there is one; re-running updates labels in place by slug."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(DEFAULT_PATH), help="YAML file to load.")

    def handle(self, *args, path: str, **options):
        with file_errors_reported(self, path):
            summary = load_case_labels_file(Path(path))
        if options["verbosity"] > 0:
            counts = summary.counts(noun="case label", nouns="case labels", path=path)
            self.stdout.write(self.style.SUCCESS(f"{counts}."))
