"""Print what an LMS needs to register LeucoCases (and optionally register a platform)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from lti_tool.models import LtiDeployment, LtiRegistration

from leucocases.lti.configuration import tool_configuration
from leucocases.lti.services import tool_key_ensure


class Command(BaseCommand):
    help = "Print the LTI 1.3 tool configuration to paste into an LMS; --register adds a platform."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8000", help="Where the LMS reaches this site.")
        group = parser.add_argument_group("register a platform (all of these)")
        group.add_argument("--register", metavar="NAME", help="A name for the platform, e.g. 'Moodle (test)'.")
        group.add_argument("--issuer")
        group.add_argument("--client-id")
        group.add_argument("--deployment-id")
        group.add_argument("--auth-url", help="The platform's OIDC authentication (auth login) URL.")
        group.add_argument("--token-url", help="The platform's OAuth2 access token URL.")
        group.add_argument("--keyset-url", help="The platform's public keyset (JWKS) URL.")

    def handle(self, *args, **options):
        key = tool_key_ensure()
        registration = None
        if options["register"]:
            registration = self._register(options)
        out = self.stdout
        out.write(self.style.MIGRATE_HEADING("LeucoCases as an LTI 1.3 tool"))
        rows = tool_configuration(
            base_url=options["base_url"], registration_uuid=str(registration.uuid) if registration else None
        )
        for setting in rows:
            out.write(f"  {setting.label + ':':40} {setting.value}")
            if setting.note:
                out.write(f"  {'':40} ({setting.note})")
        out.write(f"  {'Signing key id:':40} {key}")
        if registration is not None:
            out.write(self.style.SUCCESS(f"Registered “{registration.name}” (issuer {registration.issuer})."))
        else:
            out.write(
                "To register a platform (a test one too): enter the values above in the LMS, then either\n"
                "  Admin → LTI registrations → Add, or\n"
                "  manage.py lti_config --register 'My LMS' --issuer ISS --client-id ID --deployment-id DEP \\\n"
                "      --auth-url URL --token-url URL --keyset-url URL\n"
                "Inside an LMS frame the site must be served over HTTPS. Step by step: docs/lms.md."
            )

    @transaction.atomic
    def _register(self, options) -> LtiRegistration:
        needed = ["issuer", "client_id", "deployment_id", "auth_url", "token_url", "keyset_url"]
        if missing := [name for name in needed if not options[name]]:
            raise CommandError("--register also needs " + ", ".join("--" + m.replace("_", "-") for m in missing))
        registration, _ = LtiRegistration.objects.update_or_create(
            issuer=options["issuer"],
            client_id=options["client_id"],
            defaults={
                "name": options["register"],
                "auth_url": options["auth_url"],
                "token_url": options["token_url"],
                "keyset_url": options["keyset_url"],
                "is_active": True,
            },
        )
        LtiDeployment.objects.update_or_create(
            registration=registration, deployment_id=options["deployment_id"], defaults={"is_active": True}
        )
        return registration
