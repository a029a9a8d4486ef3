"""Small helpers every app's views share for pages that answer htmx requests with a partial."""

from django.utils.cache import patch_cache_control, patch_vary_headers


def partial_on_htmx(request, template: str, partial: str) -> str:
    """The page on a normal request (and on htmx's history restore), one partial on an htmx request."""
    if request.htmx and not request.htmx.history_restore_request:
        return f"{template}#{partial}"
    return template


def personal(response):
    """Marks a per-user page that also varies by htmx request, so no shared cache keeps it."""
    patch_vary_headers(response, ["HX-Request"])
    patch_cache_control(response, private=True, no_cache=True)
    return response
