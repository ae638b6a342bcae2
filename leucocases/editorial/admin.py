"""``ReviewableAdmin``: the admin half of the review workflow, for any ``Reviewable`` model.

Use it as the base class of the model's admin::

    from leucocases.editorial.admin import REVIEW_FIELDSET, REVIEW_LIST_DISPLAY, REVIEW_LIST_FILTER, ReviewableAdmin

    @admin.register(Case)
    class CaseAdmin(ReviewableAdmin):
        list_display = ("title", *REVIEW_LIST_DISPLAY)
        list_filter = ("difficulty", *REVIEW_LIST_FILTER)
        fieldsets = [(None, {"fields": ("title", "slug")}), REVIEW_FIELDSET]

What it gives you:

- four changelist actions — "Submit for review", "Start review", "Approve",
  "Return to draft" — each running ``editorial.services.review_transition`` on
  every selected object and reporting, per object, what moved and what the
  workflow refused (a bad transition, or someone approving their own work);
- the review fields (status, author, reviewer, dates) are read-only in forms,
  so status only changes through the workflow; if you declare ``fieldsets``
  without ``REVIEW_FIELDSET`` it is appended for you;
- the author defaults to the user who creates the object.

Override ``list_display``/``list_filter`` freely; the constants above keep the
review columns consistent across models.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from .models import ReviewStatus
from .services import review_transition

REVIEW_LIST_DISPLAY = ("review_status", "author", "reviewer", "updated_at")
REVIEW_LIST_FILTER = ("review_status", "author", "reviewer", "updated_at")
REVIEW_READONLY_FIELDS = ("review_status", "author", "reviewer", "reviewed_at", "created_at", "updated_at")
REVIEW_FIELDSET = (
    "Review",
    {
        "fields": (("review_status", "author"), ("reviewer", "reviewed_at"), ("created_at", "updated_at")),
        "description": "Status changes only through the actions on the list page: "
        "submit, start review, approve, return to draft. Nobody approves their own work.",
    },
)


class ReviewableAdmin(admin.ModelAdmin):
    list_display = ("__str__", *REVIEW_LIST_DISPLAY)
    list_filter = REVIEW_LIST_FILTER
    readonly_fields = REVIEW_READONLY_FIELDS
    actions = ("submit_for_review", "start_review", "approve", "return_to_draft")

    # -- forms -----------------------------------------------------------------

    def get_readonly_fields(self, request, obj=None):
        # Always read-only, even if a subclass overrides readonly_fields.
        fields = tuple(super().get_readonly_fields(request, obj))
        return fields + tuple(f for f in REVIEW_READONLY_FIELDS if f not in fields)

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if self.fieldsets and not any(name == REVIEW_FIELDSET[0] for name, _ in fieldsets):
            fieldsets.append(REVIEW_FIELDSET)
        return fieldsets

    def save_model(self, request, obj, form, change):
        if not change and obj.author_id is None:
            obj.author = request.user
        super().save_model(request, obj, form, change)

    # -- actions ---------------------------------------------------------------

    def _transition(self, request, queryset, *, to_status: str, verb: str) -> None:
        moved = []
        for obj in queryset:
            try:
                review_transition(obj=obj, user=request.user, to_status=to_status)
            except PermissionDenied as error:
                self.message_user(request, f"“{obj}” was not {verb}: {error}", messages.ERROR)
            except ValidationError as error:
                self.message_user(request, f"“{obj}” was not {verb}: {' '.join(error.messages)}", messages.WARNING)
            else:
                moved.append(obj)
        if moved:
            names = ", ".join(f"“{obj}”" for obj in moved)
            self.message_user(
                request, f"{len(moved)} item{'s' if len(moved) != 1 else ''} {verb}: {names}.", messages.SUCCESS
            )

    @admin.action(description="Submit for review", permissions=["change"])
    def submit_for_review(self, request, queryset):
        self._transition(request, queryset, to_status=ReviewStatus.SUBMITTED, verb="submitted for review")

    @admin.action(description="Start review", permissions=["change"])
    def start_review(self, request, queryset):
        self._transition(request, queryset, to_status=ReviewStatus.UNDER_REVIEW, verb="taken under review")

    @admin.action(description="Approve", permissions=["change"])
    def approve(self, request, queryset):
        self._transition(request, queryset, to_status=ReviewStatus.APPROVED, verb="approved")

    @admin.action(description="Return to draft", permissions=["change"])
    def return_to_draft(self, request, queryset):
        self._transition(request, queryset, to_status=ReviewStatus.DRAFT, verb="returned to draft")
