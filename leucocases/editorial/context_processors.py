from django.conf import settings

from leucocases.audience import AUDIENCES, current_audience


def site(request):
    return {
        "site_name": "LeucoCases",
        "audiences": AUDIENCES,
        "audience": current_audience(request),
        "debug_banner": settings.DEBUG,
    }
