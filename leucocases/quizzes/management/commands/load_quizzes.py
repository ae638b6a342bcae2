"""``manage.py load_quizzes [PATH] [--author USERNAME] [--publish-as USERNAME]``: validate the
quiz file, then load it all or nothing, through the review workflow."""

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from leucocases.editorial.access import instructor_named
from leucocases.editorial.loading import LoadFileCommand
from leucocases.quizzes.content import DEFAULT_PATH, load_quizzes_file


class Command(LoadFileCommand):
    help = (
        "Load quizzes from a YAML file (default fixtures/quizzes.yaml; the format is in "
        "leucocases/quizzes/content.py). Cases must be imported and approved first. Every error is reported "
        "and nothing is written if there is one. Quizzes are loaded as drafts for review (an approved quiz "
        "into its draft of changes); with --publish-as, quizzes that say 'status: approved' are published, "
        "recorded as that instructor's approval. Re-running updates quizzes by slug."
    )
    default_path = DEFAULT_PATH

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--author", metavar="USERNAME", help="The instructor who wrote the file (may not approve it)."
        )
        parser.add_argument(
            "--publish-as",
            metavar="USERNAME",
            help="Publish the quizzes that say 'status: approved', recorded as this instructor's approval "
            "(e.g. content-loader, see create_content_loader).",
        )

    def handle(self, *args, author, publish_as, **options):
        try:
            author_user = instructor_named(author) if author else None
            publisher = instructor_named(publish_as) if publish_as else None
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        super().handle(*args, author=author_user, publisher=publisher, **options)

    def load(self, path, *, author, publisher, **options):
        return load_quizzes_file(path, author=author, publisher=publisher)

    def report(self, summary, path, *, publisher, verbosity, **options):
        line = summary.counts(noun="quiz", nouns="quizzes", path=path)
        if publisher is not None:
            line += f"; {len(summary.published)} published as {publisher.get_username()}"
        self.stdout.write(self.style.SUCCESS(line + "."))
        drafts = len(summary.created) + len(summary.updated) - len(summary.published)
        if drafts:
            line = "1 quiz was loaded as a draft" if drafts == 1 else f"{drafts} quizzes were loaded as drafts"
            if summary.pending:
                line += f" ({len(summary.pending)} into the draft of changes of an approved quiz)"
            self.stdout.write(line + " for review.")
        if verbosity >= 2:
            for outcome in ("created", "updated", "unchanged", "published", "pending"):
                for slug in getattr(summary, outcome):
                    self.stdout.write(f"  {outcome}: {slug}")
