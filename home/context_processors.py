from django.utils.functional import SimpleLazyObject

from .selectors import site_menu


def navigation(request):
    """The site header's menu, read only by a template that shows it (htmx fragments do not)."""
    return {"nav_pages": SimpleLazyObject(lambda: site_menu(request))}
