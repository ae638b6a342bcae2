from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm, UserCreationForm

from .usernames import check_username


class UnconfusableUsernameMixin:
    """For user creation forms: a new username must not pass for another (``usernames.py``)."""

    def clean_username(self):
        username = super().clean_username()  # None when the name is taken (the error is already added)
        if username:
            check_username(username)
        return username


class SignUpForm(UnconfusableUsernameMixin, UserCreationForm):
    """Username, email and password twice; the email is required so a password can be reset.

    An address already in use is accepted, not refused: refusing would tell anyone
    which addresses have accounts. A password reset sent to a shared address names
    each account in its own e-mail.
    """

    email = forms.EmailField(
        required=True,
        max_length=254,
        help_text="Used only to reset your password.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")

    def clean_email(self):
        return self.cleaned_data["email"].strip()


class AdminUserAddForm(UnconfusableUsernameMixin, AdminUserCreationForm):
    """The admin's "add user" form, with the same look-alike check as sign-up."""


class AdminUserChangeForm(UserChangeForm):
    """The admin's user form: a renamed user gets the look-alike check too."""

    def clean_username(self):
        username = self.cleaned_data["username"]
        if username != self.initial.get("username"):
            check_username(username, exclude_pk=self.instance.pk)
        return username
