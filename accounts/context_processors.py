from django.utils.functional import SimpleLazyObject

from .selectors import may_access_admin


def admin_access(request):
    """Whether the site header shows "Admin" (and Wagtail's user bar), asked only by a template that shows them."""

    def answer() -> bool:
        # Error pages refused before AuthenticationMiddleware ran have no user: nobody to show the link to.
        user = getattr(request, "user", None)
        return user is not None and may_access_admin(user=user)

    return {"may_access_admin": SimpleLazyObject(answer)}
