"""The "realistic floor" of ``make bench``: the least a signed-in page can cost here.

``/healthz`` is the bare framework: no session, no database, no template. A
signed-in page cannot be that cheap, so the benchmark also measures this view,
which does what every such page must: it reads the session, loads the user,
runs five small queries and renders a 30 KB page on the site's own base
template (navigation, footer, CSRF forms). Each page's ratio to it says how
far the page is from the floor, where the ratio to ``/healthz`` mixes that
with the framework's own cost.

Served only when ``BENCH_FLOOR_VIEW`` is on (``DJANGO_BENCH_FLOOR=1``, which
``benchmarks/run_bench.sh`` sets): never part of the site.
"""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

#: Five queries, each a join, a filter and an order like the pages' own.
APP_LABELS = ("auth", "contenttypes", "sessions", "admin", "taxonomy")
#: Rows repeated until the page is about 30 KB, the size of a case list page.
ROWS = 75


def floor(request: HttpRequest) -> HttpResponse:
    permissions = []
    for label in APP_LABELS:
        permissions += Permission.objects.select_related("content_type").filter(content_type__app_label=label)[:20]
    rows = [permissions[i % len(permissions)] for i in range(ROWS)] if permissions else []
    return render(request, "bench/floor.html", {"rows": rows, "signed_in": request.user.is_authenticated})
