from django.utils.functional import SimpleLazyObject

from .selectors import may_access_admin


def admin_access(request):
    """Whether the site header shows "Admin" (and Wagtail's user bar), asked only by a template that shows them."""
    return {"may_access_admin": SimpleLazyObject(lambda: may_access_admin(user=request.user))}
