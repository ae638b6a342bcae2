"""``manage.py load_quizzes [PATH]``: validate the quiz file, then load it all or nothing."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from leucocases.quizzes.content import DEFAULT_PATH, QuizFileError, load_quizzes_file


class Command(BaseCommand):
    help = (
        "Load quizzes from a YAML file (default fixtures/quizzes.yaml; the format is in "
        "leucocases/quizzes/content.py). Cases must be imported first. Every error is reported and "
        "nothing is written if there is one; re-running updates quizzes in place by slug."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(DEFAULT_PATH), help="YAML file to load.")

    def handle(self, *args, path: str, **options):
        try:
            summary = load_quizzes_file(Path(path))
        except QuizFileError as exc:
            for error in exc.errors:
                self.stderr.write(f"{path}: {error}")
            count = len(exc.errors)
            raise CommandError(f"{count} error{'s' if count != 1 else ''} in {path}; nothing was written.") from None
        if options["verbosity"] > 0:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Loaded {summary.total} quiz{'zes' if summary.total != 1 else ''} from {path}: "
                    f"{len(summary.created)} created, {len(summary.updated)} updated, "
                    f"{len(summary.unchanged)} unchanged."
                )
            )
        if options["verbosity"] >= 2:
            for outcome in ("created", "updated", "unchanged"):
                for slug in getattr(summary, outcome):
                    self.stdout.write(f"  {outcome}: {slug}")
