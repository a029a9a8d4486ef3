"""Organisations on other apps' pages: on a learner's dashboard, the courses their organisations assigned them and
links to the teams they manage.

learning never imports organisations: its dashboard template loads this library, the way it shows panels of
assessments, scheduling and gamification."""

from django import template
from django.utils import timezone

from .. import selectors

register = template.Library()


@register.inclusion_tag("organisations/partials/assigned_courses.html", takes_context=True)
def assigned_courses(context):
    """“Assigned to you”, soonest due first, and the teams the learner manages: one query, none for a learner who
    has no assignment (selectors.learner_teams)."""
    request = context["request"]
    teams = selectors.learner_teams(user=request.user)
    return {"request": request, "assigned": teams.assigned, "managed": teams.managed, "today": timezone.localdate()}
