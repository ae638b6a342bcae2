"""``/healthz``: a liveness probe for load balancers, and the benchmark's baseline.

It touches neither the database nor Redis, so it answers as long as the
gunicorn worker does; ``make bench`` compares every page with it.
"""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")
