from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from leucocases import benchfloor, health
from leucocases.taxonomy import views as taxonomy_views

urlpatterns = [
    path("", taxonomy_views.home, name="home"),
    path("", include("leucocases.editorial.urls")),
    path("", include("leucocases.taxonomy.urls")),
    path("cases/", include("leucocases.cases.urls")),
    path("quizzes/", include("leucocases.quizzes.urls")),
    path("accounts/", include("leucocases.accounts.urls")),
    path("instructor/", include("leucocases.instructor.urls")),
    path("lti/", include("leucocases.lti.urls")),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
]
if settings.BENCH_FLOOR_VIEW:
    # make bench only (leucocases/benchfloor.py): never part of the site.
    urlpatterns.append(path("bench/floor/", benchfloor.floor, name="bench_floor"))

# A database time-out answers 503 with a page saying to try again; other errors 500.
handler500 = "leucocases.errors.server_error"
