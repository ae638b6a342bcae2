"""``manage.py load_case_labels [PATH]``: validate the case-label file, then load it all or nothing."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from leucocases.cases.labels import DEFAULT_PATH, LabelFileError, load_case_labels_file


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
        try:
            summary = load_case_labels_file(Path(path))
        except LabelFileError as exc:
            for error in exc.errors:
                self.stderr.write(f"{path}: {error}")
            count = len(exc.errors)
            raise CommandError(f"{count} error{'s' if count != 1 else ''} in {path}; nothing was written.") from None
        if options["verbosity"] > 0:
            total = len(summary.created) + len(summary.updated) + len(summary.unchanged)
            self.stdout.write(
                self.style.SUCCESS(
                    f"Loaded {total} case label{'s' if total != 1 else ''} from {path}: "
                    f"{len(summary.created)} created, {len(summary.updated)} updated, "
                    f"{len(summary.unchanged)} unchanged."
                )
            )
