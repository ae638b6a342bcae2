"""manage.py export_cases [--slug SLUG ...] [--out DIR] : write cases as case files."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from leucocases.cases.casefile.exporter import casefile_export, cases_for_export
from leucocases.cases.models import Case


class Command(BaseCommand):
    help = (
        "Export cases in the case-file format (docs/case-format.md). Without --out the YAML goes to "
        "standard output (one case as a mapping, several as a list); with --out each case is written "
        "to DIR/<slug>.yaml."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--slug",
            dest="slugs",
            action="extend",
            nargs="+",
            default=[],
            metavar="SLUG",
            help="Export only these cases (repeatable; a draft of changes by its own slug, <slug>--draft). "
            "Default: every case, without drafts of changes.",
        )
        parser.add_argument("--out", metavar="DIR", help="Write one <slug>.yaml per case into this directory.")

    def handle(self, *args, slugs, out, **options):
        # Cases as learners get them; a draft of changes is exported by its own slug only.
        queryset = Case.objects.live()
        if slugs:
            wanted = list(dict.fromkeys(slugs))
            queryset = Case.objects.all()
            found = set(Case.objects.filter(slug__in=wanted).values_list("slug", flat=True))
            missing = [s for s in wanted if s not in found]
            if missing:
                raise CommandError(f"No case with slug: {', '.join(missing)}")
            queryset = queryset.filter(slug__in=wanted)
        cases = list(cases_for_export(queryset))
        if not cases:
            raise CommandError("There are no cases to export.")

        if out is None:
            self.stdout.write(casefile_export(cases=cases), ending="")
            return
        directory = Path(out)
        directory.mkdir(parents=True, exist_ok=True)
        for case in cases:
            path = directory / f"{case.slug}.yaml"
            path.write_text(casefile_export(cases=[case]), encoding="utf-8")
            if options["verbosity"] >= 1:
                self.stdout.write(f"Wrote {path}")
