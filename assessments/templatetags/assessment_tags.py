from django import template

from assessments import selectors

register = template.Library()


@register.inclusion_tag("assessments/partials/recent_grades.html", takes_context=True)
def recent_grades(context):
    """The learner's latest assessment results for the learning dashboard, with a line for each grade a trainer
    lately released or changed."""
    recent = selectors.recent_grades(user=context["request"].user)
    return {"grades": recent.grades, "news": recent.news}
