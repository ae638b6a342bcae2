"""What the site remembers about a learner beyond Django's user.

The profile is created on demand by ``services.profile_for`` (no signal), so a
user made by ``createsuperuser`` or the admin simply gets one the first time
it is needed.
"""

from django.conf import settings
from django.db import models


class Profile(models.Model):
    class Audience(models.TextChoices):
        STUDENT = "student", "Medical student"
        RESIDENT = "resident", "Resident"
        CLINICIAN = "clinician", "Clinician"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    audience = models.CharField(
        max_length=20,
        choices=Audience.choices,
        default=Audience.STUDENT,
        help_text="Which best describes this learner; pages adapt their emphasis to it.",
    )

    class Meta:
        verbose_name = "learner profile"

    def __str__(self):
        return f"Profile of {self.user}"


class PasswordResetRequestQuerySet(models.QuerySet):
    def since(self, moment):
        return self.filter(requested_at__gte=moment)


class PasswordResetRequest(models.Model):
    """One password-reset request, kept for the throttling window (an hour) so that
    ``services.password_reset_request`` can limit the e-mails one address receives and
    the requests one network makes. In the database, like login throttling, so every
    app server counts the same requests whatever Redis does."""

    # A keyed hash of the address typed, never the address: anyone may type any address.
    address_digest = models.CharField(max_length=64, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    requested_at = models.DateTimeField(db_index=True)

    objects = PasswordResetRequestQuerySet.as_manager()

    def __str__(self):
        return f"Password reset requested at {self.requested_at:%Y-%m-%d %H:%M}"
