from django.urls import path

from . import case_file_views, cohort_views, gradebook_views, views
from .case_editor import views as editor_views

app_name = "instructor"
urlpatterns = [
    path("", views.index, name="index"),
    path("quizzes/<slug:slug>/results/", views.quiz_results, name="quiz_results"),
    path("quizzes/<slug:slug>/results.csv", views.quiz_results_csv, name="quiz_results_csv"),
    path("quizzes/<slug:slug>/gradebook.csv", gradebook_views.quiz_gradebook_csv, name="quiz_gradebook_csv"),
    path("quizzes/<slug:slug>/gradebook.xlsx", gradebook_views.quiz_gradebook_xlsx, name="quiz_gradebook_xlsx"),
    path("quizzes/<slug:slug>/analysis/", views.quiz_analysis, name="quiz_analysis"),
    path("cohorts/", cohort_views.cohort_list, name="cohorts"),
    path("cohorts/<slug:slug>/", cohort_views.cohort_detail, name="cohort"),
    path("cohorts/<slug:slug>/join-code/", cohort_views.cohort_join_code, name="cohort_join_code"),
    path("case-files/", case_file_views.case_files, name="case_files"),
    path("cases/<slug:slug>/case-file.yaml", case_file_views.case_file_download, name="case_file"),
    path("cases/new/", editor_views.case_new, name="case_new"),
    path("cases/new/dry-run/", editor_views.case_dry_run, name="case_new_dry_run"),
    path("cases/<slug:slug>/edit/", editor_views.case_edit, name="case_edit"),
    path("cases/<slug:slug>/dry-run/", editor_views.case_dry_run, name="case_dry_run"),
    path("cases/<slug:slug>/preview/", editor_views.case_preview, name="case_preview"),
    path("cases/<slug:slug>/review/", editor_views.case_review, name="case_review"),
    path("cases/<slug:slug>/analysis/", views.case_analysis, name="case_analysis"),
    path("cases/<slug:slug>/regrade/", views.case_regrade, name="case_regrade"),
    path("attempts/<int:pk>/report/", views.attempt_report, name="attempt_report"),
]
