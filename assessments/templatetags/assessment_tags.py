from django import template

from assessments import selectors

register = template.Library()


@register.inclusion_tag("assessments/partials/recent_grades.html", takes_context=True)
def recent_grades(context):
    """The learner's latest assessment results for the learning dashboard, with a line for each grade a trainer
    lately released or changed."""
    recent = selectors.recent_grades(user=context["request"].user)
    return {"grades": recent.grades, "news": recent.news}


@register.inclusion_tag("assessments/partials/grading_backlog.html")
def grading_backlog(courses):
    """The trainer home's essays to grade, per course of `courses`, with a link to each grading queue."""
    return {"backlog": selectors.grading_backlog(courses=courses)}
