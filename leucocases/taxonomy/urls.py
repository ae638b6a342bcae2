from django.urls import path

from . import views

app_name = "taxonomy"
urlpatterns = [
    path("causes/", views.cause_list, name="causes"),
    path("causes/<slug:slug>/", views.cause_detail, name="cause"),
    path("topics/<slug:slug>/", views.topic_detail, name="topic"),
    path("references/", views.reference_list, name="references"),
    path("workup/", views.workup_step_list, name="workup_steps"),
    path("workup/<slug:slug>/", views.workup_step_detail, name="workup_step"),
    path("search/", views.search, name="search"),
]
