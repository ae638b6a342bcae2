from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("attempts/<int:pk>/report/", views.attempt_report, name="report"),
    path("<slug:slug>/", views.case_play, name="play"),
    path("<slug:slug>/choose/", views.case_choose, name="choose"),
    path("<slug:slug>/submit/", views.case_submit, name="submit"),
    path("<slug:slug>/checkpoint/", views.case_checkpoint, name="checkpoint"),
]
