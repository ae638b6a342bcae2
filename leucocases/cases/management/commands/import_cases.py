"""manage.py import_cases PATH... [--author USERNAME] [--publish-as USERNAME] [--dry-run]:
check every case file, then save all or nothing, through the review workflow."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from leucocases.cases.casefile import CaseSpec
from leucocases.cases.casefile.importer import casefile_read
from leucocases.cases.grading import Attempt, expert_path, grade
from leucocases.cases.import_workflow import case_files_import
from leucocases.editorial.access import instructor_named


def _expert_summary(spec: CaseSpec) -> str:
    """How the case's own expert path, with the full-credit cause, grades: a key
    whose expert path falls short of an A is worth a second look."""
    key = spec.case_key()
    cause = next(option.cause for option in key.diagnosis_options if option.credit == 1)
    report = grade(key, Attempt(steps=expert_path(key), diagnosis=cause))
    return f"{spec.slug}: expert path {', '.join(report.expert_path)} grades {report.total:.1f} ({report.grade})"


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
        total = len(result.created) + len(result.updated) + len(result.unchanged)
        files = len(result.files)
        summary = (
            f"Imported {total} case{'s' if total != 1 else ''} from {files} file{'s' if files != 1 else ''}: "
            f"{len(result.created)} created, {len(result.updated)} updated, {len(result.unchanged)} unchanged"
        )
        if publisher is not None:
            summary += f"; {len(result.published)} published as {publisher.get_username()}"
        self.stdout.write(self.style.SUCCESS(summary + "."))
        drafts = len(result.created) + len(result.updated) - len(result.published)
        if drafts and options["verbosity"] > 0:
            line = "1 case was imported as a draft" if drafts == 1 else f"{drafts} cases were imported as drafts"
            line += " for review"
            if result.pending:
                line += (
                    f" ({len(result.pending)} into the draft of changes of an approved case, "
                    "which learners keep playing until it is approved)"
                )
            self.stdout.write(line + ".")
        if options["verbosity"] >= 2:
            for outcome in ("created", "updated", "unchanged", "published", "pending"):
                for slug in getattr(result, outcome):
                    self.stdout.write(f"  {outcome}: {slug}")

    def _refuse_errors(self, errors) -> None:
        if errors:
            for error in errors:
                self.stderr.write(str(error))
            count = len(errors)
            raise CommandError(f"{count} error{'s' if count != 1 else ''} found; nothing was imported.")

    def _dry_run(self, paths) -> None:
        result = casefile_read(paths=paths)
        self._refuse_errors(result.errors)
        for _file, spec in result.specs:
            self.stdout.write(_expert_summary(spec))
        cases, files = len(result.specs), len(result.files)
        self.stdout.write(
            self.style.SUCCESS(
                f"Checked {cases} case{'s' if cases != 1 else ''} in {files} file{'s' if files != 1 else ''}: "
                "no problems. Dry run: nothing was written."
            )
        )
