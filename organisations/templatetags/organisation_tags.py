"""Organisations on other apps' pages: the courses a learner's organisations assigned them, on their dashboard.

learning never imports organisations: its dashboard template loads this library, the way it shows panels of
assessments, scheduling and gamification."""

from django import template
from django.utils import timezone

from .. import selectors

register = template.Library()


@register.inclusion_tag("organisations/partials/assigned_courses.html", takes_context=True)
def assigned_courses(context):
    """“Assigned to you”, soonest due first: one query, none for a learner who has no assignment."""
    request = context["request"]
    return {
        "request": request,
        "assigned": selectors.assigned_courses(user=request.user),
        "today": timezone.localdate(),
    }
