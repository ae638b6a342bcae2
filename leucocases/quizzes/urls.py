from django.urls import path

from . import join_views, views

app_name = "quizzes"
urlpatterns = [
    path("", views.quiz_list, name="list"),
    path("join/", join_views.cohort_join_page, name="join"),
    path("attempts/<int:pk>/", views.quiz_attempt_take, name="take"),
    path("attempts/<int:pk>/choose/", views.quiz_attempt_choose, name="choose"),
    path("attempts/<int:pk>/submit/", views.quiz_attempt_submit, name="submit"),
    path("attempts/<int:pk>/report/", views.quiz_attempt_report, name="report"),
    path("<slug:slug>/", views.quiz_detail, name="detail"),
    path("<slug:slug>/start/", views.quiz_start, name="start"),
]
