"""Sessions and URLs for the HTTP benchmarks, in the database and Redis the server uses.

Usage: python -m benchmarks.prepare_http OUT.json POOL_SIZE

Logs POOL_SIZE load learners in (a session each, through the configured
session engine, so it lands in PostgreSQL and Redis like a real login) and
writes their session keys, open attempts and play URLs, the workup-step
slugs, and a cause page URL. The server must share DJANGO_SECRET_KEY.
"""

from __future__ import annotations

import json
import secrets
import string
import sys
from importlib import import_module
from pathlib import Path

from benchmarks._django import setup

setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model  # noqa: E402

from leucocases.cases.management.load_attempts import LEARNER_PREFIX, OPEN_ATTEMPT_CHOICES  # noqa: E402
from leucocases.cases.models import Attempt, Choice  # noqa: E402
from leucocases.sessions import ACCOUNT_BACKEND  # noqa: E402
from leucocases.taxonomy.models import Cause, WorkupStep  # noqa: E402


def main(out: Path, pool: int) -> None:
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    learners = get_user_model().objects.filter(username__startswith=LEARNER_PREFIX).order_by("pk")[:pool]
    sessions = []
    # Each learner's open attempt as generate_load_data made it: a run with
    # BENCH_KEEP_DB=1 would otherwise measure attempts grown by every earlier run's choices.
    pool_attempts = Attempt.objects.filter(user__in=learners, submitted_at__isnull=True)
    Choice.objects.filter(attempt__in=pool_attempts, position__gt=OPEN_ATTEMPT_CHOICES).delete()
    for learner in learners:
        attempt = Attempt.objects.filter(user=learner, submitted_at__isnull=True).select_related("case").first()
        session = store_class()
        session[SESSION_KEY] = str(learner.pk)
        session[BACKEND_SESSION_KEY] = ACCOUNT_BACKEND
        session[HASH_SESSION_KEY] = learner.get_session_auth_hash()
        session.save()
        sessions.append(
            {
                "sid": session.session_key,
                "attempt": attempt.pk,
                "play": attempt.case.get_absolute_url(),
                "choose": f"{attempt.case.get_absolute_url()}choose/",
            }
        )
    csrf = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
    data = {
        "sessions": sessions,
        "csrf": csrf,
        "steps": list(WorkupStep.objects.values_list("slug", flat=True)),
        "cause_page": Cause.objects.published().order_by("pk").first().get_absolute_url(),
    }
    out.write_text(json.dumps(data, indent=2))
    print(f"{len(sessions)} learner sessions ready")


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
