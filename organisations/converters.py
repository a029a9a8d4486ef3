from django.urls import register_converter


class InvitationTokenConverter:
    """An invitation link's signed token: django.core.signing always puts a ":" in it, and a slug never has one,
    so /organisations/invitations/<token>/ cannot shadow the pages of an organisation whose slug is "invitations"."""

    regex = "[^/]*:[^/]*"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(InvitationTokenConverter, "invitation_token")
