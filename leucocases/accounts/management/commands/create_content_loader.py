"""manage.py create_content_loader: the account that publishes the shipped content."""

from django.core.management.base import BaseCommand

from leucocases.accounts.services import CONTENT_LOADER, content_loader_ensure


class Command(BaseCommand):
    help = (
        f"Create the '{CONTENT_LOADER}' account (instructor rights, no password: it cannot log in) that "
        f"publishes the shipped content: import_cases / load_quizzes --publish-as {CONTENT_LOADER}. "
        "Safe to repeat."
    )

    def handle(self, *args, **options):
        user, created = content_loader_ensure()
        if options["verbosity"] > 0:
            self.stdout.write(f"Account {user.get_username()!r}: {'created' if created else 'up to date'}.")
