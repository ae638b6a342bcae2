"""manage.py import_cases PATH... [--author USERNAME] [--publish-as USERNAME] [--dry-run]:
check every case file, then save all or nothing, through the review workflow."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from leucocases.cases.casefile.importer import casefile_read
from leucocases.cases.import_report import (
    dry_run_summary,
    expert_path_summary,
    import_drafts_note,
    import_refusal,
    import_summary,
)
from leucocases.cases.import_workflow import case_files_import
from leucocases.editorial.access import instructor_named


class Command(BaseCommand):
    help = (
        "Import case files (YAML or JSON, see docs/case-format.md). Directories are searched "
        "recursively. Every file is checked first; one error anywhere and nothing is written. "
        "Cases are imported as drafts for review: new cases as new drafts, approved cases into their "
        "draft of changes (learners keep playing the approved version). With --publish-as, files that "
        "say 'status: approved' are published, recorded as that instructor's approval. Attempts and "
        "their reports are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="A case file or a directory of them.")
        parser.add_argument(
            "--author",
            metavar="USERNAME",
            help="The instructor who wrote the files: recorded as the author of new cases and of each change; "
            "they may not review or approve them.",
        )
        parser.add_argument(
            "--publish-as",
            metavar="USERNAME",
            help="Publish the files that say 'status: approved', recorded as this instructor's approval "
            "(e.g. content-loader, see create_content_loader). Refused for a case this person wrote or edited.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the files and print every problem, or how each case's expert path grades; write nothing.",
        )

    def handle(self, *args, paths, author, publish_as, dry_run=False, **options):
        if dry_run:
            self._dry_run(paths)
            return
        try:
            author_user = instructor_named(author) if author else None
            publisher = instructor_named(publish_as) if publish_as else None
            result = case_files_import(paths=paths, author=author_user, publisher=publisher)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self._refuse_errors(result.errors)
        self.stdout.write(self.style.SUCCESS(import_summary(result, publisher=publisher)))
        note = import_drafts_note(result)
        if note and options["verbosity"] > 0:
            self.stdout.write(note)
        if options["verbosity"] >= 2:
            for outcome in ("created", "updated", "unchanged", "published", "pending"):
                for slug in getattr(result, outcome):
                    self.stdout.write(f"  {outcome}: {slug}")

    def _refuse_errors(self, errors) -> None:
        if errors:
            for error in errors:
                self.stderr.write(str(error))
            raise CommandError(import_refusal(errors))

    def _dry_run(self, paths) -> None:
        result = casefile_read(paths=paths)
        self._refuse_errors(result.errors)
        for _file, spec in result.specs:
            self.stdout.write(expert_path_summary(spec))
        self.stdout.write(self.style.SUCCESS(dry_run_summary(result)))
