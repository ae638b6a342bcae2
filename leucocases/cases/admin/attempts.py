"""Attempts and graded reports in the admin: read-only, for instructors."""

from __future__ import annotations

import json

from django.contrib import admin
from django.utils.html import format_html

from ..models import Choice, GradedReport


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ChoiceInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Choice
    fields = ("position", "step", "chosen_at")
    readonly_fields = fields
    extra = 0


class GradedReportInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = GradedReport
    fields = ("created_at", "total", "workup_score", "diagnosis_score", "engine_version", "reason", "superseded_at")
    readonly_fields = fields
    extra = 0
    show_change_link = True


class AttemptAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "case", "learner", "started_at", "submitted_at", "diagnosis")
    list_filter = (
        ("submitted_at", admin.EmptyFieldListFilter),
        "case",
        "case__groups",
        "started_at",
        ("user", admin.EmptyFieldListFilter),
    )
    list_select_related = ("case", "user", "diagnosis")
    search_fields = ("case__slug", "case__title", "user__username", "user__email")
    date_hierarchy = "started_at"
    fields = ("case", "case_version", "learner", "started_at", "submitted_at", "diagnosis")
    readonly_fields = fields
    inlines = (ChoiceInline, GradedReportInline)

    @admin.display(description="learner", ordering="user__username")
    def learner(self, obj):
        return obj.user.get_username() if obj.user_id else "anonymous (session)"


class GradedReportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "__str__",
        "case",
        "total",
        "workup_score",
        "diagnosis_score",
        "engine_version",
        "reason",
        "created_at",
        "is_current",
    )
    list_filter = (
        ("superseded_at", admin.EmptyFieldListFilter),
        "engine_version",
        "reason",
        "attempt__case",
        "created_at",
    )
    list_select_related = ("attempt__case",)
    search_fields = ("attempt__case__slug", "attempt__user__username")
    fields = (
        "attempt",
        "total",
        "workup_score",
        "diagnosis_score",
        "case_version",
        "engine_version",
        "reason",
        "created_at",
        "superseded_at",
        "report_data",
    )
    readonly_fields = fields

    @admin.display(description="case", ordering="attempt__case__title")
    def case(self, obj):
        return obj.attempt.case

    @admin.display(description="current", boolean=True)
    def is_current(self, obj):
        return obj.superseded_at is None

    @admin.display(description="stored report (JSON)")
    def report_data(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.data, indent=2, ensure_ascii=False))
