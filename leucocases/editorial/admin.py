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
- the author defaults to the user who creates the object;
- for models whose approval is final (``is_locked``: cases, quizzes), an
  approved object's change page is read-only (inlines too, with
  ``LockedWithParentInline``), a form posted to it saves nothing and says
  why, and "Start a draft of changes" opens its draft of changes (the model
  admin implements ``review_draft_start``); a draft of changes keeps its
  object's slug.

Subclasses route each review move through their own service by overriding
``review_move``. Override ``list_display``/``list_filter`` freely; the
constants above keep the review columns consistent across models.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse

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


def _locked(obj) -> bool:
    return obj is not None and obj.is_locked


class LockedWithParentInline:
    """Mix into an inline of a ``Reviewable``: read-only when the parent is locked (approved, final)."""

    def has_add_permission(self, request, obj=None):
        return not _locked(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not _locked(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _locked(obj) and super().has_delete_permission(request, obj)


class ReviewableAdmin(admin.ModelAdmin):
    list_display = ("__str__", *REVIEW_LIST_DISPLAY)
    list_filter = REVIEW_LIST_FILTER
    readonly_fields = REVIEW_READONLY_FIELDS
    actions = ("submit_for_review", "start_review", "approve", "return_to_draft")

    # -- forms -----------------------------------------------------------------

    def get_readonly_fields(self, request, obj=None):
        # Always read-only, even if a subclass overrides readonly_fields.
        fields = tuple(super().get_readonly_fields(request, obj))
        fields += tuple(f for f in REVIEW_READONLY_FIELDS if f not in fields)
        # A draft of changes keeps its object's slug (it is published into it).
        return (*fields, "slug") if getattr(obj, "draft_of_id", None) else fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if self.fieldsets and not any(name == REVIEW_FIELDSET[0] for name, _ in fieldsets):
            fieldsets.append(REVIEW_FIELDSET)
        return fieldsets

    def save_model(self, request, obj, form, change):
        if not change and obj.author_id is None:
            obj.author = request.user
        super().save_model(request, obj, form, change)

    # -- approval is final: read-only, and drafts of changes -------------------

    def has_change_permission(self, request, obj=None):
        return not _locked(obj) and super().has_change_permission(request, obj)

    def get_prepopulated_fields(self, request, obj=None):
        return {} if getattr(obj, "draft_of_id", None) else super().get_prepopulated_fields(request, obj)

    def review_draft_start(self, obj, user):
        """``(draft, created)``: the draft of changes of locked ``obj``, for
        models whose approval is final (with a ``draft_of`` field)."""
        raise ValidationError(f"“{obj}” is changed directly, not through a draft of changes.", code="no_drafts")

    def get_urls(self):
        if not any(f.name == "draft_of" for f in self.opts.get_fields()):
            return super().get_urls()
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/draft-of-changes/",
                self.admin_site.admin_view(self.draft_start_view),
                name="{}_{}_draft_start".format(*info),
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if _locked(obj) and request.method == "POST":
            # A form opened before approval: say so, save nothing.
            noun = self.opts.verbose_name
            self.message_user(
                request,
                f"This {noun} is approved, so nothing was saved: learners use it as it stands. Change it through "
                f"a draft of changes (“Start a draft of changes”), reviewed and approved like a new {noun}.",
                messages.ERROR,
            )
            return HttpResponseRedirect(request.path)
        if obj is not None:
            extra_context = {**(extra_context or {}), "lock": self._lock_context(request, obj)}
        return super().change_view(request, object_id, form_url, extra_context)

    def _change_url(self, obj) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk])

    def _lock_context(self, request, obj) -> dict:
        """What the top of the change page says about approval and drafts of changes
        (``templates/admin/includes/review_lock.html``)."""
        if getattr(obj, "draft_of_id", None):
            return {"draft_of": obj.draft_of, "live_url": self._change_url(obj.draft_of)}
        if not _locked(obj):
            return {}
        draft = self.model._default_manager.filter(draft_of=obj).select_related("author").first()
        info = self.opts.app_label, self.opts.model_name
        return {
            "locked": obj,
            "draft": draft,
            "draft_url": self._change_url(draft) if draft else "",
            "start_url": reverse("admin:{}_{}_draft_start".format(*info), args=[obj.pk]),
            "can_start": super().has_change_permission(request),
        }

    def draft_start_view(self, request, object_id):
        """POST: open the approved object's draft of changes, starting one if none is under way."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(f"No such {self.opts.verbose_name}.")
        if not super().has_change_permission(request):
            raise PermissionDenied
        try:
            draft, created = self.review_draft_start(obj, request.user)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.WARNING)
            return HttpResponseRedirect(self._change_url(obj))
        if created:
            self.message_user(
                request,
                f"A draft of changes to “{obj}” was started. Learners keep using the approved {self.opts.verbose_name} "
                "until this draft is reviewed and approved by someone who did not edit it.",
                messages.SUCCESS,
            )
        else:
            self.message_user(request, f"“{obj}” already has a draft of changes under way: here it is.")
        return HttpResponseRedirect(self._change_url(draft))

    # -- actions ---------------------------------------------------------------

    def review_move(self, request, obj, to_status: str) -> str | None:
        """Move ``obj`` (raising as ``review_transition`` does); return an extra message, if any."""
        review_transition(obj=obj, user=request.user, to_status=to_status)
        return None

    def _transition(self, request, queryset, *, to_status: str, verb: str) -> None:
        moved = []
        for obj in queryset:
            try:
                note = self.review_move(request, obj, to_status)
            except PermissionDenied as error:
                self.message_user(request, f"“{obj}” was not {verb}: {error}", messages.ERROR)
            except ValidationError as error:
                self.message_user(request, f"“{obj}” was not {verb}: {' '.join(error.messages)}", messages.WARNING)
            else:
                moved.append(obj)
                if note:
                    self.message_user(request, note, messages.INFO)
        if moved:
            self.message_done(request, moved, verb)

    def message_done(self, request, done, verb: str, *, noun: str = "item", level: int = messages.SUCCESS) -> None:
        """``2 items approved: “a”, “b”.``: what an action changed, by name (review moves here,
        archive and unarchive in the case admin)."""
        names = ", ".join(f"“{obj}”" for obj in done)
        self.message_user(request, f"{len(done)} {noun}{'s' if len(done) != 1 else ''} {verb}: {names}.", level)

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
