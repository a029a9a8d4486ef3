from django import template

from ..views import panel_context

register = template.Library()


@register.inclusion_tag("api/partials/tokens.html", takes_context=True)
def api_tokens_panel(context):
    """The profile's personal access tokens: list with last use, create, revoke."""
    return panel_context(context["request"])
