from django.urls import path

from . import views

app_name = "editorial"
urlpatterns = [
    path("editorial-policy/", views.editorial_policy, name="policy"),
    path("disclaimer/", views.disclaimer, name="disclaimer"),
    path("audience/", views.set_audience, name="audience"),
]
