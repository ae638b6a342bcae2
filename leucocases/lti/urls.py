from django.urls import path

from . import views

app_name = "lti"
urlpatterns = [
    path("jwks/", views.jwks, name="jwks"),
    path("login/", views.login, name="login"),
    path("login/<uuid:registration_uuid>/", views.login, name="login_for"),
    path("launch/", views.launch, name="launch"),
    path("deep-link/", views.deep_link, name="deep_link"),
    path("activities/<int:pk>/", views.activity_detail, name="activity"),
    path("activities/<int:pk>/policy/", views.activity_policy, name="activity_policy"),
    path("activities/<int:pk>/learners/<int:learner_pk>/resend/", views.learner_resend, name="resend"),
    path("activities/<int:pk>/roster/", views.roster_import, name="roster"),
]
