from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from .forms import AdminUserAddForm, AdminUserChangeForm
from .models import Profile

User = get_user_model()


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    fields = ["audience"]
    verbose_name_plural = "learner profile"


admin.site.unregister(User)


@admin.register(User)
class UserWithProfileAdmin(UserAdmin):
    add_form = AdminUserAddForm
    form = AdminUserChangeForm
    inlines = [*UserAdmin.inlines, ProfileInline]
    list_display = [*UserAdmin.list_display, "profile_audience"]
    list_select_related = ["profile"]

    @admin.display(description="Audience", ordering="profile__audience")
    def profile_audience(self, obj):
        profile = getattr(obj, "profile", None)
        return profile.get_audience_display() if profile else "—"
