#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import shlex
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leucocases.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        # Settings load here rather than inside the command, so that a refusal
        # to start (production without a secret key) is one clear message.
        from django.conf import settings

        settings.INSTALLED_APPS  # noqa: B018 - touching a setting loads them all
    except ImproperlyConfigured as error:
        python = os.path.relpath(sys.executable)
        python = sys.executable if python.startswith("..") else python
        command = shlex.join(sys.argv[1:]) or "help"
        sys.stderr.write(
            f"manage.py: {error}\n"
            "On a development machine, run it with the development settings:\n"
            f"  DJANGO_DEBUG=1 {python} manage.py {command}\n"
            "(the Makefile's targets set DJANGO_DEBUG=1 themselves; production sets DJANGO_SECRET_KEY).\n"
        )
        sys.exit(2)
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
