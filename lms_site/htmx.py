"""Small helpers every app's views share for pages that answer htmx requests with a partial."""

from django.contrib.auth.views import redirect_to_login
from django.template.response import TemplateResponse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django_htmx.http import HttpResponseClientRedirect


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


def sign_in_first(request, next_url: str):
    """Sends a visitor to sign in and back to `next_url`; htmx follows with a full-page redirect, not a swap."""
    login_url = redirect_to_login(next_url).url
    return HttpResponseClientRedirect(login_url) if request.htmx else redirect_to_login(next_url)


def refuse(request, message: str, *, status: int, back_url: str, target: str = "action-error"):
    """A refused action: the message in place of the htmx target, or a small page with a way back.

    `target` names the element to replace when the htmx request did not name one (hx-target by id).
    """
    context = {"message": message, "back_url": back_url}
    if request.htmx:
        context["target"] = request.htmx.target or target
        return TemplateResponse(request, "components/action_error.html", context, status=status)
    return TemplateResponse(request, "components/error_page.html", context, status=status)
