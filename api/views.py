"""The profile's API tokens panel: create (the secret shown once) and revoke."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors, services
from .forms import TokenForm

PANEL = "api/partials/tokens.html"


def panel_context(request, *, form=None, new_secret=None, notice=None) -> dict:
    return {
        "tokens": list(selectors.tokens_of(user=request.user)),
        "token_form": form or TokenForm(),
        "new_secret": new_secret,
        "notice": notice,
    }


def _panel(request, context, status=200):
    response = TemplateResponse(request, PANEL if request.htmx else "api/tokens.html", context, status=status)
    # The new secret is in this response: no cache may keep it.
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
@require_POST
def create_token(request):
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _panel(request, panel_context(request, form=form), status=400)
    try:
        new = services.create_token(
            user=request.user,
            name=form.cleaned_data["name"],
            scope=form.cleaned_data["scope"],
            expires_at=form.expires_at(),
        )
    except services.ApiError as error:
        form.add_error(None, str(error))
        return _panel(request, panel_context(request, form=form), status=400)
    return _panel(request, panel_context(request, new_secret=new.secret))


@login_required
@require_POST
def revoke_token(request, token_id: int):
    token = selectors.tokens_of(user=request.user).filter(pk=token_id).first()
    if token is None:
        raise Http404(_("No such token."))
    services.revoke_token(token=token)
    return _panel(request, panel_context(request, notice=_("The token is revoked: it no longer works.")))
