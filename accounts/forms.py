"""The sign-in and sign-up forms, as allauth's with our labels and the invitation's rules."""

from __future__ import annotations

from allauth.account.forms import LoginForm, SignupForm
from django import forms
from django.core.validators import MaxLengthValidator

from accounts.models import Invitation


class SignInForm(LoginForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        login = self.fields["login"]
        login.label = "Username or email"
        # No username or address is longer; a 10 kB value is refused before any query.
        login.max_length = 254
        login.widget.attrs.update(
            {"placeholder": "", "autocomplete": "username", "autofocus": True, "maxlength": 254}
        )
        login.validators.append(
            MaxLengthValidator(254, message="A username or email address has at most 254 characters.")
        )
        self.fields["password"].widget.attrs["placeholder"] = ""
        self.fields["password"].help_text = ""  # the page links the reset once, below the form
        if "remember" in self.fields:
            self.fields["remember"].label = "Keep me signed in on this device"


class InvitedSignupForm(SignupForm):
    """allauth's sign-up form; with an invitation, the email is the invited address,
    shown read-only, and any other address posted is refused."""

    def __init__(self, *args, invitation: Invitation | None = None, **kwargs) -> None:
        self.invitation = invitation
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs.pop("placeholder", None)
            if name == "username":
                field.widget.attrs["autofocus"] = True
        if invitation is not None:
            email = self.fields["email"]
            email.initial = invitation.email
            email.widget.attrs["readonly"] = True
            email.help_text = "The address your invitation was sent to."

    def clean_email(self) -> str:
        posted = self.data.get("email", "") if self.invitation is not None else None
        if posted is not None and posted.strip().casefold() != self.invitation.email.casefold():
            raise forms.ValidationError(
                f"Your invitation is for {self.invitation.email}; sign up with that address "
                "(you can add others on your account page later)."
            )
        return super().clean_email()
