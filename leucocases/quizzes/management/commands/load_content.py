"""``manage.py load_content``: the shipped content, all of it, in one process (what ``make content`` runs).

The same commands, in the same order, as the README lists them one by one: synonyms, taxonomy, case
labels, the content-loader account, the cases, the quizzes, the search index. One process instead of
seven saves each command's start-up (over a second apiece here), which is most of what ``make run``
spends before it serves. It lives in quizzes, the highest content app, and names the commands below it
by name only: no import points up.
"""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

LOADER = "content-loader"


class Command(BaseCommand):
    help = (
        "Load (or refresh) the shipped content: load_synonyms, load_taxonomy, load_case_labels, "
        "create_content_loader, import_cases fixtures/cases (published as content-loader), load_quizzes "
        "(published as content-loader), rebuild_search_index. Stops at the first command that fails."
    )

    def handle(self, *args, **options):
        out = {"stdout": self.stdout, "stderr": self.stderr, "verbosity": options["verbosity"]}
        for name in ("load_synonyms", "load_taxonomy", "load_case_labels", "create_content_loader"):
            call_command(name, **out)
        call_command("import_cases", str(settings.BASE_DIR / "fixtures" / "cases"), publish_as=LOADER, **out)
        call_command("load_quizzes", publish_as=LOADER, **out)
        call_command("rebuild_search_index", **out)
