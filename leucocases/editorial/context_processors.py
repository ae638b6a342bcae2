from django.conf import settings

AUDIENCES = (
    ("student", "Medical student"),
    ("resident", "Resident"),
    ("clinician", "Clinician"),
)
AUDIENCE_COOKIE = "audience"
DEFAULT_AUDIENCE = "student"


def current_audience(request) -> str:
    value = request.COOKIES.get(AUDIENCE_COOKIE, DEFAULT_AUDIENCE)
    return value if value in dict(AUDIENCES) else DEFAULT_AUDIENCE


def site(request):
    return {
        "site_name": "LeucoCases",
        "audiences": AUDIENCES,
        "audience": current_audience(request),
        "debug_banner": settings.DEBUG,
    }
