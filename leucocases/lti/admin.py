"""Admin: register LMS platforms (with the tool configuration to paste into them),
the tool's keys, and what was sent to gradebooks and the LRS."""

from __future__ import annotations

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import path
from lti_tool.admin import LtiRegistrationAdmin as BaseRegistrationAdmin
from lti_tool.models import Key, LtiRegistration

from . import grades
from .configuration import tool_configuration
from .models import Activity, PlatformSettings, ScoreDelivery, XapiStatement
from .services import tool_key_ensure


class PlatformSettingsInline(admin.StackedInline):
    model = PlatformSettings
    can_delete = False
    extra = 1
    max_num = 1


admin.site.unregister(LtiRegistration)


@admin.register(LtiRegistration)
class LtiRegistrationAdmin(BaseRegistrationAdmin):
    """django-lti's platform form, plus where LeucoCases lives for this platform."""

    inlines = [*BaseRegistrationAdmin.inlines, PlatformSettingsInline]
    change_list_template = "admin/lti/ltiregistration_change_list.html"
    change_form_template = "admin/lti/ltiregistration_change_form.html"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        registration = self.get_object(request, object_id)
        if registration is not None:
            extra_context = {
                **(extra_context or {}),
                "tool_settings": tool_configuration(
                    base_url=request.build_absolute_uri("/"), registration_uuid=str(registration.uuid)
                ),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        extra = [
            path(
                "tool-configuration/",
                self.admin_site.admin_view(self.configuration_view),
                name="lti_tool_configuration",
            )
        ]
        return extra + super().get_urls()

    def configuration_view(self, request):
        tool_key_ensure()
        context = {
            **self.admin_site.each_context(request),
            "title": "LeucoCases tool configuration",
            "settings": tool_configuration(base_url=request.build_absolute_uri("/")),
            "keys": Key.objects.order_by("-datetime_created"),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/lti/tool_configuration.html", context)


@admin.register(Key)
class KeyAdmin(admin.ModelAdmin):
    """The tool's signing keys: the newest active one signs; every active one is published."""

    list_display = ["__str__", "is_active", "datetime_created"]
    list_filter = ["is_active"]
    fields = ["public_key", "is_active", "datetime_created"]
    readonly_fields = ["public_key", "datetime_created"]
    actions = ["rotate"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Rotate: make a new signing key (keep these published until platforms refetch)")
    def rotate(self, request, queryset):
        key = Key.objects.generate()
        messages.success(request, f"New signing key {key}. Deactivate old keys after a day or two.")


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["__str__", "policy", "case", "quiz", "created_at"]
    list_filter = ["policy"]
    raw_id_fields = ["resource_link", "case", "quiz"]


@admin.register(ScoreDelivery)
class ScoreDeliveryAdmin(admin.ModelAdmin):
    list_display = ["learner", "score_given", "reason", "state", "tries", "created_at", "sent_at"]
    list_filter = ["state", "reason"]
    search_fields = ["learner__user__username", "last_error"]
    readonly_fields = [f.name for f in ScoreDelivery._meta.fields]
    actions = ["resend"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Resend the learners' current scores")
    def resend(self, request, queryset):
        learners = {d.learner for d in queryset.select_related("learner__activity")}
        sent = sum(1 for learner in learners if grades.score_resend(learner=learner) is not None)
        messages.success(request, f"{sent} score(s) queued.")


@admin.register(XapiStatement)
class XapiStatementAdmin(admin.ModelAdmin):
    list_display = ["__str__", "state", "tries", "created_at", "sent_at"]
    list_filter = ["state"]
    readonly_fields = ["id", "statement", "state", "tries", "last_error", "created_at", "sent_at"]

    def has_add_permission(self, request):
        return False
