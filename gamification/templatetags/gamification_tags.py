from django import template

from .. import selectors
from ..models import Visibility

register = template.Library()


@register.inclusion_tag("gamification/partials/achievements.html", takes_context=True)
def achievements(context, user):
    """Points, streak and every badge with the learner's progress towards it (dashboard and profile)."""
    found = selectors.achievements(user=user)
    return {"request": context["request"], "summary": found.summary, "badges": found.badges}


@register.inclusion_tag("gamification/partials/visibility_panel.html")
def leaderboard_visibility_panel(user):
    """The profile page's leaderboard choice; kept here so accounts need not know about leaderboards."""
    return {"visibility": selectors.learner_summary(user=user).visibility, "visibility_choices": Visibility.choices}
