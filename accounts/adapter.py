"""How django-allauth decides who may sign up: anyone (SIGNUP_MODE=open), or only a
visitor holding a usable invitation in their session (invite, the default)."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings

from accounts import invitations


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        if settings.SIGNUP_MODE == "open":
            return True
        return invitations.from_session(request) is not None

    def add_message(
        self, request, level, message_template=None, message_context=None, extra_tags="", message=None
    ):
        # "Successfully signed in/out" would greet every sign-in on the home page.
        if message_template in ("account/messages/logged_in.txt", "account/messages/logged_out.txt"):
            return
        super().add_message(request, level, message_template, message_context, extra_tags, message)
