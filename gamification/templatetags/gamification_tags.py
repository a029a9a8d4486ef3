from django import template

from .. import selectors

register = template.Library()


@register.inclusion_tag("gamification/partials/achievements.html", takes_context=True)
def achievements(context, user):
    """Points, streak and every badge with the learner's progress towards it (dashboard and profile)."""
    found = selectors.achievements(user=user)
    return {"request": context["request"], "summary": found.summary, "badges": found.badges}
