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
