from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.views.decorators.debug import sensitive_variables

from .selectors import user_for_sign_in


class EmailOrUsernameBackend(ModelBackend):
    """Signs people in with their e-mail address or username; banned users never get a session."""

    # Error reports (DEBUG's 500 page, mails to ADMINS) show the local variables of every frame.
    @sensitive_variables("password")
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        user = user_for_sign_in(login=username)
        if user is None:
            # Hash anyway so a missing account takes as long as a wrong password.
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def user_can_authenticate(self, user):
        return super().user_can_authenticate(user) and not getattr(user, "is_banned", False)
