"""manage.py import_cases PATH... : check every case file, then save all or nothing."""

from django.core.management.base import BaseCommand, CommandError

from leucocases.cases.casefile.importer import casefile_import


class Command(BaseCommand):
    help = (
        "Import case files (YAML or JSON, see docs/case-format.md). Directories are searched "
        "recursively. Every file is checked first; one error anywhere and nothing is written. "
        "Re-importing a slug updates that case in place; attempts and their reports are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="A case file or a directory of them.")

    def handle(self, *args, paths, **options):
        result = casefile_import(paths=paths)
        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error))
            count = len(result.errors)
            raise CommandError(f"{count} error{'s' if count != 1 else ''} found; nothing was imported.")
        total = len(result.created) + len(result.updated) + len(result.unchanged)
        files = len(result.files)
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {total} case{'s' if total != 1 else ''} from {files} file{'s' if files != 1 else ''}: "
                f"{len(result.created)} created, {len(result.updated)} updated, {len(result.unchanged)} unchanged."
            )
        )
        if options["verbosity"] >= 2:
            for outcome in ("created", "updated", "unchanged"):
                for slug in getattr(result, outcome):
                    self.stdout.write(f"  {outcome}: {slug}")
